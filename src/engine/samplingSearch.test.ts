// Sampled alternatives on hand-built distributions: draws follow the distribution, the greedy row is greedy, every
// row keeps its own cache row as rows finish and leave the batch, rows with the same tokens share a decoder row, and
// a seed makes the draws reproducible.
import { describe, expect, it } from 'vitest';
import { beamSearch } from './beamSearch';
import { LogitsProcessorList } from './logitsProcessors';
import { drawToken, pixelDigest, samplingSearch } from './samplingSearch';
import { mulberry32 } from '../text/composeRng';

const seededUniform = (seed: number) => mulberry32(seed).next;
import { FakeDecoder, type NextTokenProbs } from './testing/fakeDecoder';

const BOS = 1;
const EOS = 2;
const none = new LogitsProcessorList([]);

/** Vocab: 0 pad, 1 bos, 2 eos, 3 A, 4 B, 5 C, 6 D. A → then only C's; B → then only D's; each row ends after 1–4 more. */
const branching: NextTokenProbs = (h) => {
  const p = (eos: number, a: number, b: number, c: number, d: number) => [0, 0, eos, a, b, c, d];
  if (h.length === 0) return p(0, 0.6, 0.4, 0, 0);
  if (h.length >= 5) return p(1, 0, 0, 0, 0);
  return h[0] === 3 ? p(0.3, 0, 0, 0.7, 0) : p(0.5, 0, 0, 0, 0.5);
};

/** log P(tokens) under `probs`, −Infinity when a token was impossible given its true history. */
function trueLogp(probs: NextTokenProbs, tokens: readonly number[]): number {
  return tokens.reduce((sum, t, i) => sum + Math.log(probs(tokens.slice(0, i))[t]), 0);
}

const options = { temperature: 1, alpha: 0, maxLength: 10, bosId: BOS, eosId: EOS, processor: none };

describe('drawToken', () => {
  it('draws in proportion to the probabilities, never an impossible token', () => {
    const logp = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2), -Infinity]);
    const uniform = seededUniform(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[drawToken(logp, 1, uniform)]++;
    expect(counts[3]).toBe(0);
    for (const [i, p] of [0.5, 0.3, 0.2].entries()) expect(Math.abs(counts[i] / 20000 - p)).toBeLessThan(0.015);
  });

  it('a low temperature concentrates the draws on the most probable token', () => {
    const logp = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    const uniform = seededUniform(3);
    let top = 0;
    for (let i = 0; i < 2000; i++) top += drawToken(logp, 0.05, uniform) === 0 ? 1 : 0;
    expect(top).toBeGreaterThan(1990);
  });
});

describe('pixelDigest', () => {
  it('gives each image its own seed and the same image the same one', () => {
    const a = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i + 1));
    expect(pixelDigest(a)).toBe(pixelDigest(a.slice()));
    expect(pixelDigest(a)).not.toBe(pixelDigest(b));
    expect(pixelDigest(a.subarray(61))).not.toBe(pixelDigest(a)); // reads the view it is given, not its buffer from 0
  });
});

describe('samplingSearch', () => {
  it('row 0 is the greedy path; every sample is possible under its own history and keeps its true logp', async () => {
    const decoder = new FakeDecoder(7, branching);
    const hyps = await samplingSearch(decoder, { ...options, samples: 6, greedy: true, seed: 1 });
    const [greedy] = await beamSearch(new FakeDecoder(7, branching), { ...options, numBeams: 1, processor: none });
    expect(hyps[0].group).toBe(0);
    expect(hyps[0].tokenIds).toEqual(greedy.tokenIds);
    expect(hyps.map((h) => h.group)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const h of hyps) {
      expect(h.tokenIds[h.tokenIds.length - 1]).toBe(EOS);
      expect(h.logp).toBeCloseTo(trueLogp(branching, h.tokenIds), 5);
      expect(h.textEmbeds.map((e) => e[0])).toEqual(h.tokenIds.slice(0, -1)); // the fed tokens, in order
    }
    expect(new Set(hyps.map((h) => h.tokenIds[0]))).toEqual(new Set([3, 4])); // both first words were drawn
    expect(decoder.firstCalls).toBe(1);
  });

  it('the same seed gives the same candidates; another seed other ones', async () => {
    const run = (seed: number) => samplingSearch(new FakeDecoder(7, branching), { ...options, samples: 5, greedy: false, seed });
    const a = (await run(9)).map((h) => h.tokenIds.join(','));
    expect((await run(9)).map((h) => h.tokenIds.join(','))).toEqual(a);
    const others = await Promise.all([10, 11, 12].map(run));
    expect(others.some((o) => o.map((h) => h.tokenIds.join(',')).join('|') !== a.join('|'))).toBe(true);
  });

  it('rows with the same tokens so far share one decoder row, and each still gets its own history', async () => {
    // After the first word every row of one branch is deterministic until it ends: A → C C …, B → D D …
    const decoder = new FakeDecoder(7, branching);
    const hyps = await samplingSearch(decoder, { ...options, samples: 8, greedy: true, seed: 4 });
    expect(hyps).toHaveLength(9);
    // The first call's rows are at most the two distinct first words (A, B), however many rows drew them.
    expect(decoder.rowsPerNext[0]).toBeLessThanOrEqual(2);
    for (const [i, n] of decoder.rowsPerNext.entries()) expect(n, `call ${i}`).toBeLessThan(9);
    for (const h of hyps) {
      expect(h.logp).toBeCloseTo(trueLogp(branching, h.tokenIds), 5);
      expect(h.textEmbeds.map((e) => e[0])).toEqual(h.tokenIds.slice(0, -1));
    }
  });

  it('refuses a temperature of 0 and a negative number of samples', async () => {
    await expect(samplingSearch(new FakeDecoder(7, branching), { ...options, samples: 2, greedy: true, seed: 0, temperature: 0 })).rejects.toThrow(RangeError);
    await expect(samplingSearch(new FakeDecoder(7, branching), { ...options, samples: -1, greedy: true, seed: 0 })).rejects.toThrow(RangeError);
  });
});
