// Compiles the labeler's JSON term lists (src/text/data/labeler/*.json) into regular expressions, once.
// Pattern syntax: lower-case regex fragments matched on whole words of a whitespace-normalised sentence;
// " ... " is a gap of up to 4 words that never crosses punctuation or "and" / "but" / "with".
import mentionsJson from './data/labeler/mentions.json' with { type: 'json' };
import cuesJson from './data/labeler/cues.json' with { type: 'json' };
import ignoreJson from './data/labeler/ignore.json' with { type: 'json' };
import locationJson from './data/labeler/location.json' with { type: 'json' };
import { FINDING_KEYS, type FindingKey } from './findings';

export type Side = 'left' | 'right' | 'bilateral';
export type Zone = 'upper' | 'middle' | 'lower' | 'apical' | 'basal' | 'perihilar' | 'peripheral';
export type Lobe = 'RUL' | 'RML' | 'RLL' | 'LUL' | 'LLL' | 'lingula';

export class LabelerRulesError extends Error {
  override name = 'LabelerRulesError';
}

const GAP = "(?:\\s+(?!(?:and|but|with)\\b)[\\w'/-]+){0,4}\\s+";

function fragment(pattern: string): string {
  return pattern.split(' ... ').join(GAP);
}

/** One global regex matching any of the patterns as whole words; longer patterns first so they win ties. */
export function compilePatterns(patterns: readonly string[], where: string): RegExp | null {
  if (patterns.length === 0) return null;
  const sorted = [...patterns].sort((a, b) => b.length - a.length);
  const source = `(?<![\\w])(?:${sorted.map((p) => fragment(p)).join('|')})(?![\\w])`;
  try {
    return new RegExp(source, 'g');
  } catch (err) {
    throw new LabelerRulesError(`bad pattern in ${where}: ${(err as Error).message}; fix the JSON term list.`);
  }
}

export interface FindingRules {
  key: FindingKey;
  mention: RegExp | null;
  normal: RegExp | null;
}

export interface CueRules {
  pre: RegExp | null;
  post: RegExp | null;
  pseudo: RegExp | null;
  adjacent: RegExp | null; // cues that reach only the mentions right next to them ("x versus y")
}

export interface LocationRule<T> {
  value: T;
  regex: RegExp;
}

export interface LabelerRules {
  findings: FindingRules[];
  ignore: RegExp | null;
  negation: CueRules;
  uncertainty: CueRules;
  clauseBreaks: RegExp | null;
  side: LocationRule<Side>[];
  zone: LocationRule<Zone>[];
  lobe: LocationRule<Lobe>[];
}

type MentionLists = Record<string, { mention: string[]; normal: string[] } | string>;
type CueLists = { pre: string[]; post: string[]; pseudo: string[]; adjacent?: string[] };

function cueRules(lists: CueLists, where: string): CueRules {
  return {
    pre: compilePatterns(lists.pre, `${where}.pre`),
    post: compilePatterns(lists.post, `${where}.post`),
    pseudo: compilePatterns(lists.pseudo, `${where}.pseudo`),
    adjacent: compilePatterns(lists.adjacent ?? [], `${where}.adjacent`),
  };
}

function locationRules<T extends string>(lists: Record<string, string[]>, where: string): LocationRule<T>[] {
  return Object.entries(lists).map(([value, patterns]) => {
    const regex = compilePatterns(patterns, `${where}.${value}`);
    if (regex === null) throw new LabelerRulesError(`${where}.${value} has no patterns in location.json.`);
    return { value: value as T, regex };
  });
}

function buildRules(): LabelerRules {
  const mentions = mentionsJson as unknown as MentionLists;
  const findings: FindingRules[] = [];
  for (const key of FINDING_KEYS) {
    if (key === 'no_finding') continue; // derived, never mentioned
    const lists = mentions[key];
    if (lists === undefined || typeof lists === 'string') {
      throw new LabelerRulesError(`mentions.json has no entry for finding "${key}"; add {mention:[], normal:[]}.`);
    }
    findings.push({
      key,
      mention: compilePatterns(lists.mention, `mentions.${key}.mention`),
      normal: compilePatterns(lists.normal, `mentions.${key}.normal`),
    });
  }
  const cues = cuesJson as unknown as { negation: CueLists; uncertainty: CueLists; clause_breaks: string[] };
  const location = locationJson as unknown as Record<'side' | 'zone' | 'lobe', Record<string, string[]>>;
  return {
    findings,
    ignore: compilePatterns((ignoreJson as { phrases: string[] }).phrases, 'ignore.phrases'),
    negation: cueRules(cues.negation, 'cues.negation'),
    uncertainty: cueRules(cues.uncertainty, 'cues.uncertainty'),
    clauseBreaks: compilePatterns(cues.clause_breaks, 'cues.clause_breaks'),
    side: locationRules<Side>(location.side, 'location.side'),
    zone: locationRules<Zone>(location.zone, 'location.zone'),
    lobe: locationRules<Lobe>(location.lobe, 'location.lobe'),
  };
}

export const LABELER_RULES: LabelerRules = buildRules();

export interface Span {
  start: number;
  end: number;
}

/** All matches of a global regex as spans (empty matches skipped). */
export function findSpans(regex: RegExp | null, text: string): Span[] {
  if (regex === null) return [];
  const spans: Span[] = [];
  regex.lastIndex = 0;
  for (const m of text.matchAll(regex)) {
    if (m[0].length > 0 && m.index !== undefined) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

/** Replaces the given spans with '#' so that nothing inside them can match again (offsets are kept). */
export function maskSpans(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  const chars = text.split('');
  for (const s of spans) for (let i = s.start; i < s.end; i += 1) if (chars[i] !== ' ') chars[i] = '#';
  return chars.join('');
}
