// Multi-label classification metrics for the labeler validation: per-finding precision / recall / F1 / support,
// micro F1 over all (report, finding) decisions, macro F1 over findings that occur in the gold labels.
import { FINDING_NAMES, type FindingKey } from './findings';

export interface FindingScore {
  finding: FindingKey;
  tp: number;
  fp: number;
  fn: number;
  support: number; // gold positives
  precision: number; // tp / (tp + fp), 0 when nothing was predicted
  recall: number; // tp / (tp + fn), 0 when there is no support
  f1: number;
}

export interface ValidationMetrics {
  nReports: number;
  perFinding: FindingScore[];
  microF1: number;
  macroF1: number; // mean F1 over findings with support > 0
}

export class MetricsInputError extends Error {
  override name = 'MetricsInputError';
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const f1Of = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/** Scores predicted label sets against gold label sets over the given findings. */
export function computeMetrics(
  gold: ReadonlyArray<ReadonlySet<FindingKey>>,
  predicted: ReadonlyArray<ReadonlySet<FindingKey>>,
  findings: readonly FindingKey[],
): ValidationMetrics {
  if (gold.length !== predicted.length) {
    throw new MetricsInputError(`gold has ${gold.length} reports but predictions ${predicted.length}; pass one set per report.`);
  }
  let tpAll = 0;
  let fpAll = 0;
  let fnAll = 0;
  const perFinding = findings.map((finding): FindingScore => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const isGold = g.has(finding);
      const isPred = predicted[i].has(finding);
      if (isGold && isPred) tp += 1;
      else if (isPred) fp += 1;
      else if (isGold) fn += 1;
    });
    tpAll += tp;
    fpAll += fp;
    fnAll += fn;
    const precision = ratio(tp, tp + fp);
    const recall = ratio(tp, tp + fn);
    return { finding, tp, fp, fn, support: tp + fn, precision, recall, f1: f1Of(precision, recall) };
  });
  const supported = perFinding.filter((s) => s.support > 0);
  return {
    nReports: gold.length,
    perFinding,
    microF1: f1Of(ratio(tpAll, tpAll + fpAll), ratio(tpAll, tpAll + fnAll)),
    macroF1: ratio(
      supported.reduce((sum, s) => sum + s.f1, 0),
      supported.length,
    ),
  };
}

/** A fixed-width table, one row per finding, for the validation CLI. */
export function formatMetricsTable(metrics: ValidationMetrics): string {
  const head =
    `${'finding'.padEnd(28)} ${'prec'.padStart(6)} ${'recall'.padStart(6)} ${'f1'.padStart(6)} ${'support'.padStart(7)} ` +
    `${'tp'.padStart(5)} ${'fp'.padStart(5)} ${'fn'.padStart(5)}`;
  const rows = metrics.perFinding.map(
    (s) =>
      `${FINDING_NAMES[s.finding].padEnd(28)} ${s.precision.toFixed(3).padStart(6)} ${s.recall.toFixed(3).padStart(6)} ${s.f1
        .toFixed(3)
        .padStart(6)} ${String(s.support).padStart(7)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(5)} ${String(s.fn).padStart(5)}`,
  );
  return [head, ...rows].join('\n');
}
