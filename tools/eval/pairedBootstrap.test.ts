import { describe, expect, it } from 'vitest';
import type { FindingKey } from '../../src/text/findings';
import { caseCounts, scoreClinical, type ClinicalCase } from '../../src/text/metrics/clinical';
import { BootstrapInputError, compareSystems, pairedBootstrap } from './pairedBootstrap';

const FINDINGS: FindingKey[] = ['consolidation', 'pleural_effusion', 'nodule', 'cardiomegaly', 'pneumothorax'];

/** Deterministic pseudo-random cases: each finding true / asserted with a fixed pattern. */
function cases(n: number, salt: number): ClinicalCase[] {
  return Array.from({ length: n }, (_, i) => {
    const truth = FINDINGS.filter((_, k) => (i * 7 + k * 3) % 5 === 0);
    const predicted = FINDINGS.filter((_, k) => (i * 7 + k * 3 + salt * (i % 3)) % 5 === 0);
    return { truth: truth.length ? truth : ['no_finding'], predicted };
  });
}

const sources = (n: number) => Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 'jsrt' : 'kermany'));

describe('pairedBootstrap', () => {
  it('scores each system as scoreClinical does: micro-F1 from summed counts, and the two rates', () => {
    const a = cases(60, 1);
    const b = cases(60, 2);
    const cmp = pairedBootstrap({ a: 'a', b: 'b' }, a.map(caseCounts), b.map(caseCounts), sources(60), { resamples: 50 });
    const [sa, sb] = [scoreClinical(a), scoreClinical(b)];
    expect(cmp.micro_f1.a).toBeCloseTo(sa.micro_f1, 12);
    expect(cmp.micro_f1.b).toBeCloseTo(sb.micro_f1, 12);
    expect(cmp.hallucination_rate.a).toBeCloseTo(sa.hallucination_rate, 12);
    expect(cmp.omission_rate.b).toBeCloseTo(sb.omission_rate, 12);
    expect(cmp.micro_f1.diff.estimate).toBeCloseTo(sa.micro_f1 - sb.micro_f1, 12);
  });

  it('gives a zero-width interval at zero for a system compared with itself', () => {
    const c = cases(40, 1).map(caseCounts);
    const cmp = pairedBootstrap({ a: 'x', b: 'x' }, c, c, sources(40), { resamples: 200 });
    expect(cmp.micro_f1.diff).toEqual({ estimate: 0, lo: 0, hi: 0 });
    expect(cmp.micro_f1.share_a_not_below).toBe(1);
    expect(cmp.hallucination_rate.ratio.lo).toBe(1);
    expect(cmp.hallucination_rate.ratio.hi).toBe(1);
  });

  it('puts a difference that every image shows outside zero, and one a few images show across it', () => {
    const n = 300;
    const truth: FindingKey[][] = Array.from({ length: n }, (_, i) => (i % 2 ? ['consolidation'] : ['no_finding']));
    const right = truth.map((t) => caseCounts({ truth: t, predicted: t[0] === 'no_finding' ? [] : t }));
    const wrongOnAbnormal = truth.map((t) => caseCounts({ truth: t, predicted: [] }));
    const clear = pairedBootstrap({ a: 'right', b: 'omits' }, right, wrongOnAbnormal, sources(n), { resamples: 500 });
    expect(clear.micro_f1.diff.lo).toBeGreaterThan(0.5);
    expect(clear.micro_f1.share_a_not_below).toBe(1);
    expect(clear.omission_rate.diff.hi).toBeLessThan(0);

    // a differs from b on 5 images only: better on 3, worse on 2
    const b = right;
    const a = [...right];
    a[7] = caseCounts({ truth: truth[7], predicted: [] });
    a[9] = caseCounts({ truth: truth[9], predicted: [] });
    const worseB = [...b];
    for (const i of [11, 13, 15]) worseB[i] = caseCounts({ truth: truth[i], predicted: [] });
    const close = pairedBootstrap({ a: 'a', b: 'b' }, a, worseB, sources(n), { resamples: 1000 });
    expect(close.micro_f1.diff.estimate).toBeGreaterThan(0);
    expect(close.micro_f1.diff.lo).toBeLessThan(0);
    expect(close.micro_f1.diff.hi).toBeGreaterThan(0);
    expect(close.micro_f1.share_a_not_below).toBeGreaterThan(0.5);
    expect(close.micro_f1.share_a_not_below).toBeLessThan(1);
  });

  it('draws every source its own number of images: a source of one image is in every resample once', () => {
    const n = 50;
    const truth: FindingKey[][] = Array.from({ length: n }, () => ['no_finding']);
    const clean = truth.map((t) => caseCounts({ truth: t, predicted: [] }));
    const a = [...clean];
    a[0] = caseCounts({ truth: truth[0], predicted: ['nodule'] }); // a hallucinates on image 0 only
    const strata = truth.map((_, i) => (i === 0 ? 'jsrt' : 'covid_qu'));
    const cmp = pairedBootstrap({ a: 'a', b: 'b' }, a, clean, strata, { resamples: 300 });
    expect(cmp.hallucination_rate.diff).toEqual({ estimate: 1 / n, lo: 1 / n, hi: 1 / n });
    // unstratified, image 0 would be drawn 0, 1, 2… times and the interval would not be one point
    const pooled = pairedBootstrap(
      { a: 'a', b: 'b' },
      a,
      clean,
      truth.map(() => 'all'),
      { resamples: 300 },
    );
    expect(pooled.hallucination_rate.diff.lo).toBe(0);
    expect(pooled.hallucination_rate.diff.hi).toBeGreaterThan(1 / n);
  });

  it('is reproducible by seed', () => {
    const [a, b] = [cases(80, 1).map(caseCounts), cases(80, 3).map(caseCounts)];
    const run = (seed: number) => pairedBootstrap({ a: 'a', b: 'b' }, a, b, sources(80), { resamples: 300, seed });
    expect(run(7)).toEqual(run(7));
    expect(run(7).micro_f1.diff.lo).not.toBe(run(8).micro_f1.diff.lo);
  });

  it('refuses reports that do not pair up', () => {
    const c = cases(10, 1).map(caseCounts);
    expect(() => pairedBootstrap({ a: 'a', b: 'b' }, c, c.slice(1), sources(10))).toThrow(BootstrapInputError);
    expect(() => pairedBootstrap({ a: 'a', b: 'b' }, [], [], [])).toThrow(/one report per image/);
    expect(() => pairedBootstrap({ a: 'a', b: 'b' }, c, c, sources(10), { resamples: 0 })).toThrow(/positive integer/);
  });
});

describe('compareSystems', () => {
  it('labels the reports and compares only the pairs whose systems were both scored', () => {
    const images = [
      { source: 'kermany', truth: ['pleural_effusion'] as FindingKey[] },
      { source: 'kermany', truth: ['no_finding'] as FindingKey[] },
    ];
    const reports = {
      serpent: ['small right pleural effusion.', 'no acute cardiopulmonary process.'],
      serpent_no_rerank: ['no pleural effusion.', 'there is a left lower lobe consolidation.'],
    };
    const [cmp, ...rest] = compareSystems(reports, images, 'positive', undefined, { resamples: 20 });
    expect(rest).toHaveLength(0);
    expect([cmp.a, cmp.b]).toEqual(['serpent', 'serpent_no_rerank']);
    expect(cmp.micro_f1.a).toBe(1);
    expect(cmp.micro_f1.b).toBe(0);
    expect(cmp.hallucination_rate.a).toBe(0);
    expect(cmp.hallucination_rate.b).toBe(0.5);
  });
});
