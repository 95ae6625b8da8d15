// Corpus BLEU-1..4 exactly as pycocoevalcap's Bleu(4) computes it (bleu_scorer.py, option "closest"):
// clipped n-gram counts summed over the corpus, the reference length per sentence being the reference length
// closest to the hypothesis length (ties → the shorter), one brevity penalty on the summed lengths, and the
// same epsilons (tiny = 1e-15 in numerators, small = 1e-9 in denominators). Inputs are tokenised strings.
import { ngramCounts, ngramOrder, splitWords } from './ngrams';

const TINY = 1e-15;
const SMALL = 1e-9;

export interface BleuResult {
  corpus: number[]; // [BLEU-1, …, BLEU-n]
  perSentence: number[][]; // [n][sentence], pycocoevalcap's per-image list
}

interface SentenceStats {
  testLen: number;
  refLen: number;
  guess: number[];
  correct: number[];
}

function sentenceStats(hyp: string, refs: string[], n: number): SentenceStats {
  const maxRefCounts = new Map<string, number>();
  const refLens: number[] = [];
  for (const ref of refs) {
    const words = splitWords(ref);
    refLens.push(words.length);
    for (const [key, c] of ngramCounts(words, n)) maxRefCounts.set(key, Math.max(maxRefCounts.get(key) ?? 0, c));
  }
  const words = splitWords(hyp);
  const testLen = words.length;
  let refLen = refLens[0];
  for (const l of refLens) {
    const d = Math.abs(l - testLen);
    const best = Math.abs(refLen - testLen);
    if (d < best || (d === best && l < refLen)) refLen = l;
  }
  const guess = Array.from({ length: n }, (_, k) => Math.max(0, testLen - k));
  const correct = new Array<number>(n).fill(0);
  for (const [key, c] of ngramCounts(words, n)) correct[ngramOrder(key) - 1] += Math.min(maxRefCounts.get(key) ?? 0, c);
  return { testLen, refLen, guess, correct };
}

function cumulativeBleu(correct: number[], guess: number[], testLen: number, refLen: number): number[] {
  const out: number[] = [];
  let product = 1;
  for (let k = 0; k < correct.length; k++) {
    product *= (correct[k] + TINY) / (guess[k] + SMALL);
    out.push(product ** (1 / (k + 1)));
  }
  const ratio = (testLen + TINY) / (refLen + SMALL);
  if (ratio < 1) for (let k = 0; k < out.length; k++) out[k] *= Math.exp(1 - 1 / ratio);
  return out;
}

/** BLEU-1..n over a corpus: hyps[i] is scored against refs[i] (at least one reference each). */
export function corpusBleu(hyps: string[], refs: string[][], n = 4): BleuResult {
  if (hyps.length !== refs.length)
    throw new RangeError(`corpusBleu: ${hyps.length} hypotheses but ${refs.length} reference sets; pass one reference set per hypothesis`);
  const totalGuess = new Array<number>(n).fill(0);
  const totalCorrect = new Array<number>(n).fill(0);
  let testLen = 0;
  let refLen = 0;
  const perSentence: number[][] = Array.from({ length: n }, () => []);
  hyps.forEach((hyp, i) => {
    if (refs[i].length === 0) throw new RangeError(`corpusBleu: hypothesis ${i} has no reference; give at least one`);
    const s = sentenceStats(hyp, refs[i], n);
    testLen += s.testLen;
    refLen += s.refLen;
    for (let k = 0; k < n; k++) {
      totalGuess[k] += s.guess[k];
      totalCorrect[k] += s.correct[k];
    }
    cumulativeBleu(s.correct, s.guess, s.testLen, s.refLen).forEach((b, k) => perSentence[k].push(b));
  });
  return { corpus: cumulativeBleu(totalCorrect, totalGuess, testLen, refLen), perSentence };
}
