// n-gram counting shared by BLEU and CIDEr (pycocoevalcap's precook): counts of every 1..n-gram of a
// whitespace-split sentence, keyed by the n-gram's words joined with single spaces.

/** Whitespace split as Python's str.split() does it (no empty tokens). */
export function splitWords(sentence: string): string[] {
  return sentence.split(/\s+/).filter((w) => w.length > 0);
}

/** Counts of all k-grams, k = 1..n, of `words`. Key: words joined by ' '; order of a key = its word count. */
export function ngramCounts(words: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 1; k <= n; k++) {
    for (let i = 0; i + k <= words.length; i++) {
      const key = words.slice(i, i + k).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Order (number of words) of an n-gram key. */
export function ngramOrder(key: string): number {
  let order = 1;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) === 32) order++;
  return order;
}
