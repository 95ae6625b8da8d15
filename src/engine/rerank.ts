// The self-refinement rerank: every finished beam candidate scored by its length-normalised logp plus
// beta times cos(p_img, p_txt), p_txt being the mean text embedding of the report tokens it fed
// (docs/CONTRACTS.md). beta = 0 is plain beam ranking; rerankChangedChoice compares the two.
import type { Hypothesis } from './beamSearch';
import { cosine, meanVector } from './vectorMath';

export interface RankedCandidate {
  tokenIds: number[];
  length: number; // |c|
  logp: number;
  lengthNormLogp: number;
  similarity: number;
  score: number;
  textEmbeds: Float32Array[];
  chosen: boolean;
}

export interface RerankResult {
  candidates: RankedCandidate[]; // best score first
  chosen: RankedCandidate;
  rerankChangedChoice: boolean; // the chosen candidate differs from the best by lengthNormLogp alone (beta = 0)
}

/** The self-refinement score of one candidate: logp/|c|^α + β·cos(p_img, p_txt). */
export function combinedScore(lengthNormLogp: number, similarity: number, beta: number): number {
  return lengthNormLogp + beta * similarity;
}

export function rerank(hyps: readonly Hypothesis[], pImg: Float32Array, alpha: number, beta: number): RerankResult {
  if (hyps.length === 0) throw new RangeError('rerank needs at least one finished candidate');
  const E = pImg.length;
  const scored = hyps.map((h, order) => {
    const length = h.tokenIds.length;
    const lengthNormLogp = h.logp / Math.pow(Math.max(1, length), alpha);
    const similarity = h.textEmbeds.length > 0 ? cosine(pImg, meanVector(h.textEmbeds, E)) : 0;
    return { order, c: { tokenIds: h.tokenIds, length, logp: h.logp, lengthNormLogp, similarity, score: combinedScore(lengthNormLogp, similarity, beta), textEmbeds: h.textEmbeds, chosen: false } };
  });
  // Stable: equal scores keep the beam order.
  const byScore = [...scored].sort((a, b) => b.c.score - a.c.score || a.order - b.order);
  const byLogp = [...scored].sort((a, b) => b.c.lengthNormLogp - a.c.lengthNormLogp || a.order - b.order);
  const chosen = byScore[0].c;
  chosen.chosen = true;
  return { candidates: byScore.map((s) => s.c), chosen, rerankChangedChoice: byScore[0].order !== byLogp[0].order };
}
