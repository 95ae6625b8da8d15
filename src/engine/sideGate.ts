// The side gate: a draft names the side of a finding only where the model has been shown to read it. For the
// findings the manifest lists (`side_gate.findings`, written by `npm run side-gate -- --write` from a val measurement:
// how often the drafts put each finding on the side its source gives), a sentence that asserts one of them loses its
// side and lobe words: "a pulmonary nodule is seen in the left lung." → "a pulmonary nodule is seen.", "left upper lobe
// nodule." → "nodule.". A wrong side in a signed report is worse than none, and a radiologist reads the side off the
// film in a glance. It edits what the page gets after the self-refinement has chosen (and the stream as it comes), so
// the choice, and every finding the draft asserts, stays what it was without the gate: side words move the towers'
// similarity a little, and a gate before the rerank let that tip one normal film into a nodule. Two candidates that
// then differ only in the side they guessed are shown as one.
import { ancestorsOf } from '../text/findings';
import { labelSentence } from '../text/labeler';
import { ModelManifestError } from './errors';
import { SENTENCE_ENDS, type TokenTexts } from './reportTokens';
import type { SideGateReport } from './types';

/** The gate as the manifest keeps it (`side_gate`). */
export interface SideGateEntry {
  findings: string[]; // finding keys whose side the drafts leave out (a descendant's mention counts)
  evaluation?: { split?: string; per_finding?: { finding: string; right_side: number; sided: number }[] } & Record<string, unknown>;
}

/** The measurement behind the gated findings, for the page. */
export function sideGateMeasured(gate: SideGateEntry): SideGateReport['measured'] {
  const split = gate.evaluation?.split ?? 'val';
  return (gate.evaluation?.per_finding ?? [])
    .filter((p) => gate.findings.includes(p.finding))
    .map((p) => ({ finding: p.finding, right: p.right_side, sided: p.sided, split }));
}

const SIDES = new Set(['left', 'right']);
const LEVELS = new Set(['upper', 'middle', 'lower']);
const PLACES = new Set(['lung', 'lobe']);
const PREPOSITIONS = new Set(['in', 'within', 'at', 'of', 'over', 'overlying', 'involving', 'from']);

export function checkSideGate(gate: SideGateEntry, known: readonly string[]): void {
  const unknown = Array.isArray(gate.findings) ? gate.findings.filter((f) => !known.includes(f)) : ['(findings is not a list)'];
  if (unknown.length)
    throw new ModelManifestError(
      `manifest.json's side_gate names findings this model does not know (${unknown.join(', ')}); re-run \`npm run side-gate -- --write\`.`,
    );
}

/** [start, end) of the side phrase at words[i] (a side word), widened over "in the", a lobe level, "lung"/"lobe" and "-sided". */
function sidePhrase(words: readonly string[], i: number): [number, number] {
  let start = i;
  if (start > 0 && words[start - 1] === 'the') start--;
  if (start > 0 && start < i && PREPOSITIONS.has(words[start - 1])) start--;
  if (start < i && !PREPOSITIONS.has(words[start])) start = i; // "the left upper lobe nodule" → "the nodule"
  let end = i + 1;
  if (words[end] === '-' && words[end + 1] === 'sided') end += 2;
  else if (words[end] === 'sided') end++;
  if (LEVELS.has(words[end])) end++;
  if (PLACES.has(words[end])) end++;
  return [start, end];
}

/** One sentence's words without their side phrases, when the sentence asserts a gated finding; else null. */
function withoutSidePhrases(words: readonly string[], gated: ReadonlySet<string>): boolean[] | null {
  const text = words.join(' ');
  const asserts = labelSentence(text).some((m) => m.status !== 'negative' && ancestorsOf(m.finding).some((a) => gated.has(a)));
  if (!asserts) return null;
  const drop = words.map(() => false);
  let any = false;
  for (let i = 0; i < words.length; i++) {
    if (!SIDES.has(words[i])) continue;
    const [start, end] = sidePhrase(words, i);
    for (let k = start; k < end; k++) drop[k] = true;
    any = true;
    i = end - 1;
  }
  return any ? drop : null;
}

/** A candidate's token ids with the side phrases of its gated sentences taken out, and whether any were. */
export function withoutSides(
  tokenIds: readonly number[],
  vocab: TokenTexts,
  findings: Iterable<string>, // finding keys (FindingKey)
): { tokenIds: number[]; removed: boolean; keep: boolean[] } {
  const gated = new Set<string>(findings);
  if (gated.size === 0) return { tokenIds: [...tokenIds], removed: false, keep: tokenIds.map(() => true) };
  const words = tokenIds.map((id) => vocab.tokenOf(id));
  const keep = tokenIds.map(() => true);
  let removed = false;
  let start = 0;
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length && !SENTENCE_ENDS.has(words[i])) continue;
    const drop = withoutSidePhrases(words.slice(start, i), gated);
    if (drop) {
      drop.forEach((d, k) => d && (keep[start + k] = false));
      removed = true;
    }
    start = i + 1;
  }
  return { tokenIds: removed ? tokenIds.filter((_, i) => keep[i]) : [...tokenIds], removed, keep };
}

export interface GatedCandidate<C> {
  candidate: C; // the first of its reading, side phrases out, the draws of every member
  members: C[]; // the ranked candidates that read like it once gated, the first first
  removed: boolean; // a member lost a side phrase
  keep: boolean[]; // per token of the first member's ids: kept
}

/** The ranked candidates as the page gets them: each with its side phrases out, a candidate that then reads word for
 *  word like a better-ranked one folded into it (its draws added), best first as ranked. `keep` marks, per token of
 *  the original ids, what stayed (to carry per-token data across). */
export function gateRanked<C extends { tokenIds: number[]; draws: number }>(
  ranked: readonly C[],
  vocab: TokenTexts,
  findings: readonly string[],
): GatedCandidate<C>[] {
  const out: GatedCandidate<C>[] = [];
  const at = new Map<string, number>();
  for (const c of ranked) {
    const g = withoutSides(c.tokenIds, vocab, findings);
    const key = g.tokenIds.join(',');
    const seen = at.get(key);
    if (seen !== undefined) {
      out[seen].candidate = { ...out[seen].candidate, draws: out[seen].candidate.draws + c.draws };
      out[seen].removed ||= g.removed;
      out[seen].members.push(c);
      continue;
    }
    at.set(key, out.length);
    out.push({ candidate: g.removed ? { ...c, tokenIds: g.tokenIds } : c, members: [c], removed: g.removed, keep: g.keep });
  }
  return out;
}
