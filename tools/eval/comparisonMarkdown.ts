// The paired comparisons as Markdown: what the eval section and `npm run eval-compare` print.
import { wilsonInterval } from '../bench/stats';
import type { Interval, PairedComparison } from './pairedBootstrap';
import { formatNumber, markdownTable } from './resultsDoc';

/** "+0.0123": a difference with its sign, to four places (micro-F1 gaps of a few reports are in the fourth). */
export function signed(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const s = Math.abs(x).toFixed(4);
  return Number(s) === 0 ? s : `${x > 0 ? '+' : '−'}${s}`;
}

/** "+0.0080 (+0.0030 to +0.0130)": an estimate and its interval. */
export const withRange = (i: Interval, format: (x: number) => string): string => `${format(i.estimate)} (${format(i.lo)} to ${format(i.hi)})`;

/** "0.52": a ratio ('–' where it is undefined). */
export const ratioText = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');

export function comparisonsMarkdown(comparisons: readonly PairedComparison[]): string[] {
  if (comparisons.length === 0) return [];
  const { resamples, seed } = comparisons[0];
  return [
    '### Paired differences (bootstrap over images, stratified by source)',
    `Each row scores \`a\` and \`b\` on the same ${resamples.toLocaleString('en-US')} resamples of the images (each source's images drawn ` +
      `with replacement, seed ${seed}); the ranges are 95 % percentile intervals. "a ≥ b" is the share of resamples in which a's micro-F1 is at ` +
      "least b's. A range that spans 0 (or, for the ratio, 1) is a difference these images cannot tell from chance.",
    markdownTable(
      ['a', 'b', 'micro-F1 a / b', 'micro-F1 a − b', 'a ≥ b', 'halluc. a / b', 'halluc. ratio a ÷ b', 'omission a − b'],
      comparisons.map((c) => [
        c.a,
        c.b,
        `${formatNumber(c.micro_f1.a)} / ${formatNumber(c.micro_f1.b)}`,
        withRange(c.micro_f1.diff, signed),
        formatNumber(c.micro_f1.share_a_not_below),
        `${formatNumber(c.hallucination_rate.a)} / ${formatNumber(c.hallucination_rate.b)}`,
        withRange(c.hallucination_rate.ratio, ratioText),
        withRange(c.omission_rate.diff, signed),
      ]),
    ),
  ];
}

/** "4.7 % (3.7–5.9 %)": a share of n images with its Wilson 95 % interval. */
export function shareWithInterval(share: number, n: number): string {
  const [lo, hi] = wilsonInterval(Math.round(share * n), n);
  return `${(100 * share).toFixed(1)}% (Wilson 95 %: ${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}%)`;
}
