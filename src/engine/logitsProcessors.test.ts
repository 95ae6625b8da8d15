// Each logits processor on hand-built [B,V] logits with known results.
import bannedPhrasesJson from '../text/data/decoding/bannedPhrases.json' with { type: 'json' };
import { preTokenize } from '../text/tokenizer';
import { describe, expect, it } from 'vitest';
import {
  AtMostOnceProcessor,
  ForcedEosProcessor,
  logSoftmaxRows,
  MinLengthProcessor,
  NoRepeatNGramProcessor,
  processorsFor,
  BannedPhrasesProcessor,
  bannedPhraseIds,
  RepetitionPenaltyProcessor,
  SuppressTokensProcessor,
  VocabLimitProcessor,
} from './logitsProcessors';

const special = { pad: 0, bos: 1, eos: 2, unk: 3, sep: 4 };

describe('logits processors', () => {
  it('repetition penalty divides positive and multiplies negative logits of seen tokens (CTRL)', () => {
    const logits = new Float32Array([2, -2, 4, 1, /* row 2 */ 2, -2, 4, 1]);
    new RepetitionPenaltyProcessor(2).process([[1, 0, 1], [3]], logits);
    expect(Array.from(logits)).toEqual([1, -4, 4, 1, 2, -2, 4, 0.5]);
  });

  it('no-repeat-n-gram bans the token that would repeat a seen n-gram', () => {
    const logits = new Float32Array(6).fill(1);
    // sequence 1 5 3 5 ends with "5": bigrams seen after 5 are (5,3) → ban 3
    new NoRepeatNGramProcessor(2).process([[1, 5, 3, 5]], logits);
    expect(Array.from(logits)).toEqual([1, 1, 1, -Infinity, 1, 1]);
    const tri = new Float32Array(6).fill(1);
    // trigrams: (1,5,3) (5,3,5) ; prefix (3,5) → none seen before as prefix except… (3,5) at 2..3 is the tail itself
    new NoRepeatNGramProcessor(3).process([[1, 5, 3, 5]], tri);
    expect(Array.from(tri)).toEqual([1, 1, 1, 1, 1, 1]);
    const tri2 = new Float32Array(6).fill(1);
    new NoRepeatNGramProcessor(3).process([[5, 3, 4, 5, 3]], tri2); // prefix (5,3) seen followed by 4
    expect(Array.from(tri2)).toEqual([1, 1, 1, 1, -Infinity, 1]);
  });

  it('repetition control looks only within the current section: the impression may restate the findings', () => {
    const SEP = special.sep;
    // findings "5 6 7", then [SEP], impression so far "5 6": the trigram (5,6,7) is allowed again after [SEP]…
    const ngram = new Float32Array(8).fill(1);
    new NoRepeatNGramProcessor(3, SEP).process([[1, 5, 6, 7, SEP, 5, 6]], ngram);
    expect(Array.from(ngram)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // …but not inside the impression itself
    const within = new Float32Array(8).fill(1);
    new NoRepeatNGramProcessor(3, SEP).process([[1, 5, 6, 7, SEP, 5, 6, 7, 5, 6]], within);
    expect(within[7]).toBe(-Infinity);
    // without a section break the whole sequence counts (the old behaviour)
    const whole = new Float32Array(8).fill(1);
    new NoRepeatNGramProcessor(3).process([[1, 5, 6, 7, SEP, 5, 6]], whole);
    expect(whole[7]).toBe(-Infinity);
    const penalty = new Float32Array([0, 0, 0, 0, 0, 2, 2, 2]);
    new RepetitionPenaltyProcessor(2, SEP).process([[1, 5, 6, SEP, 7]], penalty);
    expect(Array.from(penalty)).toEqual([0, 0, 0, 0, 0, 2, 2, 1]);
  });

  it('min length bans EOS until enough report tokens (BOS not counted)', () => {
    const logits = new Float32Array([0, 0, 5, 0, /* */ 0, 0, 5, 0]);
    new MinLengthProcessor(2, 2).process(
      [
        [1, 7],
        [1, 7, 8],
      ],
      logits,
    );
    expect(logits[2]).toBe(-Infinity);
    expect(logits[6]).toBe(5);
  });

  it('forces EOS on the last position max_length allows', () => {
    const logits = new Float32Array([1, 2, 3, 4, /* */ 1, 2, 3, 4]);
    new ForcedEosProcessor(4, 2).process(
      [
        [1, 5, 6],
        [1, 5],
      ],
      logits,
    );
    expect(Array.from(logits.subarray(0, 4))).toEqual([-Infinity, -Infinity, 3, -Infinity]);
    expect(Array.from(logits.subarray(4))).toEqual([1, 2, 3, 4]);
  });

  it('suppresses tokens and allows SEP only once', () => {
    const logits = new Float32Array(10).fill(1);
    new SuppressTokensProcessor([0, 3]).process([[1], [1, 4]], logits);
    new AtMostOnceProcessor(4).process([[1], [1, 4]], logits);
    expect(Array.from(logits)).toEqual([-Infinity, 1, 1, -Infinity, 1, -Infinity, 1, 1, -Infinity, -Infinity]);
  });

  it('never generates ids the tokenizer has no word for', () => {
    const logits = new Float32Array([1, 2, 3, 4, 5, 6]);
    new VocabLimitProcessor(2).process([[1], [1]], logits);
    expect(Array.from(logits)).toEqual([1, 2, -Infinity, 4, 5, -Infinity]);
  });

  it('bans a phrase’s last word only where the words before it were just written', () => {
    // V = 6; phrases [2] alone, [4, 5] ("there s"), [1, 4, 3].
    const banned = new BannedPhrasesProcessor([[2], [4, 5], [1, 4, 3]]);
    const logits = new Float32Array(18).fill(1);
    banned.process(
      [
        [1, 4],
        [1, 5, 4],
        [1, 3],
      ],
      logits,
    );
    expect(Array.from(logits.subarray(0, 6))).toEqual([1, 1, -Infinity, -Infinity, 1, -Infinity]); // after 1 4: 2, 3 and 5
    expect(Array.from(logits.subarray(6, 12))).toEqual([1, 1, -Infinity, 1, 1, -Infinity]); // 4 last: 5; 1 4 not last
    expect(Array.from(logits.subarray(12, 18))).toEqual([1, 1, -Infinity, 1, 1, 1]);
  });

  it('reads the project’s banned phrases in a model’s ids, leaving out a phrase with a word the model lacks', () => {
    const vocab = new Map([
      ['.', 7],
      ['end', 8],
      ['there', 9],
    ]);
    const tokenizer = { tokenize: preTokenize, idOf: (w: string) => vocab.get(w) };
    expect(bannedPhraseIds(tokenizer, ['. end', 'there s'])).toEqual([[7, 8]]);
    expect(bannedPhraseIds(tokenizer, ['.end'])).toEqual([[7, 8]]); // split as the tokenizer splits text
    expect(bannedPhraseIds(tokenizer, bannedPhrasesJson.phrases).length).toBeGreaterThan(0); // the data file's own list
  });

  it('processorsFor applies the settings in order', () => {
    const settings = { beam: 3, alpha: 1, beta: 0, repetition_penalty: 2, no_repeat_ngram: 0, min_length: 3, max_length: 10 };
    const logits = new Float32Array([9, 9, 9, 9, 9, 6]);
    processorsFor(settings, special).process([[1, 5]], logits);
    expect(Array.from(logits)).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, 9, 3]);
  });

  it('log-softmax rows sum to one in probability and keep -Infinity', () => {
    const logits = new Float32Array([1, 2, 3, -Infinity, /* */ 0, 0, 0, 0]);
    logSoftmaxRows(logits, 2);
    const p = Array.from(logits).map(Math.exp);
    expect(p[0] + p[1] + p[2] + p[3]).toBeCloseTo(1, 6);
    expect(logits[3]).toBe(-Infinity);
    expect(logits[4]).toBeCloseTo(Math.log(0.25), 6);
  });
});
