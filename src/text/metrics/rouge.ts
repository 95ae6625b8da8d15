// ROUGE-L as pycocoevalcap's Rouge computes it (rouge.py): for each hypothesis, LCS against every reference,
// precision = LCS/|hyp| and recall = LCS/|ref|, the maxima taken separately over references, then
// F = (1+β²)·P·R / (R + β²·P) with β = 1.2; the corpus score is the mean over hypotheses.
// Tokens come from str.split(" ") as in Python, so an empty string counts as one empty token.

const BETA = 1.2;

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    prev = cur;
  }
  return prev[b.length];
}

/** ROUGE-L F of one tokenised hypothesis against its references. */
export function rougeLSentence(hyp: string, refs: string[]): number {
  if (refs.length === 0) throw new RangeError('rougeL: a hypothesis has no reference; give at least one');
  const candidate = hyp.split(' ');
  let precMax = 0;
  let recMax = 0;
  for (const ref of refs) {
    const reference = ref.split(' ');
    const lcs = lcsLength(reference, candidate);
    precMax = Math.max(precMax, lcs / candidate.length);
    recMax = Math.max(recMax, lcs / reference.length);
  }
  if (precMax === 0 || recMax === 0) return 0;
  return ((1 + BETA ** 2) * precMax * recMax) / (recMax + BETA ** 2 * precMax);
}

/** Corpus ROUGE-L: mean of the per-hypothesis scores, and the scores themselves. */
export function corpusRougeL(hyps: string[], refs: string[][]): { corpus: number; perSentence: number[] } {
  if (hyps.length !== refs.length) throw new RangeError(`rougeL: ${hyps.length} hypotheses but ${refs.length} reference sets`);
  const perSentence = hyps.map((h, i) => rougeLSentence(h, refs[i]));
  const corpus = perSentence.length ? perSentence.reduce((a, b) => a + b, 0) / perSentence.length : 0;
  return { corpus, perSentence };
}
