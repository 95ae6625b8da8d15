// Pooled image embeddings (the vision encoder's image_embeds, the shared-space p_img) for retrieval and the
// linear probe: a vision-only ONNX session run in batches, and an on-disk cache under out/ keyed by the
// vision file's sha256, the preprocessing and the image ids, so the training split is embedded once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import modelIO from '../../src/engine/modelIO.json' with { type: 'json' };
import type { ModelManifest, Precision } from '../../src/engine/manifest';
import { loadOrtNode, loadOrtWeb } from '../../src/engine/node/nodeEngine';
import type { OrtRuntime, Session } from '../../src/engine/sessions';

export class VisionEmbedder {
  private constructor(
    private readonly ort: OrtRuntime,
    private readonly session: Session,
    readonly size: number,
    readonly visionSha: string,
  ) {}

  static async open(modelDir: string, manifest: ModelManifest, precision: Precision, backend: 'cpu' | 'wasm'): Promise<VisionEmbedder> {
    const entry = manifest.files[precision]?.vision_encoder;
    if (!entry) throw new RangeError(`${modelDir}/manifest.json lists no ${precision} vision encoder; pick a precision it has`);
    const ort = backend === 'cpu' ? await loadOrtNode() : await loadOrtWeb();
    const bytes = await readFile(path.join(modelDir, entry.path));
    const session = await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: [backend], graphOptimizationLevel: 'all' });
    return new VisionEmbedder(ort, session, manifest.preprocessing.image_size, entry.sha256);
  }

  /** image_embeds [E] for each normalised image [S*S], in batches of `batch`. */
  async embed(images: readonly Float32Array[], batch = 32): Promise<Float32Array[]> {
    const S = this.size;
    const out: Float32Array[] = [];
    for (let i = 0; i < images.length; i += batch) {
      const chunk = images.slice(i, i + batch);
      const pixels = new Float32Array(chunk.length * S * S); // [B,1,S,S]
      chunk.forEach((im, b) => pixels.set(im, b * S * S));
      const result = await this.session.run({ [modelIO.vision.inputs.pixels]: new this.ort.Tensor('float32', pixels, [chunk.length, 1, S, S]) });
      const embeds = (await result[modelIO.vision.outputs.imageEmbed].getData()) as Float32Array; // [B,E]
      const E = embeds.length / chunk.length;
      for (let b = 0; b < chunk.length; b++) out.push(embeds.slice(b * E, (b + 1) * E));
      for (const t of Object.values(result)) t.dispose();
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export interface EmbeddingCacheKey {
  modelId: string;
  visionSha: string;
  preprocessing: ModelManifest['preprocessing'];
  ids: readonly string[];
}

function cacheFile(dir: string, key: EmbeddingCacheKey): string {
  const hash = createHash('sha256')
    .update(JSON.stringify({ ...key, ids: key.ids.join('\n') }))
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `embeds-${key.modelId}-${hash}.f32`);
}

/** Cached embeddings [ids.length][E] or null. File: raw float32 rows. */
export function readEmbeddingCache(dir: string, key: EmbeddingCacheKey): Float32Array[] | null {
  const file = cacheFile(dir, key);
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const E = all.length / Math.max(1, key.ids.length);
  if (!Number.isInteger(E) || E === 0) return null;
  return key.ids.map((_, i) => all.slice(i * E, (i + 1) * E));
}

export function writeEmbeddingCache(dir: string, key: EmbeddingCacheKey, rows: readonly Float32Array[]): string {
  mkdirSync(dir, { recursive: true });
  const E = rows[0]?.length ?? 0;
  const all = new Float32Array(rows.length * E);
  rows.forEach((r, i) => all.set(r, i * E));
  const file = cacheFile(dir, key);
  writeFileSync(file, new Uint8Array(all.buffer));
  return file;
}
