// Fitting the pneumonia-subtype gate's probe (src/engine/subtypeGate.ts): an L2-regularised logistic regression on
// standardised features of train films labelled bacterial or viral (300 steps of gradient descent, or Newton's method
// to the optimum: see SubtypeSolver), its l2 chosen by val log-loss, and its margin the widest gate (smallest margin) whose val accuracy on the films it lets
// through reaches the target. The image reader's feature is not fitted (readerProbe). Pure functions:
// tools/subtypeProbe.ts computes the features and writes the manifest.
import { fitLinearProbe } from './linearProbe';
import { readSubtype, type PneumoniaSubtype, type SubtypeFeature, type SubtypeProbe } from '../../src/engine/subtypeGate';

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

type FittedProbe = Omit<SubtypeProbe, 'words' | 'margin'>;

export interface FittedSubtypeProbe {
  probe: FittedProbe;
  l2: number | null; // null: nothing was fitted (readerProbe)
  valLogLoss: number;
  valAccuracy: number; // at margin 0
  rows: MarginRow[]; // val, per margin
}

export const MARGINS = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45];

const isBacterial = (s: PneumoniaSubtype): number => (s === 'bacterial' ? 1 : 0);

/** P(bacterial) per film, as the engine reads it. */
export function probabilities(probe: FittedProbe, data: readonly LabelledFeature[]): number[] {
  return data.map((d) => readSubtype({ ...probe, margin: 0, words: { bacterial: [], viral: [] } }, d.feature).bacterial);
}

/** Solves A x = b (A [n*n] row-major, symmetric positive definite here; both overwritten) by Gaussian elimination. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let k = 0; k < n; k++) {
    const pivot = A[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = A[i * n + k] / pivot;
      if (f === 0) continue;
      for (let j = k; j < n; j++) A[i * n + j] -= f * A[k * n + j];
      b[i] -= f * b[k];
    }
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let j = i + 1; j < n; j++) sum -= A[i * n + j] * x[j];
    x[i] = sum / A[i * n + i];
  }
  return x;
}

/** Minimises mean log-loss + l2·|w|² over standardised rows Z [N][D] (the bias unpenalised) by Newton's method. */
export function fitLogistic(Z: readonly Float64Array[], y: readonly number[], l2: number, iterations = 30): { weights: Float64Array; bias: number } {
  const D = Z[0].length;
  const n = D + 1; // θ = [w; b]
  const theta = new Float64Array(n);
  const N = Z.length;
  for (let it = 0; it < iterations; it++) {
    const H = new Float64Array(n * n); // upper triangle filled, then mirrored
    const g = new Float64Array(n);
    for (let r = 0; r < N; r++) {
      const z = Z[r];
      let logit = theta[D];
      for (let d = 0; d < D; d++) logit += theta[d] * z[d];
      const p = 1 / (1 + Math.exp(-logit));
      const err = (p - y[r]) / N;
      const w = (p * (1 - p)) / N;
      for (let i = 0; i < D; i++) {
        g[i] += err * z[i];
        const wi = w * z[i];
        const row = i * n;
        for (let j = i; j < D; j++) H[row + j] += wi * z[j];
        H[row + D] += wi;
      }
      g[D] += err;
      H[D * n + D] += w;
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) H[i * n + j] = H[j * n + i];
    for (let i = 0; i < D; i++) {
      g[i] += 2 * l2 * theta[i];
      H[i * n + i] += 2 * l2;
    }
    const step = solve(H, g, n);
    let largest = 0;
    for (let i = 0; i < n; i++) {
      theta[i] -= step[i];
      largest = Math.max(largest, Math.abs(step[i]));
    }
    if (largest < 1e-7) break;
  }
  return { weights: theta.slice(0, D), bias: theta[D] };
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

/** gradient: 300 full-batch steps (linearProbe.ts), which stop short of the optimum, so its probabilities stay near
 *  ½ and a margin means "clearly on one side"; newton: the optimum itself. */
export type SubtypeSolver = 'gradient' | 'newton';

interface Standardised {
  mean: Float64Array; // [D]
  scale: Float64Array; // [D] 1/std
  Z: Float64Array[]; // [N][D]
}

function standardise(train: readonly LabelledFeature[]): Standardised {
  const D = train[0].feature.length;
  const mean = new Float64Array(D);
  const scale = new Float64Array(D);
  for (const d of train) for (let e = 0; e < D; e++) mean[e] += d.feature[e] / train.length;
  for (const d of train) for (let e = 0; e < D; e++) scale[e] += (d.feature[e] - mean[e]) ** 2 / train.length;
  for (let e = 0; e < D; e++) scale[e] = 1 / Math.sqrt(scale[e] + 1e-8);
  return { mean, scale, Z: train.map((d) => Float64Array.from(d.feature, (v, e) => (v - mean[e]) * scale[e])) };
}

function newtonFit({ mean, scale, Z }: Standardised, labels: number[], l2: number) {
  const fit = fitLogistic(Z, labels, l2);
  return { mean: Array.from(mean), scale: Array.from(scale), weights: Array.from(fit.weights), bias: fit.bias };
}

function gradientFit(train: readonly LabelledFeature[], labels: number[], l2: number) {
  const fit = fitLinearProbe(
    train.map((d) => d.feature),
    labels.map((y) => Uint8Array.of(y)),
    { l2, iterations: 300 },
  );
  return { mean: Array.from(fit.mean), scale: Array.from(fit.scale), weights: Array.from(fit.weights), bias: fit.bias[0] };
}

export function fitSubtypeProbe(
  feature: SubtypeFeature,
  train: readonly LabelledFeature[],
  val: readonly LabelledFeature[],
  l2s: readonly number[],
  solver: SubtypeSolver = 'gradient',
): FittedSubtypeProbe {
  if (train.length === 0) throw new RangeError('fitSubtypeProbe: no train films with a labelled subtype');
  const labels = train.map((d) => isBacterial(d.subtype));
  const standard = solver === 'newton' ? standardise(train) : null; // the gradient fit standardises for itself
  let best: FittedSubtypeProbe | null = null;
  for (const l2 of l2s) {
    const probe = { feature, ...(standard ? newtonFit(standard, labels, l2) : gradientFit(train, labels, l2)) };
    const p = probabilities(probe, val);
    const rows = marginRows(p, val);
    const candidate = { probe, l2, valLogLoss: logLoss(p, val), valAccuracy: rows[0].accuracy, rows };
    if (!best || candidate.valLogLoss < best.valLogLoss) best = candidate;
  }
  if (!best) throw new RangeError('fitSubtypeProbe: give at least one l2');
  return best;
}

/** The probe on the image reader's logit P(consolidation), read as it stands (weight 1, bias 0: P(bacterial) is the
 *  reader's own probability). The reader learnt it from the train films, so a probe fitted on their readings would
 *  fit the reader's training fit; val only gives the rows the margin is chosen from. */
export function readerProbe(val: readonly LabelledFeature[]): FittedSubtypeProbe {
  const probe: FittedProbe = { feature: 'image_reader', mean: [0], scale: [1], weights: [1], bias: 0 };
  const p = probabilities(probe, val);
  const rows = marginRows(p, val);
  return { probe, l2: null, valLogLoss: logLoss(p, val), valAccuracy: rows[0].accuracy, rows };
}
