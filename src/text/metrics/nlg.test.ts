// Hand-computed cases for the NLG metrics; each expected number is reasoned out in the comment above it.
import { describe, expect, it } from 'vitest';
import { corpusBleu } from './bleu';
import { corpusCiderD } from './cider';
import { corpusRougeL, lcsLength } from './rouge';
import { ptbTokenize } from './ptbTokenize';
import { scoreNlg } from './index';

describe('ptbTokenize', () => {
  it('lower-cases, drops punctuation and brackets, keeps hyphenated words and decimals, splits clitics and %', () => {
    expect(ptbTokenize('The heart is normal. No effusion, pneumothorax.')).toBe('the heart is normal no effusion pneumothorax');
    expect(ptbTokenize("Patient's lungs don't show (mild) 5% x-ray e.g. 3.5 cm")).toBe("patient 's lungs do n't show mild 5 % x-ray e.g. 3.5 cm");
    expect(ptbTokenize('A "quoted" -- thing ... end;  1,000 a,b')).toBe('a quoted thing end 1,000 a b');
    expect(ptbTokenize('  ...  ')).toBe('');
  });
});

describe('corpusBleu (pycocoevalcap Bleu, option closest)', () => {
  it('scores one sentence with clipped n-gram precisions', () => {
    // hyp "the cat sat on the mat" vs ref "the cat is on the mat" (both 6 words, so BP ≈ 1):
    // p1 = 5/6 (the×2, cat, on, mat), p2 = 3/5 (the cat, on the, the mat), p3 = 1/4 (on the mat), p4 = 0/3.
    // BLEU-1 = 5/6; BLEU-2 = sqrt(5/6·3/5) = sqrt(0.5); BLEU-3 = (5/6·3/5·1/4)^(1/3) = 0.125^(1/3) = 0.5;
    // BLEU-4 = (0.125 · 1e-15/3)^(1/4) ≈ 8.03e-5 (the 1e-15 "tiny" keeps it above zero, as in pycocoevalcap).
    const { corpus } = corpusBleu(['the cat sat on the mat'], [['the cat is on the mat']]);
    expect(corpus[0]).toBeCloseTo(5 / 6, 8);
    expect(corpus[1]).toBeCloseTo(Math.sqrt(0.5), 8);
    expect(corpus[2]).toBeCloseTo(0.5, 8);
    expect(corpus[3]).toBeCloseTo(8.0343e-5, 8);
  });

  it('uses the closest reference length for the brevity penalty and the epsilons for empty orders', () => {
    // hyp "the cat" (2 words), refs of 6 and 3 words: closest = 3. BP = exp(1 − 3/2) = exp(−0.5) = 0.606531.
    // p1 = 2/2, p2 = 1/1, p3 = tiny/small = 1e-6 (no trigrams), p4 = 1e-6.
    // BLEU-1 = BLEU-2 = 0.606531; BLEU-3 = (1e-6)^(1/3)·BP = 0.01·0.606531; BLEU-4 = (1e-12)^(1/4)·BP = 1e-3·0.606531.
    const { corpus } = corpusBleu(['the cat'], [['the cat sat on the mat', 'the cat sat']]);
    expect(corpus[0]).toBeCloseTo(0.606531, 6);
    expect(corpus[1]).toBeCloseTo(0.606531, 6);
    expect(corpus[2]).toBeCloseTo(0.00606531, 8);
    expect(corpus[3]).toBeCloseTo(0.000606531, 9);
  });

  it('breaks a closest-length tie towards the shorter reference', () => {
    // hyp of 4 words, refs of 3 and 5 words: both 1 away, pycocoevalcap's min((|l−4|, l)) picks 3 → no penalty.
    // Every hyp unigram occurs in some reference (d only in the second), so BLEU-1 = 4/4 = 1 (with 5: BP = e^(1−5/4)).
    const { corpus } = corpusBleu(['a b c d'], [['a b c', 'a b c d e']]);
    expect(corpus[0]).toBeCloseTo(1, 8);
  });

  it('pools counts over the corpus instead of averaging sentences', () => {
    // Sentence 1 "a b"/"a b" is perfect; sentence 2 "c d"/"x y" shares nothing. Pooled p1 = 2/4, p2 = 1/2,
    // so corpus BLEU-1 = 0.5 and BLEU-2 = sqrt(0.25) = 0.5; lengths 4 vs 4 → no penalty.
    const { corpus, perSentence } = corpusBleu(['a b', 'c d'], [['a b'], ['x y']]);
    expect(corpus[0]).toBeCloseTo(0.5, 8);
    expect(corpus[1]).toBeCloseTo(0.5, 8);
    expect(perSentence[0][0]).toBeCloseTo(1, 8);
    expect(perSentence[0][1]).toBeCloseTo(0, 6);
  });

  it('rejects a hypothesis without references', () => {
    expect(() => corpusBleu(['a'], [[]])).toThrow(RangeError);
  });
});

describe('ROUGE-L (pycocoevalcap, beta 1.2)', () => {
  it('computes the LCS', () => {
    expect(lcsLength('a x c y b'.split(' '), 'a b c d'.split(' '))).toBe(2);
  });

  it('scores F with beta 1.2', () => {
    // "the cat sat on the mat" vs "the cat is on the mat": LCS 5, P = R = 5/6, so F = P = 0.833333.
    expect(corpusRougeL(['the cat sat on the mat'], [['the cat is on the mat']]).corpus).toBeCloseTo(5 / 6, 8);
    // "a b c d" vs "a x c y b": LCS 2, P = 2/4, R = 2/5; F = 2.44·0.5·0.4 / (0.4 + 1.44·0.5) = 0.488/1.12 = 0.435714.
    expect(corpusRougeL(['a b c d'], [['a x c y b']]).corpus).toBeCloseTo(0.435714, 6);
  });

  it('takes the maximum precision and recall separately over references (pycocoevalcap quirk)', () => {
    // refs "a b" (P 2/4, R 1) and "a b c d e f g h" (P 1, R 4/8): max P = 1, max R = 1 → F = 1.
    expect(corpusRougeL(['a b c d'], [['a b', 'a b c d e f g h']]).corpus).toBeCloseTo(1, 8);
  });

  it('averages over hypotheses', () => {
    // 5/6 and 0 → 5/12.
    expect(corpusRougeL(['the cat sat on the mat', 'q'], [['the cat is on the mat'], ['z']]).corpus).toBeCloseTo(5 / 12, 8);
  });
});

describe('CIDEr-D (pycocoevalcap Cider)', () => {
  it('gives 5 to identical two-word captions (orders 3 and 4 are empty)', () => {
    // Two images, L = log 2, every n-gram has df 1 → weight tf·L. Per image: order-1 cos = 1, order-2 cos = 1,
    // orders 3/4 have no n-grams (0); equal lengths → no penalty. Mean (1+1+0+0)/4 = 0.5, ×10 = 5.
    expect(corpusCiderD(['a b', 'c d'], [['a b'], ['c d']]).corpus).toBeCloseTo(5, 8);
  });

  it('weights by idf over the evaluated references and applies the length penalty', () => {
    // Image 1: hyp "a b", ref "a b c"; image 2: hyp "x", ref "a d". L = log 2; df(a) = 2 → idf 0; others idf L.
    // Image 1: order 1: hyp (a 0, b L) · ref (a 0, b L, c L) = L² over |L|·|L√2| → 1/√2; order 2: "a b" against
    // {"a b","b c"} → 1/√2; order 3: hyp empty → 0. Lengths (bigram counts) 1 vs 2 → penalty exp(−1/72).
    // Score = (2/√2)/4 · e^(−1/72) · 10 = 3.486769. Image 2: "x" not in ref → 0. CIDEr = 1.743384.
    const { corpus, perSentence } = corpusCiderD(['a b', 'x'], [['a b c'], ['a d']]);
    expect(perSentence[0]).toBeCloseTo(3.486769, 5);
    expect(perSentence[1]).toBe(0);
    expect(corpus).toBeCloseTo(1.743384, 5);
  });

  it('clips repeated hypothesis n-grams at the reference weight', () => {
    // Image 1: hyp "b b", ref "b c": order 1: min(2L, L)·L / (2L · L√2) = 1/(2√2) = 0.353553; "b b" absent → 0;
    // equal lengths. (0.353553/4)·10 = 0.883883. Image 2 identical two words → 5. Mean 2.941942.
    expect(corpusCiderD(['b b', 'd e'], [['b c'], ['d e']]).corpus).toBeCloseTo(2.941942, 5);
  });

  it('is 0 on a single image (idf = log 1 − log 1 = 0 everywhere)', () => {
    expect(corpusCiderD(['a b'], [['a b']]).corpus).toBe(0);
  });
});

describe('scoreNlg', () => {
  it('tokenises before scoring, so case and punctuation do not matter', () => {
    const a = scoreNlg(['The cat sat on the mat.', 'A b.'], [['the cat is on the mat'], ['a b']]);
    const b = scoreNlg(['the cat sat on the mat', 'a b'], [['The cat is, on the mat.'], ['A, B']]);
    expect(a).toEqual(b);
    expect(Object.keys(a).sort()).toEqual(['bleu1', 'bleu2', 'bleu3', 'bleu4', 'cider', 'meteor', 'rouge_l']);
  });

  it('rejects mismatched inputs with a typed error', () => {
    expect(() => scoreNlg(['a'], [])).toThrow(RangeError);
    expect(() => scoreNlg([], [])).toThrow(RangeError);
  });
});
