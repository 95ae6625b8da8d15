// Beam search on hand-built distributions where the right answer is known, against an exhaustive search,
// and against an independent reference that recomputes every history (no cache, no beam_idx).
import { describe, expect, it } from 'vitest';
import { beamSearch, topK, type Hypothesis } from './beamSearch';
import { GenerationCancelledError } from './errors';
import { LogitsProcessorList, type LogitsProcessor } from './logitsProcessors';
import { lengthNormalised } from './stoppingCriteria';
import { FakeDecoder, type NextTokenProbs } from './testing/fakeDecoder';

const BOS = 1;
const EOS = 2;
const none = new LogitsProcessorList([]);

/** Vocab: 0 pad, 1 bos, 2 eos, 3 a, 4 b, 5 c, 6 d. */
const tree: NextTokenProbs = (h) => {
  const p = (eos: number, a: number, b: number, c: number, d: number) => [0, 0, eos, a, b, c, d];
  const key = h.join(',');
  if (key === '') return p(0.1, 0.5, 0.4, 0, 0);
  if (key === '3') return p(0.4, 0, 0, 0.3, 0.3);
  if (key === '4') return p(0.95, 0, 0, 0.05, 0);
  return p(1, 0, 0, 0, 0);
};

function run(probs: NextTokenProbs, numBeams: number, extra: Partial<Parameters<typeof beamSearch>[1]> = {}, V = 7) {
  const decoder = new FakeDecoder(V, probs);
  const result = beamSearch(decoder, { numBeams, alpha: 0, maxLength: 10, bosId: BOS, eosId: EOS, processor: none, ...extra });
  return { decoder, result };
}

describe('topK', () => {
  it('returns the largest finite values best first, ties to the lower index', () => {
    const picks = topK(new Float32Array([1, 5, -Infinity, 5, 3, NaN, 4]), 3);
    expect(picks).toEqual([
      { value: 5, index: 1 },
      { value: 5, index: 3 },
      { value: 4, index: 6 },
    ]);
  });
});

describe('beamSearch', () => {
  it('greedy (1 beam) follows the argmax path and stops at the first EOS', async () => {
    const { result, decoder } = run(tree, 1);
    const hyps = await result;
    expect(hyps).toHaveLength(1);
    expect(hyps[0].tokenIds).toEqual([3, EOS]);
    expect(hyps[0].logp).toBeCloseTo(Math.log(0.5 * 0.4), 5);
    expect(decoder.firstCalls).toBe(1);
    expect(decoder.nextCalls).toBe(1);
  });

  it('two beams find the more probable sequence that greedy misses', async () => {
    const hyps = await run(tree, 2).result;
    expect(hyps[0].tokenIds).toEqual([4, EOS]);
    expect(hyps[0].logp).toBeCloseTo(Math.log(0.4 * 0.95), 5);
    expect(hyps.map((h) => h.tokenIds)).toContainEqual([3, EOS]);
    for (const h of hyps) expect(h.score).toBeCloseTo(h.logp, 6); // alpha = 0
  });

  it('length penalty alpha divides logp by |c|^alpha, EOS counted', async () => {
    const hyps = await run(tree, 2, { alpha: 2 }).result;
    for (const h of hyps) expect(h.score).toBeCloseTo(h.logp / h.tokenIds.length ** 2, 6);
    const sorted = [...hyps].sort((x, y) => y.score - x.score);
    expect(hyps).toEqual(sorted);
  });

  it('keeps the text embedding of every fed report token, in order, and never of BOS or EOS', async () => {
    const hyps = await run(tree, 3).result;
    for (const h of hyps) {
      const fed = h.tokenIds.filter((t) => t !== EOS);
      expect(h.textEmbeds.map((e) => e[0])).toEqual(fed);
    }
  });

  it('is exact when the beam is wide enough (exhaustive check, alpha = 0)', async () => {
    // Vocab 0 pad, 1 bos, 2 eos, 3 x, 4 y: probabilities from a fixed hash of the history.
    const probs: NextTokenProbs = (h) => {
      let s = 7;
      for (const t of h) s = (s * 31 + t * 17) % 97;
      const raw = [0, 0, 1 + (s % 5), 1 + ((s * 3) % 7), 1 + ((s * 5) % 11)];
      const z = raw.reduce((a, b) => a + b, 0);
      return raw.map((r) => r / z);
    };
    const maxLength = 5; // BOS + up to 3 tokens + EOS
    let best = { logp: -Infinity, ids: [] as number[] };
    const walk = (h: number[], logp: number): void => {
      const p = probs(h);
      const withEos = logp + Math.log(p[EOS]);
      if (withEos > best.logp) best = { logp: withEos, ids: [...h, EOS] };
      if (h.length + 2 >= maxLength) return;
      for (const t of [3, 4]) walk([...h, t], logp + Math.log(p[t]));
    };
    walk([], 0);
    const forceEos: LogitsProcessor = {
      process(ids, logits) {
        const V = logits.length / ids.length;
        ids.forEach((seq, b) => {
          if (seq.length >= maxLength - 1) for (let v = 0; v < V; v++) if (v !== EOS) logits[b * V + v] = -Infinity;
        });
      },
    };
    const hyps = await run(probs, 8, { maxLength, processor: forceEos }, 5).result;
    expect(hyps[0].tokenIds).toEqual(best.ids);
    expect(hyps[0].logp).toBeCloseTo(best.logp, 5);
  });

  it('matches a reference beam search that recomputes every history', async () => {
    const V = 8;
    const probs: NextTokenProbs = (h) => {
      let s = 11;
      for (const t of h) s = (s * 131 + t * 7 + 3) % 1009;
      const raw = Array.from({ length: V }, (_, v) => (v < 2 ? 0 : 1 + ((s * (v + 3)) % 13) + (v === EOS ? h.length : 0)));
      const z = raw.reduce((a, b) => a + b, 0);
      return raw.map((r) => r / z);
    };
    for (const k of [1, 2, 3, 5]) {
      for (const alpha of [0, 1, 2]) {
        const got = await run(probs, k, { alpha, maxLength: 9 }, V).result;
        const want = referenceBeamSearch(probs, V, k, alpha, 9);
        expect(got.map((h) => [h.tokenIds.join(' '), h.logp.toFixed(5)])).toEqual(want.map((h) => [h.tokenIds.join(' '), h.logp.toFixed(5)]));
      }
    }
  });

  it('streams the best partial beam after every step', async () => {
    const partials: number[][] = [];
    await run(tree, 2, { onStep: (ids) => partials.push(ids) }).result;
    expect(partials[0]).toEqual([3]);
    expect(partials[partials.length - 1]).toEqual([4, EOS]);
  });

  it('stops with GenerationCancelledError when the signal aborts', async () => {
    const controller = new AbortController();
    const { result } = run(() => [0, 0, 0.01, 0.33, 0.33, 0.33, 0], 2, { signal: controller.signal, onStep: () => controller.abort() });
    await expect(result).rejects.toBeInstanceOf(GenerationCancelledError);
  });

  it('finishes beams that reach the length limit without EOS', async () => {
    const hyps = await run(() => [0, 0, 0, 1, 0, 0, 0], 1, { maxLength: 4 }).result;
    expect(hyps[0].tokenIds).toEqual([3, 3, 3]);
    expect(hyps[0].textEmbeds).toHaveLength(2); // the last token was never fed
  });
});

/** Independent reference (HF BeamSearchScorer semantics), written over whole histories. */
function referenceBeamSearch(probs: NextTokenProbs, V: number, k: number, alpha: number, maxLength: number): Hypothesis[] {
  let beams = [{ h: [] as number[], logp: 0 }];
  const done: Hypothesis[] = [];
  const push = (h: number[], logp: number): void => {
    done.push({ tokenIds: h, logp, score: lengthNormalised(logp, h.length, alpha), textEmbeds: [], group: 0 });
    done.sort((a, b) => b.score - a.score);
    if (done.length > k) done.pop();
  };
  for (;;) {
    const cands: { logp: number; b: number; t: number }[] = [];
    beams.forEach((beam, b) => probs(beam.h).forEach((p, t) => p > 0 && cands.push({ logp: beam.logp + Math.log(p), b, t })));
    cands.sort((x, y) => y.logp - x.logp || x.b * V + x.t - (y.b * V + y.t));
    const top = cands.slice(0, 2 * k);
    const next: typeof beams = [];
    top.forEach((c, rank) => {
      const h = [...beams[c.b].h, c.t];
      if (c.t === EOS) {
        if (rank < k && (done.length < k || lengthNormalised(c.logp, h.length, alpha) > done[done.length - 1].score)) push(h, c.logp);
      } else if (next.length < k) next.push({ h, logp: c.logp });
    });
    const curLen = beams[0].h.length + 1;
    const isDone = done.length >= k && done[done.length - 1].score >= lengthNormalised(top[0].logp, curLen, alpha);
    if (isDone || next.length === 0 || curLen >= maxLength - 1) {
      for (const n of next) if (done.length < k || lengthNormalised(n.logp, n.h.length, alpha) > done[done.length - 1].score) push(n.h, n.logp);
      return done;
    }
    beams = next;
  }
}

describe('diverse beam search (groups)', () => {
  /** Vocab: 0 pad, 1 bos, 2 eos, 3..6 words. A hesitant first step, then a few paths to EOS. */
  const hesitant: NextTokenProbs = (h) => {
    const key = h.join(',');
    if (key === '') return [0, 0, 0, 0.4, 0.35, 0.25, 0];
    if (h.length >= 3) return [0, 0, 1, 0, 0, 0, 0];
    return [0, 0, 0.3, 0.1, 0.1, 0.2, 0.3];
  };
  const logpOf = (ids: number[]): number => ids.reduce((s, t, i) => s + Math.log(hesitant(ids.slice(0, i))[t]), 0);

  it('without a penalty every group finds what a plain beam search of its width finds', async () => {
    const plain = await run(hesitant, 2).result;
    const grouped = await run(hesitant, 6, { groups: 3, diversityPenalty: 0 }).result;
    for (const g of [0, 1, 2]) {
      expect(grouped.filter((h) => h.group === g).map((h) => h.tokenIds)).toEqual(plain.map((h) => h.tokenIds));
    }
  });

  it('with a penalty the groups start differently, and every candidate keeps its true log-probability', async () => {
    const { result, decoder } = run(hesitant, 3, { groups: 3, diversityPenalty: 10 });
    const hyps = await result;
    const firstTokens = [0, 1, 2].map((g) => hyps.find((h) => h.group === g)!.tokenIds[0]);
    expect(new Set(firstTokens).size).toBe(3);
    expect(firstTokens[0]).toBe(3); // group 0 is the unpenalised search
    for (const h of hyps) expect(h.logp).toBeCloseTo(logpOf(h.tokenIds), 5);
    expect(decoder.firstCalls).toBe(1); // all groups advance in the same decoder calls
  });

  it('refuses groups that do not divide the beams', async () => {
    await expect(run(hesitant, 4, { groups: 3 }).result).rejects.toThrow(RangeError);
  });
});
