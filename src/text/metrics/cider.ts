// CIDEr-D as pycocoevalcap's Cider computes it (cider_scorer.py): n = 1..4, tf-idf vectors with document
// frequency counted over the reference sets of the evaluated corpus (idf = log(#images) − log(max(1, df))),
// per-order cosine with clipping min(hyp, ref)·ref, Gaussian length penalty exp(−Δ²/2σ²) with σ = 6, mean
// over orders, mean over references, ×10; corpus score = mean over images.
// Quirk kept on purpose: pycocoevalcap's "length" counts bigram occurrences (its `if n == 1` tests the
// 0-based order index), i.e. words − 1; the penalty uses the difference of those lengths.
import { ngramCounts, ngramOrder, splitWords } from './ngrams';

const N = 4;
const SIGMA = 6;

interface TfIdf {
  vec: Map<string, number>[]; // per order (0-based) → weight
  norm: number[];
  length: number;
}

function toVector(counts: Map<string, number>, df: Map<string, number>, refLen: number): TfIdf {
  const vec = Array.from({ length: N }, () => new Map<string, number>());
  const norm = new Array<number>(N).fill(0);
  let length = 0;
  for (const [key, tf] of counts) {
    const order = ngramOrder(key) - 1;
    const w = tf * (refLen - Math.log(Math.max(1, df.get(key) ?? 0)));
    vec[order].set(key, w);
    norm[order] += w * w;
    if (order === 1) length += tf;
  }
  return { vec, norm: norm.map(Math.sqrt), length };
}

function similarity(hyp: TfIdf, ref: TfIdf): number[] {
  const delta = hyp.length - ref.length;
  const val = new Array<number>(N).fill(0);
  for (let n = 0; n < N; n++) {
    for (const [key, w] of hyp.vec[n]) {
      const r = ref.vec[n].get(key) ?? 0;
      val[n] += Math.min(w, r) * r;
    }
    if (hyp.norm[n] !== 0 && ref.norm[n] !== 0) val[n] /= hyp.norm[n] * ref.norm[n];
    val[n] *= Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
  }
  return val;
}

/** Corpus CIDEr-D of tokenised hypotheses against their reference sets. */
export function corpusCiderD(hyps: string[], refs: string[][]): { corpus: number; perSentence: number[] } {
  if (hyps.length !== refs.length) throw new RangeError(`cider: ${hyps.length} hypotheses but ${refs.length} reference sets`);
  if (hyps.length === 0) return { corpus: 0, perSentence: [] };
  const refCounts = refs.map((set) => {
    if (set.length === 0) throw new RangeError('cider: a hypothesis has no reference; give at least one');
    return set.map((r) => ngramCounts(splitWords(r), N));
  });
  const df = new Map<string, number>();
  for (const set of refCounts) {
    const seen = new Set<string>();
    for (const c of set) for (const key of c.keys()) seen.add(key);
    for (const key of seen) df.set(key, (df.get(key) ?? 0) + 1);
  }
  const refLen = Math.log(refs.length);
  const perSentence = hyps.map((hyp, i) => {
    const h = toVector(ngramCounts(splitWords(hyp), N), df, refLen);
    const sum = new Array<number>(N).fill(0);
    for (const rc of refCounts[i]) similarity(h, toVector(rc, df, refLen)).forEach((v, n) => (sum[n] += v));
    const mean = sum.reduce((a, b) => a + b, 0) / N;
    return (mean / refCounts[i].length) * 10;
  });
  return { corpus: perSentence.reduce((a, b) => a + b, 0) / perSentence.length, perSentence };
}
