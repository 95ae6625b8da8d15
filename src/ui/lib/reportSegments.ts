// Turns the engine's per-token report (text, grounding, sentence, section) into what the page renders:
// sections of sentences of words and punctuation, with natural spacing and a grounding strength per word.
import type { TokenInfo } from '../../engine/types';
import { joinTokens } from '../../text/tokenizer';

export interface WordSegment {
  kind: 'word';
  text: string;
  tokenIndex: number; // row of the heatmap array
  grounding: number; // cos(e_t, p_img) as the engine gave it
  strength: number; // grounding stretched over this report's words to [0,1]
  spaceBefore: boolean;
  byProbe?: boolean; // the subtype gate's probe put this word in; the language model did not write it
}

export interface PunctSegment {
  kind: 'punct';
  text: string;
  tokenIndex: number;
  spaceBefore: boolean;
}

export type Segment = WordSegment | PunctSegment;

export interface SentenceGroup {
  sentence: number; // row of sentenceHeatmaps
  section: 'findings' | 'impression';
  segments: Segment[];
  text: string;
  meanStrength: number; // mean word strength: a weakly grounded statement has a low one
}

export interface ReportSegments {
  findings: SentenceGroup[];
  impression: SentenceGroup[];
}

/** Below this strength a word is marked weak (dotted, amber). */
export const WEAK_STRENGTH = 0.25;

const SPECIAL = /^\[(PAD|BOS|EOS|UNK|SEP)\]$/;
const PUNCT = /^[\p{P}\p{S}]+$/u;

export function isWordToken(text: string): boolean {
  return !PUNCT.test(text);
}

/** Spacing the tokenizer's own joinTokens would use between two tokens. */
function needsSpace(prev: string | null, tok: string): boolean {
  if (prev === null) return false;
  return joinTokens([prev, tok]) !== prev + tok;
}

export function groundingRange(tokens: readonly TokenInfo[]): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of tokens) {
    if (SPECIAL.test(t.text) || !isWordToken(t.text) || !Number.isFinite(t.grounding)) continue;
    lo = Math.min(lo, t.grounding);
    hi = Math.max(hi, t.grounding);
  }
  return { lo, hi };
}

export function strengthOf(grounding: number, range: { lo: number; hi: number }): number {
  const span = range.hi - range.lo;
  if (!Number.isFinite(grounding)) return 0;
  if (!(span > 1e-9)) return 1;
  return Math.min(1, Math.max(0, (grounding - range.lo) / span));
}

export function segmentReport(tokens: readonly TokenInfo[]): ReportSegments {
  const range = groundingRange(tokens);
  const out: ReportSegments = { findings: [], impression: [] };
  let current: SentenceGroup | null = null;
  let prev: string | null = null;
  tokens.forEach((tok, tokenIndex) => {
    if (SPECIAL.test(tok.text) || tok.text.trim() === '') return;
    if (!current || current.sentence !== tok.sentence || current.section !== tok.section) {
      current = { sentence: tok.sentence, section: tok.section, segments: [], text: '', meanStrength: 0 };
      out[tok.section].push(current);
      prev = null;
    }
    const spaceBefore = needsSpace(prev, tok.text);
    const seg: Segment = isWordToken(tok.text)
      ? {
          kind: 'word',
          text: tok.text,
          tokenIndex,
          grounding: tok.grounding,
          strength: strengthOf(tok.grounding, range),
          spaceBefore,
          ...(tok.byProbe ? { byProbe: true } : {}),
        }
      : { kind: 'punct', text: tok.text, tokenIndex, spaceBefore };
    current.segments.push(seg);
    current.text += (spaceBefore ? ' ' : '') + tok.text;
    prev = tok.text;
  });
  for (const group of [...out.findings, ...out.impression]) {
    const words = group.segments.filter((s): s is WordSegment => s.kind === 'word');
    group.meanStrength = words.length ? words.reduce((a, w) => a + w.strength, 0) / words.length : 0;
  }
  return out;
}
