// The self-refinement rerank. Two ways to choose among the finished candidates:
//  - Candidate scores (vote threshold 0): each candidate's length-normalised logp, plus β times its image–text
//    similarity, plus γ (consensus) times its agreement, the mean Jaccard of its finding set with the other draws'.
//    β = γ = 0 is plain beam ranking.
//  - Finding votes (vote threshold τ in (0, 1)): choose what to assert, then how to say it. Each finding f gets
//    p_f, the share of the search's rows (a repeated sample counts once per draw) whose candidate asserts it. Each
//    finding set S among the candidates scores Σ_{f∈S} (p_f − τ) + β · the best similarity of its candidates +
//    γ · its agreement, so a finding enters the draft only when most draws back it or the image–text similarity
//    of a report asserting it is high enough to pay for it; τ above ½ trades recall for fewer unsupported
//    findings. The draft is the language model's best candidate of the winning set. With a finding reader (a second
//    reading of the film, src/engine/findingReader.ts) and a reader weight w, p_f = (1 − w)·share + w·P(f | film).
// rerankChangedChoice compares the choice with the LM's best. The similarity is the similarity towers'
// cos(p_img, p_txt) when the model has them, else the decoder's own (model 1.0's: p_txt = mean text embedding of the
// fed report tokens, docs/CONTRACTS.md). Each candidate also carries the findings the labeler reads in it, so the
// page can say what the refinement weighed, and candidates that assert the same finding set count as one alternative.
import type { Hypothesis } from './beamSearch';
import { mixReading, type FindingReading } from './findingReader';
import { cosine, meanVector } from './vectorMath';

export interface RankedCandidate {
  index: number; // position in the search's output (to find per-candidate data computed before ranking)
  tokenIds: number[];
  length: number; // |c|
  logp: number;
  lengthNormLogp: number;
  similarity: number;
  agreement: number; // mean Jaccard of its finding set with each other draw's (1 when it is the only draw)
  support: number; // finding votes: Σ over its findings of (p_f − τ), p_f its share of draws (mixed with the reader); 0 without votes
  draws: number; // search rows that produced it
  score: number;
  textEmbeds: Float32Array[];
  group: number; // diverse beam group
  findings: string[]; // finding keys the labeler reads as asserted (ancestors included), sorted
  chosen: boolean;
}

export interface FindingTally {
  finding: string;
  candidates: number; // how many candidates assert it
}

export interface RerankResult {
  candidates: RankedCandidate[]; // best score first
  chosen: RankedCandidate;
  rerankChangedChoice: boolean; // the chosen candidate differs from the best by lengthNormLogp alone (beta = 0)
  lmChoice: RankedCandidate; // the best by lengthNormLogp alone
  findingSets: number; // distinct finding sets among the candidates (same set = one clinical alternative)
  tally: FindingTally[]; // per finding asserted by any candidate, most asserted first
}

/** The self-refinement score of one candidate: logp/|c|^α + β·similarity + γ·agreement. */
export function combinedScore(lengthNormLogp: number, similarity: number, beta: number, agreement = 0, consensus = 0): number {
  return lengthNormLogp + beta * similarity + consensus * agreement;
}

/** |a ∩ b| / |a ∪ b| of two finding sets; two empty sets (two normal reports) agree fully. */
export function findingJaccard(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  let both = 0;
  for (const f of sa) if (sb.has(f)) both++;
  const union = sa.size + sb.size - both;
  return union === 0 ? 1 : both / union;
}

/** Per candidate: the mean Jaccard of its finding set with every other draw's, where `draws[j]` says how many
 *  search rows produced candidate j (a sample that repeats a reading word for word is one more vote for it; its own
 *  other copies agree fully). 1 when there is no other draw. */
export function findingAgreement(findings: readonly (readonly string[])[], draws: readonly number[] = findings.map(() => 1)): number[] {
  if (draws.length !== findings.length) throw new RangeError('findingAgreement: one draw count per candidate');
  const total = draws.reduce((a, b) => a + b, 0);
  if (total < 2) return findings.map(() => 1);
  return findings.map((f, i) => {
    let sum = draws[i] - 1;
    findings.forEach((g, j) => {
      if (j !== i) sum += draws[j] * findingJaccard(f, g);
    });
    return sum / (total - 1);
  });
}

/** Model 1.0's similarity: cos(p_img, mean of the text embeddings the decoder emitted for the fed tokens). */
export function decoderSimilarity(h: Hypothesis, pImg: Float32Array): number {
  return h.textEmbeds.length > 0 ? cosine(pImg, meanVector(h.textEmbeds, pImg.length)) : 0;
}

/** Per finding, the share of draws whose candidate asserts it. */
export function findingVotes(findings: readonly (readonly string[])[], draws: readonly number[]): Map<string, number> {
  const total = draws.reduce((a, b) => a + b, 0);
  const votes = new Map<string, number>();
  findings.forEach((f, i) => {
    for (const k of new Set(f)) votes.set(k, (votes.get(k) ?? 0) + draws[i] / total);
  });
  return votes;
}

/** Σ_{f∈S} (p_f − τ): positive when the set's findings are backed by more than τ of the draws on balance. */
export function findingSupport(findings: readonly string[], votes: ReadonlyMap<string, number>, threshold: number): number {
  let sum = 0;
  for (const k of new Set(findings)) sum += (votes.get(k) ?? 0) - threshold;
  return sum;
}

export function findingSetKey(findings: readonly string[]): string {
  return [...findings].sort().join('|');
}

export function tallyFindings(candidates: readonly { findings: readonly string[] }[]): FindingTally[] {
  const counts = new Map<string, number>();
  for (const c of candidates) for (const f of new Set(c.findings)) counts.set(f, (counts.get(f) ?? 0) + 1);
  return [...counts.entries()]
    .map(([finding, n]) => ({ finding, candidates: n }))
    .sort((a, b) => b.candidates - a.candidates || a.finding.localeCompare(b.finding));
}

export function rerank(
  hyps: readonly Hypothesis[],
  similarities: readonly number[],
  findings: readonly (readonly string[])[],
  alpha: number,
  beta: number,
  consensus = 0,
  draws?: readonly number[], // per candidate, how many search rows produced it (default 1 each)
  voteThreshold = 0, // τ of the finding votes; 0 = candidate scores
  reading?: { findings: FindingReading; weight: number }, // the finding reader's P(f | film) and its weight in the votes
): RerankResult {
  if (hyps.length === 0) throw new RangeError('rerank needs at least one finished candidate');
  if (similarities.length !== hyps.length || findings.length !== hyps.length) throw new RangeError('rerank: one similarity and one finding list per candidate');
  if (!(voteThreshold >= 0 && voteThreshold < 1)) throw new RangeError(`rerank: the vote threshold is in [0, 1); got ${voteThreshold}`);
  const drawCounts = draws ?? hyps.map(() => 1);
  const agreements = findingAgreement(findings, drawCounts);
  const votes = voteThreshold > 0 ? mixReading(findingVotes(findings, drawCounts), reading?.findings, reading?.weight ?? 0) : null;
  const setKeys = findings.map(findingSetKey);
  // Finding votes score a finding set by its best candidate's similarity.
  const bestSimilarity = new Map<string, number>();
  if (votes) setKeys.forEach((key, i) => bestSimilarity.set(key, Math.max(bestSimilarity.get(key) ?? -Infinity, similarities[i])));
  const scored: RankedCandidate[] = hyps.map((h, index) => {
    const length = h.tokenIds.length;
    const lengthNormLogp = h.logp / Math.pow(Math.max(1, length), alpha);
    const similarity = similarities[index];
    const support = votes ? findingSupport(findings[index], votes, voteThreshold) : 0;
    return {
      index,
      tokenIds: h.tokenIds,
      length,
      logp: h.logp,
      lengthNormLogp,
      similarity,
      agreement: agreements[index],
      support,
      draws: drawCounts[index],
      score: votes
        ? support + beta * bestSimilarity.get(setKeys[index])! + consensus * agreements[index]
        : combinedScore(lengthNormLogp, similarity, beta, agreements[index], consensus),
      textEmbeds: h.textEmbeds,
      group: h.group,
      findings: [...findings[index]].sort(),
      chosen: false,
    };
  });
  // Stable: equal scores keep the search's order; under finding votes a set's candidates tie and the LM orders them.
  const byScore = [...scored].sort((a, b) => b.score - a.score || (votes ? b.lengthNormLogp - a.lengthNormLogp : 0) || a.index - b.index);
  const byLogp = [...scored].sort((a, b) => b.lengthNormLogp - a.lengthNormLogp || a.index - b.index);
  const chosen = byScore[0];
  chosen.chosen = true;
  return {
    candidates: byScore,
    chosen,
    rerankChangedChoice: chosen.index !== byLogp[0].index,
    lmChoice: byLogp[0],
    findingSets: new Set(setKeys).size,
    tally: tallyFindings(scored),
  };
}
