// Is one system's clinical score really above another's on the same images, or within what another draw of
// images would give? A paired bootstrap, stratified by source: each resample draws every source's images with
// replacement (so the split's source mix stays fixed) and scores both systems on the same draw. Micro-F1 is
// recomputed from the summed per-image counts (2·TP / (asserted + true)), so a resample costs sums, not labeling.
// Intervals are the 2.5th and 97.5th percentiles of the resampled statistic.
import { mulberry32 } from '../../src/text/composeRng';
import { assertedFindings, caseCounts, type CaseCounts, type UncertainPolicy } from '../../src/text/metrics/clinical';
import type { FindingKey } from '../../src/text/findings';
import { quantile } from '../bench/stats';

export class BootstrapInputError extends Error {
  override name = 'BootstrapInputError';
}

export interface Interval {
  estimate: number; // on the images as they are
  lo: number; // 2.5th percentile over the resamples
  hi: number; // 97.5th percentile
}

export interface PairedComparison {
  a: string;
  b: string;
  n: number;
  resamples: number;
  seed: number;
  micro_f1: { a: number; b: number; diff: Interval; share_a_not_below: number }; // share of resamples with a ≥ b
  hallucination_rate: { a: number; b: number; diff: Interval; ratio: Interval }; // ratio a / b (resamples with b = 0 left out)
  omission_rate: { a: number; b: number; diff: Interval };
}

export interface BootstrapOptions {
  resamples?: number; // default 2000
  seed?: number; // default 1
}

/** Summed counts of a set of images: what micro-F1 and the two rates need. */
interface Totals {
  tp: number;
  asserted: number;
  truth: number;
  hallucinating: number;
  omitting: number;
  n: number;
}

const microF1 = (t: Totals): number => (t.asserted + t.truth > 0 ? (2 * t.tp) / (t.asserted + t.truth) : 0);

function totals(counts: readonly CaseCounts[], at: ArrayLike<number>): Totals {
  const t: Totals = { tp: 0, asserted: 0, truth: 0, hallucinating: 0, omitting: 0, n: at.length };
  for (let j = 0; j < at.length; j++) {
    const c = counts[at[j]];
    t.tp += c.tp;
    t.asserted += c.predicted;
    t.truth += c.support;
    if (c.extra > 0) t.hallucinating++;
    if (c.missing > 0) t.omitting++;
  }
  return t;
}

const interval = (estimate: number, draws: number[]): Interval => {
  const finite = draws.filter(Number.isFinite);
  return { estimate, lo: quantile(finite, 0.025), hi: quantile(finite, 0.975) };
};

/** Compares `a` with `b`, each one CaseCounts per image in the same order; `strata[i]` is image i's source. */
export function pairedBootstrap(
  names: { a: string; b: string },
  a: readonly CaseCounts[],
  b: readonly CaseCounts[],
  strata: readonly string[],
  options: BootstrapOptions = {},
): PairedComparison {
  const n = a.length;
  if (n === 0 || b.length !== n || strata.length !== n)
    throw new BootstrapInputError(`pairedBootstrap: ${a.length} and ${b.length} reports for ${strata.length} images; give both systems one report per image`);
  const resamples = options.resamples ?? 2000;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(resamples) || resamples < 1) throw new BootstrapInputError(`resamples must be a positive integer, not ${resamples}`);
  const groups = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const g = groups.get(s);
    if (g) g.push(i);
    else groups.set(s, [i]);
  });
  const all = Array.from({ length: n }, (_, i) => i);
  const [ta, tb] = [totals(a, all), totals(b, all)];
  const rng = mulberry32(seed);
  const draw = new Int32Array(n);
  const f1Diff: number[] = [];
  const hallDiff: number[] = [];
  const hallRatio: number[] = [];
  const omitDiff: number[] = [];
  let notBelow = 0;
  for (let r = 0; r < resamples; r++) {
    let k = 0;
    for (const members of groups.values()) for (let j = 0; j < members.length; j++) draw[k++] = members[rng.int(members.length)];
    const [ra, rb] = [totals(a, draw), totals(b, draw)];
    const d = microF1(ra) - microF1(rb);
    f1Diff.push(d);
    if (d >= 0) notBelow++;
    hallDiff.push((ra.hallucinating - rb.hallucinating) / n);
    hallRatio.push(rb.hallucinating > 0 ? ra.hallucinating / rb.hallucinating : Number.NaN);
    omitDiff.push((ra.omitting - rb.omitting) / n);
  }
  const rate = (t: Totals, k: number) => k / t.n;
  return {
    a: names.a,
    b: names.b,
    n,
    resamples,
    seed,
    micro_f1: { a: microF1(ta), b: microF1(tb), diff: interval(microF1(ta) - microF1(tb), f1Diff), share_a_not_below: notBelow / resamples },
    hallucination_rate: {
      a: rate(ta, ta.hallucinating),
      b: rate(tb, tb.hallucinating),
      diff: interval((ta.hallucinating - tb.hallucinating) / n, hallDiff),
      ratio: interval(tb.hallucinating > 0 ? ta.hallucinating / tb.hallucinating : Number.NaN, hallRatio),
    },
    omission_rate: { a: rate(ta, ta.omitting), b: rate(tb, tb.omitting), diff: interval((ta.omitting - tb.omitting) / n, omitDiff) },
  };
}

/** The comparisons the eval reports, when both systems were scored: the refinement against the plain beam (issue
 *  12's targets), against its own candidates chosen by the LM, against nearest-neighbour (issue 11's margin) and
 *  against the model trained without the refine loss. */
export const EVAL_COMPARISONS: readonly (readonly [string, string])[] = [
  ['serpent', 'serpent_no_rerank'],
  ['serpent', 'serpent_diverse_lm'],
  ['serpent', 'nearest_neighbour'],
  ['serpent', 'serpent_lambda0'],
];

/** Labels every report once and compares each pair of `pairs` whose two systems both have reports. */
export function compareSystems(
  reports: Readonly<Record<string, readonly string[] | undefined>>,
  images: readonly { source: string; truth: readonly FindingKey[] }[],
  uncertain: UncertainPolicy,
  pairs: readonly (readonly [string, string])[] = EVAL_COMPARISONS,
  options: BootstrapOptions = {},
): PairedComparison[] {
  const counted = new Map<string, CaseCounts[]>();
  const countsOf = (name: string): CaseCounts[] => {
    let c = counted.get(name);
    if (!c) {
      const texts = reports[name]!;
      c = texts.map((text, i) => caseCounts({ predicted: assertedFindings(text, uncertain), truth: images[i].truth }));
      counted.set(name, c);
    }
    return c;
  };
  const strata = images.map((im) => im.source);
  return pairs.filter(([a, b]) => reports[a] && reports[b]).map(([a, b]) => pairedBootstrap({ a, b }, countsOf(a), countsOf(b), strata, options));
}
