// Finding labeler in the manner of the CheXpert labeler: mentions found by term lists, negation and uncertainty
// decided by cues within the mention's clause, per-report aggregation (positive > uncertain > negative), parent
// closure (a nodule is also a lung lesion) and the No Finding rule. Term lists live in src/text/data/labeler/.
import { FINDING_KEYS, FINDINGS, type FindingKey } from './findings';
import { LABELER_RULES, findSpans, maskSpans, type Lobe, type Side, type Span, type Zone } from './labelerRules';
import { splitSentences } from './sentences';

export type { Lobe, Side, Zone } from './labelerRules';
export type { FindingKey } from './findings';

export type MentionStatus = 'positive' | 'negative' | 'uncertain';

export interface Mention {
  finding: FindingKey;
  status: MentionStatus;
  sentence: string; // the sentence, lower-cased and whitespace-normalised; start/end index into it
  start: number;
  end: number;
  side?: Side;
  zone?: Zone;
  lobe?: Lobe;
}

export interface LabelResult {
  findings: Record<FindingKey, MentionStatus>;
  mentions: Mention[];
}

const RANK: Record<MentionStatus, number> = { negative: 0, uncertain: 1, positive: 2 };

/** Lower-cases, collapses white space and spaces out '?' so it can act as a cue word. */
export function normaliseSentence(sentence: string): string {
  return sentence.toLowerCase().replace(/\?/g, ' ? ').replace(/\s+/g, ' ').trim();
}

interface Cue extends Span {
  kind: 'negation' | 'uncertainty';
}

interface Cues {
  pre: Cue[];
  post: Cue[];
  adjacent: Cue[];
}

function findCues(masked: string): Cues {
  const { negation, uncertainty } = LABELER_RULES;
  const uncertaintyText = maskSpans(masked, findSpans(uncertainty.pseudo, masked));
  const uncPre = findSpans(uncertainty.pre, uncertaintyText);
  const uncPost = findSpans(uncertainty.post, uncertaintyText);
  const uncAdjacent = findSpans(uncertainty.adjacent, uncertaintyText);
  // Uncertainty phrases such as "cannot exclude" hide their negation words from the negation search.
  const negationText = maskSpans(masked, [...findSpans(negation.pseudo, masked), ...uncPre, ...uncPost, ...uncAdjacent]);
  const tag = (spans: Span[], kind: Cue['kind']): Cue[] => spans.map((s) => ({ ...s, kind }));
  return {
    pre: [...tag(findSpans(negation.pre, negationText), 'negation'), ...tag(uncPre, 'uncertainty')],
    post: [...tag(findSpans(negation.post, negationText), 'negation'), ...tag(uncPost, 'uncertainty')],
    adjacent: tag(uncAdjacent, 'uncertainty'),
  };
}

function clauseOf(mention: Span, breaks: readonly Span[], length: number): Span {
  let start = 0;
  let end = length;
  for (const b of breaks) {
    if (b.end <= mention.start && b.end > start) start = b.end;
    if (b.start >= mention.end && b.start < end) end = b.start;
  }
  return { start, end };
}

const MAX_ADJACENT_GAP_WORDS = 2;

/** Whether an adjacent cue ("versus") touches the mention, with at most two words between them. */
function touches(text: string, mention: Span, cue: Span): boolean {
  const between = cue.start >= mention.end ? text.slice(mention.end, cue.start) : cue.end <= mention.start ? text.slice(cue.end, mention.start) : null;
  if (between === null || /[,;:.]/.test(between)) return false;
  return (
    between
      .trim()
      .split(/\s+/)
      .filter((w) => w.length > 0).length <= MAX_ADJACENT_GAP_WORDS
  );
}

function statusOf(text: string, mention: Span, clause: Span, cues: Cues): MentionStatus {
  const { pre, post } = cues;
  let nearestPre: Cue | undefined;
  for (const c of pre) {
    if (c.start < clause.start || c.end > mention.end || c.start >= mention.end) continue;
    if (c.start > mention.start && c.end === mention.end) continue; // a cue cannot be the mention's own last word
    if (nearestPre === undefined || c.end > nearestPre.end) nearestPre = c;
  }
  let nearestPost: Cue | undefined;
  for (const c of post) {
    if (c.start < mention.end || c.end > clause.end) continue;
    if (nearestPost === undefined || c.start < nearestPost.start) nearestPost = c;
  }
  if (nearestPre?.kind === 'negation' || nearestPost?.kind === 'negation') return 'negative';
  if (nearestPre?.kind === 'uncertainty' || nearestPost?.kind === 'uncertainty') return 'uncertain';
  if (cues.adjacent.some((c) => touches(text, mention, c))) return 'uncertain';
  return 'positive';
}

const PHRASE_BREAK = /[,;:#]|\b(?:and|with|but|which|however|no|without|while|whereas)\b/g;

function phraseWindow(sentence: string, mention: Span): Span {
  let start = Math.max(0, mention.start - 50);
  let end = Math.min(sentence.length, mention.end + 60);
  PHRASE_BREAK.lastIndex = 0;
  for (const m of sentence.matchAll(PHRASE_BREAK)) {
    const s = m.index ?? 0;
    const e = s + m[0].length;
    if (e <= mention.start && e > start) start = e;
    if (s >= mention.end && s < end) end = s;
  }
  return { start, end };
}

function nearest<T>(rules: { value: T; regex: RegExp }[], text: string, window: Span, mention: Span): T[] {
  const found: Array<{ value: T; distance: number }> = [];
  const slice = text.slice(window.start, window.end);
  for (const rule of rules) {
    for (const s of findSpans(rule.regex, slice)) {
      const start = s.start + window.start;
      const end = s.end + window.start;
      const distance = end <= mention.start ? mention.start - end : start >= mention.end ? start - mention.end : 0;
      found.push({ value: rule.value, distance });
    }
  }
  return found.sort((a, b) => a.distance - b.distance).map((f) => f.value);
}

function locate(sentence: string, mention: Span): Pick<Mention, 'side' | 'zone' | 'lobe'> {
  const window = phraseWindow(sentence, mention);
  const lobe = nearest(LABELER_RULES.lobe, sentence, window, mention)[0];
  const sides = nearest(LABELER_RULES.side, sentence, window, mention);
  const zone = nearest(LABELER_RULES.zone, sentence, window, mention)[0];
  let side: Side | undefined = sides[0];
  if (side !== 'bilateral' && sides.includes('left') && sides.includes('right')) side = 'bilateral';
  if (side === undefined && lobe !== undefined) side = lobe.startsWith('R') ? 'right' : 'left';
  const out: Pick<Mention, 'side' | 'zone' | 'lobe'> = {};
  if (side !== undefined) out.side = side;
  if (zone !== undefined) out.zone = zone;
  if (lobe !== undefined) out.lobe = lobe;
  return out;
}

// Sentences recur: a report's candidates share most of theirs, and a model writes from a small repertoire. The
// rules are large regular expressions, slow until V8 tiers them up (about half of the engine's JS time in a
// beam-3 report), so each normalised sentence is labelled once (a bounded table, emptied when full); callers get
// copies.
const SENTENCE_MEMO_LIMIT = 4096;
const sentenceMemo = new Map<string, readonly Mention[]>();

/** Labels one sentence: every mention with its status and location. */
export function labelSentence(rawSentence: string): Mention[] {
  const sentence = normaliseSentence(rawSentence);
  if (sentence.length === 0) return [];
  let mentions = sentenceMemo.get(sentence);
  if (mentions === undefined) {
    if (sentenceMemo.size >= SENTENCE_MEMO_LIMIT) sentenceMemo.clear();
    mentions = labelNormalisedSentence(sentence);
    sentenceMemo.set(sentence, mentions);
  }
  return mentions.map((m) => ({ ...m }));
}

function labelNormalisedSentence(sentence: string): Mention[] {
  const masked = maskSpans(sentence, findSpans(LABELER_RULES.ignore, sentence));
  const cues = findCues(masked);
  const breaks = findSpans(LABELER_RULES.clauseBreaks, masked);
  const mentions: Mention[] = [];
  for (const rules of LABELER_RULES.findings) {
    const normals = findSpans(rules.normal, masked);
    const overlapsNormal = (s: Span): boolean => normals.some((n) => s.start < n.end && n.start < s.end);
    for (const span of findSpans(rules.mention, masked)) {
      if (overlapsNormal(span)) continue;
      const status = statusOf(masked, span, clauseOf(span, breaks, masked.length), cues);
      mentions.push({ finding: rules.key, status, sentence, ...span, ...locate(sentence, span) });
    }
    for (const span of normals) {
      mentions.push({ finding: rules.key, status: 'negative', sentence, ...span, ...locate(sentence, span) });
    }
  }
  return mentions.sort((a, b) => a.start - b.start || a.end - b.end);
}

const PARENT: Partial<Record<FindingKey, FindingKey>> = Object.fromEntries(FINDINGS.filter((f) => f.parent !== undefined).map((f) => [f.key, f.parent]));

/** Per-finding status from mentions: positive > uncertain > negative; a child lifts its parent; then No Finding. */
export function aggregateMentions(mentions: readonly Mention[]): Record<FindingKey, MentionStatus> {
  const findings = Object.fromEntries(FINDING_KEYS.map((k) => [k, 'negative'])) as Record<FindingKey, MentionStatus>;
  const lift = (key: FindingKey, status: MentionStatus): void => {
    if (RANK[status] > RANK[findings[key]]) findings[key] = status;
    const parent = PARENT[key];
    if (parent !== undefined && status !== 'negative') lift(parent, status);
  };
  for (const m of mentions) lift(m.finding, m.status);
  const anyFinding = FINDING_KEYS.some((k) => k !== 'no_finding' && findings[k] !== 'negative');
  findings.no_finding = anyFinding ? 'negative' : 'positive';
  return findings;
}

/** Labels a report (findings and impression text, raw or cleaned). */
export function labelReport(text: string): LabelResult {
  const mentions = splitSentences(text).flatMap((s) => labelSentence(s));
  return { findings: aggregateMentions(mentions), mentions };
}

/** The findings a report asserts (status positive), in vocabulary order; ['no_finding'] for a normal report. */
export function positiveFindings(text: string): FindingKey[] {
  const { findings } = labelReport(text);
  return FINDING_KEYS.filter((k) => findings[k] === 'positive');
}
