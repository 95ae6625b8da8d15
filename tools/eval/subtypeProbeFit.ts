// Fitting the pneumonia-subtype gate's probe (src/engine/subtypeGate.ts): a logistic regression on the towers' mean
// patch embedding of train films labelled bacterial or viral, its l2 chosen by val log-loss, and its margin the
// widest gate (smallest margin) whose val accuracy on the films it lets through reaches the target. Pure functions:
// tools/subtypeProbe.ts computes the features and writes the manifest.
import { fitLinearProbe, probeProbabilities } from './linearProbe';
import type { PneumoniaSubtype, SubtypeProbe } from '../../src/engine/subtypeGate';

export interface LabelledFeature {
  feature: Float32Array; // [E]
  subtype: PneumoniaSubtype;
}

export interface MarginRow {
  margin: number;
  coverage: number; // share of films the gate lets name a subtype
  accuracy: number; // of those, the share whose allowed subtype is the labelled one (NaN when none)
  films: number; // how many it lets through
}

export interface FittedSubtypeProbe {
  probe: Omit<SubtypeProbe, 'words' | 'margin'>;
  l2: number;
  valLogLoss: number;
  valAccuracy: number; // at margin 0
  rows: MarginRow[]; // val, per margin
}

export const MARGINS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45];

const isBacterial = (s: PneumoniaSubtype): number => (s === 'bacterial' ? 1 : 0);

export function probabilities(probe: Omit<SubtypeProbe, 'words' | 'margin'>, data: readonly LabelledFeature[]): number[] {
  const linear = {
    dim: probe.mean.length,
    labels: 1,
    mean: Float32Array.from(probe.mean),
    scale: Float32Array.from(probe.scale),
    weights: Float32Array.from(probe.weights),
    bias: Float32Array.of(probe.bias),
    thresholds: Float32Array.of(0.5),
  };
  return data.map((d) => probeProbabilities(linear, d.feature)[0]);
}

/** Per margin: how many films the gate lets through and how often the subtype it allows is the labelled one. */
export function marginRows(p: readonly number[], data: readonly LabelledFeature[], margins = MARGINS): MarginRow[] {
  return margins.map((margin) => {
    let films = 0;
    let right = 0;
    p.forEach((q, i) => {
      if (Math.abs(q - 0.5) <= margin) return;
      films++;
      if ((q > 0.5 ? 1 : 0) === isBacterial(data[i].subtype)) right++;
    });
    return { margin, coverage: films / Math.max(1, p.length), accuracy: films ? right / films : NaN, films };
  });
}

/** The smallest margin whose accuracy reaches `target` on at least `minFilms` films; 0.5 (never name one) if none. */
export function chooseMargin(rows: readonly MarginRow[], target: number, minFilms: number): number {
  const ok = rows.filter((r) => r.films >= minFilms && r.accuracy >= target).sort((a, b) => a.margin - b.margin);
  return ok[0]?.margin ?? 0.5;
}

function logLoss(p: readonly number[], data: readonly LabelledFeature[]): number {
  const eps = 1e-7;
  return -p.reduce((s, q, i) => s + (isBacterial(data[i].subtype) ? Math.log(q + eps) : Math.log(1 - q + eps)), 0) / Math.max(1, p.length);
}

export function fitSubtypeProbe(
  train: readonly LabelledFeature[],
  val: readonly LabelledFeature[],
  l2s: readonly number[],
  iterations = 300,
): FittedSubtypeProbe {
  let best: FittedSubtypeProbe | null = null;
  for (const l2 of l2s) {
    const fit = fitLinearProbe(
      train.map((d) => d.feature),
      train.map((d) => Uint8Array.of(isBacterial(d.subtype))),
      { l2, iterations },
    );
    const probe = {
      feature: 'tower_patch_mean' as const,
      mean: Array.from(fit.mean),
      scale: Array.from(fit.scale),
      weights: Array.from(fit.weights),
      bias: fit.bias[0],
    };
    const p = probabilities(probe, val);
    const rows = marginRows(p, val);
    const candidate = { probe, l2, valLogLoss: logLoss(p, val), valAccuracy: rows[0].accuracy, rows };
    if (!best || candidate.valLogLoss < best.valLogLoss) best = candidate;
  }
  if (!best) throw new RangeError('fitSubtypeProbe: give at least one l2');
  return best;
}
