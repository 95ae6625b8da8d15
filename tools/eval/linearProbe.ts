// A linear multi-label probe (independent logistic regressions, one per finding) on pooled image embeddings,
// fitted by full-batch gradient descent on standardised features, with per-finding decision thresholds chosen
// to maximise F1 on the fitting data. The label_template baseline turns its predictions into a report.

export interface LinearProbe {
  dim: number; // E
  labels: number; // F
  mean: Float32Array; // [E] feature mean
  scale: Float32Array; // [E] 1/std
  weights: Float32Array; // [F*E] row-major
  bias: Float32Array; // [F]
  thresholds: Float32Array; // [F]
}

export interface ProbeOptions {
  iterations?: number; // default 300
  learningRate?: number; // default 0.5
  l2?: number; // default 1e-3
}

export class ProbeInputError extends Error {
  override name = 'ProbeInputError';
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function standardise(X: readonly Float32Array[], dim: number): { mean: Float32Array; scale: Float32Array } {
  const mean = new Float32Array(dim);
  const scale = new Float32Array(dim);
  for (const x of X) for (let e = 0; e < dim; e++) mean[e] += x[e] / X.length;
  for (const x of X) for (let e = 0; e < dim; e++) scale[e] += (x[e] - mean[e]) ** 2 / X.length;
  for (let e = 0; e < dim; e++) scale[e] = 1 / Math.sqrt(scale[e] + 1e-8);
  return { mean, scale };
}

/** Probabilities [F] for one embedding x [E]. */
export function probeProbabilities(probe: LinearProbe, x: Float32Array): Float32Array {
  const out = new Float32Array(probe.labels);
  for (let f = 0; f < probe.labels; f++) {
    let z = probe.bias[f];
    const row = f * probe.dim;
    for (let e = 0; e < probe.dim; e++) z += probe.weights[row + e] * (x[e] - probe.mean[e]) * probe.scale[e];
    out[f] = sigmoid(z);
  }
  return out;
}

/** Multi-hot prediction [F] for one embedding. */
export function probePredict(probe: LinearProbe, x: Float32Array): boolean[] {
  return Array.from(probeProbabilities(probe, x), (p, f) => p >= probe.thresholds[f]);
}

function bestThreshold(probs: number[], truth: boolean[]): number {
  const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a]);
  const positives = truth.filter(Boolean).length;
  if (positives === 0) return 1.01; // never predict a finding the data never shows
  let tp = 0;
  let best = { f1: -1, threshold: 0.5 };
  order.forEach((i, rank) => {
    if (truth[i]) tp++;
    const f1 = (2 * tp) / (rank + 1 + positives);
    const next = order[rank + 1];
    if (f1 > best.f1 && (next === undefined || probs[next] < probs[i])) best = { f1, threshold: probs[i] };
  });
  return best.threshold;
}

/** Fits the probe: X[n] is an embedding [E], Y[n] a multi-hot label vector [F]. */
export function fitLinearProbe(X: readonly Float32Array[], Y: readonly Uint8Array[], opts: ProbeOptions = {}): LinearProbe {
  if (X.length === 0 || X.length !== Y.length)
    throw new ProbeInputError(`fitLinearProbe: ${X.length} embeddings and ${Y.length} label rows; need the same non-zero number`);
  const dim = X[0].length;
  const labels = Y[0].length;
  const { iterations = 300, learningRate = 0.5, l2 = 1e-3 } = opts;
  const { mean, scale } = standardise(X, dim);
  const Z = X.map((x) => Float32Array.from(x, (v, e) => (v - mean[e]) * scale[e])); // [N][E] standardised
  const weights = new Float32Array(labels * dim);
  const bias = new Float32Array(labels);
  const n = X.length;
  for (let it = 0; it < iterations; it++) {
    const gradW = new Float64Array(labels * dim);
    const gradB = new Float64Array(labels);
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      for (let f = 0; f < labels; f++) {
        let logit = bias[f];
        const row = f * dim;
        for (let e = 0; e < dim; e++) logit += weights[row + e] * z[e];
        const err = sigmoid(logit) - Y[i][f];
        gradB[f] += err;
        for (let e = 0; e < dim; e++) gradW[row + e] += err * z[e];
      }
    }
    for (let f = 0; f < labels; f++) bias[f] -= (learningRate * gradB[f]) / n;
    for (let j = 0; j < weights.length; j++) weights[j] -= learningRate * (gradW[j] / n + l2 * weights[j]);
  }
  const probe: LinearProbe = { dim, labels, mean, scale, weights, bias, thresholds: new Float32Array(labels).fill(0.5) };
  const probs = X.map((x) => probeProbabilities(probe, x));
  for (let f = 0; f < labels; f++)
    probe.thresholds[f] = bestThreshold(
      probs.map((p) => p[f]),
      Y.map((y) => y[f] === 1),
    );
  return probe;
}
