// The finding reader, in one of two kinds: a linear multi-label head on the vision encoder's image tokens,
// P(f | film) = σ(w_f · standardise(mean_n x_n) + b_f), kept in manifest.json (training/finding_reader.py); or the
// image reader, an ImageNet MobileNetV2 fine-tuned on the films, an ONNX file of its own (the manifest's image_reader,
// training/image_reader.py) run on the pixels beside the OOD detector (src/engine/onnxModel.ts runs it). The image
// reader is a model file of its own because the subtype gate may read it too (src/engine/subtypeGate.ts), whichever
// reader the votes use.
// It is a second reading of the film beside the candidates' own: the finding votes mix it in with the reader weight w,
// p_f = (1 − w)·(share of draws asserting f) + w·P(f | film) (src/engine/rerank.ts), so a finding that few draws name
// but the film backs can stay, and one that many draws name but the film does not back can go.
import { ModelManifestError } from './errors';
import type { ModelFileEntry } from './manifest';

/** The image reader as the manifest keeps it (`image_reader`): its ONNX file (pixels [V,1,S,S] → probabilities
 *  [V,F]) and findings. */
export interface ImageReaderEntry extends ModelFileEntry {
  findings: string[]; // [F] labeler keys, in the order of the file's output
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
}

/** The votes read the manifest's image_reader. */
export interface ImageReaderRef {
  feature: 'image_reader';
}

/** The reader as the manifest keeps it (`finding_reader`): the linear head, or a pointer to the image reader. */
export type FindingReaderEntry = LinearFindingReader | ImageReaderRef;

/** The linear head on the image tokens. */
export interface LinearFindingReader {
  feature: 'image_tokens_mean'; // the mean of the decoder prefix's N image tokens [D], standardised (LayerNorm, no affine)
  findings: string[]; // [F] labeler keys (ancestors are findings of their own: lung_opacity, lung_lesion)
  weights: number[][]; // [F][D] on the standardised mean token (the LayerNorm's gain and shift folded in)
  bias: number[]; // [F]
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
}

/** Per finding key, P(f | film): one plain record from the engine to the votes, the page, the export and the sweep. */
export type FindingReading = Readonly<Record<string, number>>;

const LN_EPS = 1e-5;

export function checkImageReader(reader: ImageReaderEntry): void {
  const ok =
    typeof reader.path === 'string' && Number.isInteger(reader.bytes) && /^[0-9a-f]{64}$/i.test(reader.sha256 ?? '') && (reader.findings?.length ?? 0) > 0;
  if (!ok) throw new ModelManifestError("manifest.json's image_reader needs a path, bytes, sha256 and findings; re-run `npm run image-reader -- --write`.");
}

export function checkFindingReader(reader: FindingReaderEntry, dModel: number, imageReader?: ImageReaderEntry): void {
  if (reader.feature === 'image_reader') {
    if (!imageReader)
      throw new ModelManifestError(
        "manifest.json's finding_reader reads the image reader, but the manifest has no image_reader; re-run `npm run image-reader -- --write --finding-reader`.",
      );
    return;
  }
  const F = reader.findings?.length ?? 0;
  const ok =
    reader.feature === 'image_tokens_mean' &&
    F > 0 &&
    reader.weights?.length === F &&
    reader.weights.every((row) => row.length === dModel && row.every(Number.isFinite)) &&
    reader.bias?.length === F &&
    reader.bias.every(Number.isFinite);
  if (!ok)
    throw new ModelManifestError(
      `manifest.json's finding_reader does not fit this model (feature ${reader.feature}, ${F} findings, weights of width ${reader.weights?.[0]?.length} where the image tokens have ${dModel}); re-run \`npm run finding-reader -- --write\`.`,
    );
}

/** prefix [N*D]: the image tokens averaged over views (the decoder's prefix) → P(f | film) per finding. */
export function readFindings(reader: LinearFindingReader, prefix: Float32Array, dModel: number): Record<string, number> {
  const D = dModel;
  const N = prefix.length / D;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`readFindings: the prefix has ${prefix.length} values, not a multiple of ${D}`);
  const mean = new Float64Array(D); // [D] mean over the N tokens
  for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) mean[d] += prefix[n * D + d] / N;
  let mu = 0;
  for (let d = 0; d < D; d++) mu += mean[d] / D;
  let variance = 0;
  for (let d = 0; d < D; d++) variance += (mean[d] - mu) ** 2 / D;
  const inv = 1 / Math.sqrt(variance + LN_EPS);
  const out: Record<string, number> = {};
  reader.findings.forEach((finding, f) => {
    let z = reader.bias[f];
    const w = reader.weights[f];
    for (let d = 0; d < D; d++) z += w[d] * (mean[d] - mu) * inv;
    out[finding] = 1 / (1 + Math.exp(-z));
  });
  return out;
}

/** The reading restricted to the given findings (those of the tally), in their order; findings it does not read are left out. */
export function readingOf(reading: FindingReading, findings: readonly string[]): Record<string, number> {
  return Object.fromEntries(findings.filter((f) => reading[f] !== undefined).map((f) => [f, reading[f]]));
}

/** The finding votes with the reader mixed in: (1 − w)·vote + w·P(f | film) for the findings it reads; the others keep
 *  their vote. Only findings some candidate asserts matter to the rerank, so only those are returned. */
export function mixReading(votes: ReadonlyMap<string, number>, reading: FindingReading | undefined, weight: number): Map<string, number> {
  if (!(weight >= 0 && weight <= 1)) throw new RangeError(`mixReading: the reader weight is in [0, 1]; got ${weight}`);
  const out = new Map(votes);
  if (!reading || weight === 0) return out;
  for (const [finding, vote] of votes) {
    const p = reading[finding];
    if (p !== undefined) out.set(finding, (1 - weight) * vote + weight * p);
  }
  return out;
}
