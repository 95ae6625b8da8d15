// Manifest images → model input, through src/image's one decode + preprocess path with quantise: true (the
// pixels the page and the corpus see). Keeps the [0,1] unit image so robustness perturbations can be applied
// before normalisation, and the geometry so grounding can map annotations into the patch grid.
import { readFile } from 'node:fs/promises';
import { decodeImageAsync, preprocess, type GreyImage, type Preprocessed } from '../../src/image';
import type { ModelManifest } from '../../src/engine/manifest';
import { imagePath, type ManifestRecord } from './manifest';

export interface LoadedImage {
  pixels: Float32Array; // [S*S] normalised
  unit: Float32Array; // [S*S] in [0,1], quantised to 1/255
  pre: Preprocessed;
  width: number; // stored image size
  height: number;
}

export class EvalImageError extends Error {
  override name = 'EvalImageError';
}

/** A manifest record's image, decoded to grey; errors name the record and the file. */
export async function decodeRecordImage(root: string, rec: ManifestRecord): Promise<GreyImage> {
  const file = imagePath(root, rec);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new EvalImageError(
      `${rec.id}: cannot read ${file} (${(err as Error).message}); check --root (the folder the manifest's image paths are relative to)`,
    );
  }
  try {
    return await decodeImageAsync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    if (err instanceof Error) err.message = `${rec.id} (${file}): ${err.message}`;
    throw err;
  }
}

export async function loadRecordImage(root: string, rec: ManifestRecord, pre: ModelManifest['preprocessing']): Promise<LoadedImage> {
  const img = await decodeRecordImage(root, rec);
  const p = preprocess(img, { size: pre.image_size, mean: pre.pixel_mean, std: pre.pixel_std, quantise: true });
  return { pixels: p.pixels, unit: p.unit, pre: p, width: img.width, height: img.height };
}

/** Normalised model input from a (perturbed) unit image, quantised like the corpus's uint8 pixels. */
export function unitToPixels(unit: Float32Array, pre: ModelManifest['preprocessing']): Float32Array {
  const out = new Float32Array(unit.length);
  for (let i = 0; i < unit.length; i++) out[i] = (Math.round(Math.min(1, Math.max(0, unit[i])) * 255) / 255 - pre.pixel_mean) / pre.pixel_std;
  return out;
}
