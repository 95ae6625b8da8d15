// Clinical efficacy of generated reports: the finding labeler (src/text/labeler.ts) reads each generated report,
// and its findings are compared with the image's true findings (source labels mapped to our vocabulary).
// Conventions (documented in docs/RESULTS.md):
//  - A finding the report states as *uncertain* ("possible effusion") counts as asserted (policy 'positive'),
//    because a hedged finding in a draft still prompts action; pass 'negative' to count only firm statements.
//  - Both sides are closed under the vocabulary's parents (a nodule is also a lung lesion).
//  - "No Finding" is scored per finding but excluded from micro/macro F1; macro F1 averages the findings with
//    support > 0 in the evaluated set (most of the vocabulary never occurs in a given source).
//  - hallucination_rate: share of reports asserting ≥ 1 finding absent from the truth; omission_rate: share of
//    reports missing ≥ 1 true finding (denominator: all reports; omission_rate_abnormal: abnormal images only).
import { FINDING_KEYS, withAncestors, type FindingKey } from '../findings';
import { labelReport } from '../labeler';

export type UncertainPolicy = 'positive' | 'negative';

export interface ClinicalCase {
  predicted: readonly FindingKey[]; // findings the report asserts
  truth: readonly FindingKey[]; // the image's findings ('no_finding' for a normal image)
}

export interface FindingScore {
  precision: number;
  recall: number;
  f1: number;
  support: number; // images with the finding
  predicted: number; // reports asserting it
  tp: number;
}

export interface ClinicalScores {
  n: number;
  micro_precision: number;
  micro_recall: number;
  micro_f1: number;
  macro_f1: number;
  normal_abnormal_accuracy: number;
  hallucination_rate: number;
  omission_rate: number;
  omission_rate_abnormal: number;
  mean_hallucinated: number; // findings per report
  mean_omitted: number;
  per_finding: Partial<Record<FindingKey, FindingScore>>;
}

export class ClinicalInputError extends Error {
  override name = 'ClinicalInputError';
}

/** Findings a generated report asserts, closed under parents, without 'no_finding'. */
export function assertedFindings(report: string, uncertain: UncertainPolicy = 'positive'): FindingKey[] {
  const { findings } = labelReport(report);
  const asserted = FINDING_KEYS.filter((k) => k !== 'no_finding' && (findings[k] === 'positive' || (uncertain === 'positive' && findings[k] === 'uncertain')));
  return withAncestors(asserted);
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const f1Of = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

function abnormalSet(keys: readonly FindingKey[]): Set<FindingKey> {
  return new Set(withAncestors(keys.filter((k) => k !== 'no_finding')));
}

/** One report's finding counts against its image's truth (both closed under parents, 'no_finding' left out): the
 *  per-image terms that micro precision / recall sum, and what makes it a hallucinating or omitting report. */
export interface CaseCounts {
  tp: number; // asserted and true
  predicted: number; // asserted
  support: number; // true
  extra: number; // asserted, not true (hallucinated)
  missing: number; // true, not asserted (omitted)
}

export function caseCounts(c: ClinicalCase): CaseCounts {
  return countsOfSets(abnormalSet(c.predicted), abnormalSet(c.truth));
}

function countsOfSets(pred: ReadonlySet<FindingKey>, truth: ReadonlySet<FindingKey>): CaseCounts {
  const tp = [...pred].filter((k) => truth.has(k)).length;
  return { tp, predicted: pred.size, support: truth.size, extra: pred.size - tp, missing: truth.size - tp };
}

/** Scores a set of (asserted, true) finding lists. */
export function scoreClinical(cases: readonly ClinicalCase[]): ClinicalScores {
  if (cases.length === 0) throw new ClinicalInputError('scoreClinical: no cases; evaluate at least one report');
  const counts = new Map<FindingKey, { tp: number; predicted: number; support: number }>();
  for (const k of FINDING_KEYS) counts.set(k, { tp: 0, predicted: 0, support: 0 });
  let hallucinating = 0,
    omitting = 0,
    omittingAbnormal = 0,
    abnormalImages = 0,
    agree = 0,
    hallucinated = 0,
    omitted = 0;
  for (const c of cases) {
    for (const k of [...c.predicted, ...c.truth]) {
      if (!counts.has(k)) throw new ClinicalInputError(`scoreClinical: unknown finding "${k}"; use keys from src/text/findings.json`);
    }
    const pred = abnormalSet(c.predicted);
    const truth = abnormalSet(c.truth);
    const predNormal = pred.size === 0;
    const truthNormal = truth.size === 0;
    if (predNormal === truthNormal) agree++;
    for (const k of FINDING_KEYS) {
      const p = k === 'no_finding' ? predNormal : pred.has(k);
      const t = k === 'no_finding' ? truthNormal : truth.has(k);
      const e = counts.get(k)!;
      if (p) e.predicted++;
      if (t) e.support++;
      if (p && t) e.tp++;
    }
    const { extra, missing } = countsOfSets(pred, truth);
    hallucinated += extra;
    omitted += missing;
    if (extra > 0) hallucinating++;
    if (missing > 0) omitting++;
    if (!truthNormal) {
      abnormalImages++;
      if (missing > 0) omittingAbnormal++;
    }
  }
  const perFinding: Partial<Record<FindingKey, FindingScore>> = {};
  let tp = 0,
    predicted = 0,
    support = 0;
  const macro: number[] = [];
  for (const k of FINDING_KEYS) {
    const e = counts.get(k)!;
    if (e.support === 0 && e.predicted === 0) continue;
    const precision = ratio(e.tp, e.predicted);
    const recall = ratio(e.tp, e.support);
    perFinding[k] = { precision, recall, f1: f1Of(precision, recall), support: e.support, predicted: e.predicted, tp: e.tp };
    if (k === 'no_finding') continue;
    tp += e.tp;
    predicted += e.predicted;
    support += e.support;
    if (e.support > 0) macro.push(f1Of(precision, recall));
  }
  const microP = ratio(tp, predicted);
  const microR = ratio(tp, support);
  const n = cases.length;
  return {
    n,
    micro_precision: microP,
    micro_recall: microR,
    micro_f1: f1Of(microP, microR),
    macro_f1: macro.length ? macro.reduce((a, b) => a + b, 0) / macro.length : 0,
    normal_abnormal_accuracy: agree / n,
    hallucination_rate: hallucinating / n,
    omission_rate: omitting / n,
    omission_rate_abnormal: ratio(omittingAbnormal, abnormalImages),
    mean_hallucinated: hallucinated / n,
    mean_omitted: omitted / n,
    per_finding: perFinding,
  };
}

/** Labels each generated report and scores it against the image's true findings. */
export function scoreReports(reports: readonly string[], truths: readonly (readonly FindingKey[])[], uncertain: UncertainPolicy = 'positive'): ClinicalScores {
  if (reports.length !== truths.length)
    throw new ClinicalInputError(`scoreReports: ${reports.length} reports but ${truths.length} label sets; pass one per report`);
  return scoreClinical(reports.map((r, i) => ({ predicted: assertedFindings(r, uncertain), truth: truths[i] })));
}
