// meteor_exact_stem: METEOR 1.5's scoring (Denkowski & Lavie 2014) with only its exact and stem matchers — NOT
// the Java METEOR that pycocoevalcap runs (no WordNet synonyms, no paraphrase table; stems are Porter 1980, not
// Snowball). Parameters: METEOR 1.5 English defaults α 0.85, β 0.2, γ 0.6, δ 0.75, module weights exact 1.0 /
// stem 0.6; function words (δ weighting) from functionWords.json. Alignment: beam search maximising matched
// words, then minimising chunks, then preferring exact over stem, then the sum of |i−j| distances.
// Multi-reference: the best-scoring reference's statistics; the corpus score is computed from the statistics
// summed over segments, as METEOR's aggregate score is (not the mean of segment scores).
import functionWordsData from './functionWords.json' with { type: 'json' };
import { porterStem } from './porterStemmer';
import { splitWords } from './ngrams';

const ALPHA = 0.85;
const BETA = 0.2;
const GAMMA = 0.6;
const DELTA = 0.75;
const MODULE_WEIGHTS = [1.0, 0.6]; // exact, stem
const BEAM = 40;
const FUNCTION_WORDS = new Set<string>(functionWordsData.words);

/** Sufficient statistics of one segment; summable across segments. */
export interface MeteorStats {
  testLength: number;
  refLength: number;
  testFunctionWords: number;
  refFunctionWords: number;
  testMatchesContent: number[]; // per module
  testMatchesFunction: number[];
  refMatchesContent: number[];
  refMatchesFunction: number[];
  matches: number; // matched word pairs (1–1 for exact/stem)
  chunks: number;
}

interface Pair {
  h: number;
  r: number;
  module: number;
}
interface State {
  used: Uint8Array;
  pairs: Pair[];
  chunks: number;
  weight: number;
  distance: number;
  lastH: number;
  lastR: number;
}

function candidatesPerHyp(hyp: string[], ref: string[]): Pair[][] {
  const refStems = ref.map(porterStem);
  return hyp.map((w, h) => {
    const stem = porterStem(w);
    const out: Pair[] = [];
    ref.forEach((rw, r) => {
      if (rw === w) out.push({ h, r, module: 0 });
      else if (refStems[r] === stem) out.push({ h, r, module: 1 });
    });
    return out;
  });
}

/** Optimistic count of further matches: later hyp words that still have a free candidate. */
function potential(state: State, cands: Pair[][], from: number): number {
  let p = 0;
  for (let h = from; h < cands.length; h++) if (cands[h].some((c) => !state.used[c.r])) p++;
  return p;
}

function better(a: State, b: State, pa: number, pb: number): number {
  return b.pairs.length + pb - (a.pairs.length + pa) || a.chunks - b.chunks || b.weight - a.weight || a.distance - b.distance;
}

/** The word alignment between hypothesis and reference tokens. */
export function align(hyp: string[], ref: string[]): Pair[] {
  const cands = candidatesPerHyp(hyp, ref);
  let beam: State[] = [{ used: new Uint8Array(ref.length), pairs: [], chunks: 0, weight: 0, distance: 0, lastH: -2, lastR: -2 }];
  for (let h = 0; h < hyp.length; h++) {
    if (cands[h].length === 0) continue;
    const next: State[] = [];
    for (const s of beam) {
      next.push(s);
      for (const c of cands[h]) {
        if (s.used[c.r]) continue;
        const used = s.used.slice();
        used[c.r] = 1;
        const continues = s.lastH === h - 1 && s.lastR === c.r - 1;
        next.push({
          used,
          pairs: [...s.pairs, c],
          chunks: s.chunks + (continues ? 0 : 1),
          weight: s.weight + MODULE_WEIGHTS[c.module],
          distance: s.distance + Math.abs(h - c.r),
          lastH: h,
          lastR: c.r,
        });
      }
    }
    const pot = next.map((s) => potential(s, cands, h + 1));
    const order = next.map((_, i) => i).sort((i, j) => better(next[i], next[j], pot[i], pot[j]));
    beam = order.slice(0, BEAM).map((i) => next[i]);
  }
  return beam.reduce((best, s) => (better(s, best, 0, 0) < 0 ? s : best)).pairs;
}

function emptyStats(): MeteorStats {
  return {
    testLength: 0,
    refLength: 0,
    testFunctionWords: 0,
    refFunctionWords: 0,
    testMatchesContent: [0, 0],
    testMatchesFunction: [0, 0],
    refMatchesContent: [0, 0],
    refMatchesFunction: [0, 0],
    matches: 0,
    chunks: 0,
  };
}

/** Statistics of one tokenised hypothesis against one tokenised reference. */
export function segmentStats(hyp: string[], ref: string[]): MeteorStats {
  const s = emptyStats();
  s.testLength = hyp.length;
  s.refLength = ref.length;
  s.testFunctionWords = hyp.filter((w) => FUNCTION_WORDS.has(w)).length;
  s.refFunctionWords = ref.filter((w) => FUNCTION_WORDS.has(w)).length;
  const pairs = align(hyp, ref).sort((a, b) => a.h - b.h);
  for (const p of pairs) {
    (FUNCTION_WORDS.has(hyp[p.h]) ? s.testMatchesFunction : s.testMatchesContent)[p.module]++;
    (FUNCTION_WORDS.has(ref[p.r]) ? s.refMatchesFunction : s.refMatchesContent)[p.module]++;
  }
  s.matches = pairs.length;
  pairs.forEach((p, i) => {
    const prev = pairs[i - 1];
    if (!prev || prev.h !== p.h - 1 || prev.r !== p.r - 1) s.chunks++;
  });
  return s;
}

export function addStats(a: MeteorStats, b: MeteorStats): MeteorStats {
  const add = (x: number[], y: number[]) => x.map((v, i) => v + y[i]);
  return {
    testLength: a.testLength + b.testLength,
    refLength: a.refLength + b.refLength,
    testFunctionWords: a.testFunctionWords + b.testFunctionWords,
    refFunctionWords: a.refFunctionWords + b.refFunctionWords,
    testMatchesContent: add(a.testMatchesContent, b.testMatchesContent),
    testMatchesFunction: add(a.testMatchesFunction, b.testMatchesFunction),
    refMatchesContent: add(a.refMatchesContent, b.refMatchesContent),
    refMatchesFunction: add(a.refMatchesFunction, b.refMatchesFunction),
    matches: a.matches + b.matches,
    chunks: a.chunks + b.chunks,
  };
}

/** METEOR score from (possibly summed) statistics. */
export function scoreFromStats(s: MeteorStats): number {
  const weighted = (content: number[], fn: number[]) => MODULE_WEIGHTS.reduce((acc, w, i) => acc + w * (DELTA * content[i] + (1 - DELTA) * fn[i]), 0);
  const testDen = DELTA * (s.testLength - s.testFunctionWords) + (1 - DELTA) * s.testFunctionWords;
  const refDen = DELTA * (s.refLength - s.refFunctionWords) + (1 - DELTA) * s.refFunctionWords;
  if (testDen === 0 || refDen === 0 || s.matches === 0) return 0;
  const precision = weighted(s.testMatchesContent, s.testMatchesFunction) / testDen;
  const recall = weighted(s.refMatchesContent, s.refMatchesFunction) / refDen;
  const fMean = (precision * recall) / (ALPHA * precision + (1 - ALPHA) * recall);
  const identical = s.matches === s.testLength && s.matches === s.refLength && s.chunks === 1;
  const frag = identical ? 0 : s.chunks / s.matches;
  return Math.max(0, fMean * (1 - GAMMA * frag ** BETA));
}

/** Best reference's statistics for one tokenised hypothesis (ties → the earlier reference). */
export function bestStats(hyp: string, refs: string[]): MeteorStats {
  if (refs.length === 0) throw new RangeError('meteor: a hypothesis has no reference; give at least one');
  const h = splitWords(hyp);
  let best: MeteorStats | null = null;
  let bestScore = -1;
  for (const ref of refs) {
    const s = segmentStats(h, splitWords(ref));
    const score = scoreFromStats(s);
    if (score > bestScore) [best, bestScore] = [s, score];
  }
  return best as MeteorStats;
}

/** Corpus meteor_exact_stem from summed best-reference statistics, plus per-segment scores. */
export function corpusMeteor(hyps: string[], refs: string[][]): { corpus: number; perSentence: number[] } {
  if (hyps.length !== refs.length) throw new RangeError(`meteor: ${hyps.length} hypotheses but ${refs.length} reference sets`);
  let total = emptyStats();
  const perSentence = hyps.map((hyp, i) => {
    const s = bestStats(hyp, refs[i]);
    total = addStats(total, s);
    return scoreFromStats(s);
  });
  return { corpus: scoreFromStats(total), perSentence };
}
