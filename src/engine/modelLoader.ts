// Reads a model folder: manifest.json (format and version checked against modelIO.json), tokenizer.json,
// the three ONNX files of one precision, and the out-of-distribution detector, the similarity towers and the image
// reader, the lesion map and the mirror check when the manifest lists them, each checked against the manifest's size and sha256.
import { ModelFileError, ModelManifestError, ModelVersionError } from './errors';
import { heatmapGrid, type ModelFileKey, type ModelFileEntry, type ModelManifest, type Precision } from './manifest';
import modelIO from './modelIO.json' with { type: 'json' };
import type { ModelSource } from './modelSource';
import { checkFindingReader, checkImageReader } from './findingReader';
import { checkLesionMap } from './lesionMap';
import { checkMirrorCheck } from './mirrorCheck';
import { checkAssessedFindings } from './unassessed';
import { checkSideGate } from './sideGate';
import { FINDING_KEYS } from '../text/findings';
import { checkSubtypeProbe } from './subtypeGate';
import type { ProgressEvent } from './types';

export const MODEL_FILE_KEYS: readonly ModelFileKey[] = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'];
export const SUPPORTED_FORMAT = modelIO.format;
export const SUPPORTED_FORMAT_VERSION = modelIO.formatVersion;

/** The ONNX files' bytes: the three of one precision, and the detector and the towers when the folder has them. */
export type ModelFileBytes = Record<ModelFileKey, Uint8Array> & {
  ood_detector?: Uint8Array;
  similarity_image?: Uint8Array;
  similarity_text?: Uint8Array;
  image_reader?: Uint8Array; // the image reader's network, when the manifest lists one
  lesion_map?: Uint8Array; // the lesion map's network, when the manifest lists one
  mirror_check?: Uint8Array; // the mirror check's network, when the manifest lists one
  decoder_static?: Uint8Array; // only when asked for (WebGPU) and listed
};

export interface LoadedModel {
  manifest: ModelManifest;
  tokenizerJson: unknown;
  precision: Precision;
  files: ModelFileBytes;
  downloadBytes: number; // the ONNX files' bytes, wherever they came from
  keptBytes: number; // of which read from the source's kept copy (the page's offline copy), not fetched
}

/** Format/version and the fields the engine relies on; throws typed errors that say what to do. */
export function checkManifest(raw: unknown): ModelManifest {
  const m = raw as Partial<ModelManifest> | null;
  if (!m || typeof m !== 'object') throw new ModelManifestError('manifest.json is not a JSON object.');
  if (m.format !== SUPPORTED_FORMAT) {
    throw new ModelVersionError(`format "${String(m.format)}"`, `format "${SUPPORTED_FORMAT}" version ${SUPPORTED_FORMAT_VERSION}`);
  }
  if (m.format_version !== SUPPORTED_FORMAT_VERSION) {
    throw new ModelVersionError(`format version ${String(m.format_version)}`, `format version ${SUPPORTED_FORMAT_VERSION}`);
  }
  const missing = (['id', 'preprocessing', 'architecture', 'special_ids', 'decoding', 'files', 'ood', 'tokenizer'] as const).filter(
    (k) => m[k] === undefined || m[k] === null,
  );
  if (missing.length) throw new ModelManifestError(`manifest.json lacks ${missing.join(', ')}.`);
  const grid = m.preprocessing?.grid;
  if (!Array.isArray(grid) || grid[0] * grid[1] !== m.architecture?.n_image_tokens) {
    throw new ModelManifestError(`manifest.json's grid ${JSON.stringify(grid)} does not match n_image_tokens ${m.architecture?.n_image_tokens}.`);
  }
  if (m.ood?.mean?.length !== m.architecture?.embed_dim || m.ood?.var?.length !== m.architecture?.embed_dim) {
    throw new ModelManifestError("manifest.json's ood mean/var do not have embed_dim entries.");
  }
  const detector = m.ood.detector;
  if (detector && (typeof detector.path !== 'string' || !Number.isFinite(detector.threshold))) {
    throw new ModelManifestError("manifest.json's ood.detector needs a path and a numeric threshold; re-run `npm run export-ood`.");
  }
  const sim = m.similarity;
  if (sim && (typeof sim.image?.path !== 'string' || typeof sim.text?.path !== 'string' || !Number.isInteger(sim.embed_dim))) {
    throw new ModelManifestError("manifest.json's similarity needs image and text files and an embed_dim; re-run `npm run export-similarity`.");
  }
  if (m.image_reader) checkImageReader(m.image_reader);
  if (m.mirror_check) checkMirrorCheck(m.mirror_check);
  if (m.lesion_map) checkLesionMap(m.lesion_map, heatmapGrid(m as ModelManifest));
  if (m.subtype_probe) checkSubtypeProbe(m.subtype_probe, { image: m.architecture!.embed_dim, tower: sim?.embed_dim, imageReader: m.image_reader?.findings });
  if (m.finding_reader) checkFindingReader(m.finding_reader, m.architecture!.d_model, m.image_reader);
  if (m.side_gate) checkSideGate(m.side_gate, FINDING_KEYS);
  if (m.assessed_findings) checkAssessedFindings(m.assessed_findings);
  const length = m.architecture!.static_cache_length;
  const hasStatic = Object.values(m.files ?? {}).some((f) => f?.decoder_static);
  if (hasStatic && !(Number.isInteger(length) && length! > m.architecture!.n_image_tokens + 1)) {
    throw new ModelManifestError(
      `manifest.json lists decoder_static but its architecture.static_cache_length (${length}) leaves no slot for a report; re-run \`python -m training.static_decoder --model <folder>\`.`,
    );
  }
  return m as ModelManifest;
}

/** The requested precision, or the manifest's default, or the first precision the folder has. */
export function pickPrecision(manifest: ModelManifest, requested?: Precision): Precision {
  const available = (Object.keys(manifest.files) as Precision[]).filter((p) => manifest.files[p]);
  if (available.length === 0) throw new ModelManifestError('manifest.json lists no ONNX files.');
  if (requested) {
    if (!manifest.files[requested]) {
      throw new ModelManifestError(`This model folder has no ${requested} files (it has ${available.join(', ')}); choose one of those.`);
    }
    return requested;
  }
  return manifest.files[manifest.default_precision] ? manifest.default_precision : available[0];
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export async function verifyFile(entry: ModelFileEntry, bytes: Uint8Array): Promise<void> {
  if (bytes.length !== entry.bytes) {
    throw new ModelFileError(entry.path, 'corrupt', `${bytes.length} bytes instead of ${entry.bytes}; the download is incomplete or the file was changed`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== entry.sha256.toLowerCase()) {
    throw new ModelFileError(entry.path, 'corrupt', `sha256 ${digest.slice(0, 12)}… does not match the manifest's ${entry.sha256.slice(0, 12)}…`);
  }
}

/** `staticDecoder`: also read the precision's decoder_static, when the folder has one (WebGPU replays its steps). */
export async function loadModelFiles(
  source: ModelSource,
  requested?: Precision,
  onProgress?: (e: ProgressEvent) => void,
  opts: { staticDecoder?: boolean } = {},
): Promise<LoadedModel> {
  const manifest = checkManifest(await source.fetchJson<unknown>('manifest.json'));
  const precision = pickPrecision(manifest, requested);
  const entries = manifest.files[precision]!;
  for (const key of MODEL_FILE_KEYS) {
    if (!entries[key]) throw new ModelManifestError(`manifest.json lists no ${precision} ${key} file.`);
  }
  const wanted: [keyof ModelFileBytes, ModelFileEntry][] = MODEL_FILE_KEYS.map((k) => [k, entries[k]]);
  if (opts.staticDecoder && entries.decoder_static) wanted.push(['decoder_static', entries.decoder_static]);
  if (manifest.ood.detector) wanted.push(['ood_detector', manifest.ood.detector]);
  if (manifest.image_reader) wanted.push(['image_reader', manifest.image_reader]);
  if (manifest.lesion_map) wanted.push(['lesion_map', manifest.lesion_map]);
  if (manifest.mirror_check) wanted.push(['mirror_check', manifest.mirror_check]);
  if (manifest.similarity) wanted.push(['similarity_image', manifest.similarity.image], ['similarity_text', manifest.similarity.text]);
  const total = wanted.reduce((s, [, e]) => s + e.bytes, 0);
  // All files at once: from a cache (the service worker's offline copy) the time is latency, not bandwidth, so
  // one file after another would add up each file's round trip. Progress is the sum over the files.
  const loaded = new Map<string, number>();
  const report = (file?: string) =>
    onProgress?.({ stage: 'download', loaded: [...loaded.values()].reduce((a, b) => a + b, 0), total, ...(file ? { file } : {}) });
  for (const [, entry] of wanted) loaded.set(entry.path, 0);
  report(); // the download stage starts now, before the first bytes
  const files = {} as ModelFileBytes;
  let keptBytes = 0;
  const [tokenizerJson] = await Promise.all([
    source.fetchJson<unknown>(manifest.tokenizer),
    ...wanted.map(async ([key, entry]) => {
      const read = async (): Promise<Uint8Array> => {
        const kept = await source.readKept?.(entry);
        // A kept copy that fails the check (a changed file) is ignored: the fetch below gets it again or says why.
        const keptOk = kept
          ? await verifyFile(entry, kept).then(
              () => true,
              () => false,
            )
          : false;
        const bytes =
          kept && keptOk
            ? kept
            : await source.fetchBytes(entry.path, (n) => {
                loaded.set(entry.path, n);
                report(entry.path);
              });
        if (keptOk) keptBytes += bytes.length;
        else await verifyFile(entry, bytes);
        return bytes;
      };
      // decoder_static is optional: without it (offline, never fetched before) the engine steps through the decoder
      const bytes = key === 'decoder_static' ? await read().catch(() => undefined) : await read();
      if (bytes) files[key] = bytes;
      loaded.set(entry.path, entry.bytes);
      report(entry.path);
    }),
  ]);
  report();
  return { manifest, tokenizerJson, precision, files, downloadBytes: total, keptBytes };
}
