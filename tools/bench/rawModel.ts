// Raw-session timing loops shared by the Node benchmark (tools/bench.ts) and the GPU benchmark (gpu.ts, bundled
// for the GPU machine by `npm run build:gpu-bench`). Given onnxruntime (node or web) and a model folder: the vision
// encoder on one image, and B decoder rows advanced in lockstep by argmax for a fixed number of steps through the
// engine's KvDecoder — with the key/value cache (one new token per call) or without it (the whole sequence re-run
// with an empty past each step, to show what the cache saves). B rows cost what a beam of B costs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as OrtCommon from 'onnxruntime-common';
import { embedTokens, KvDecoder } from '../../src/engine/kvDecoder';
import type { ModelFileKey, ModelManifest, Precision } from '../../src/engine/manifest';
import modelIO from '../../src/engine/modelIO.json' with { type: 'json' };
import type { OrtRuntime, Session } from '../../src/engine/sessions';

export interface RawModel {
  ort: OrtRuntime;
  manifest: ModelManifest;
  vision: Session;
  embed: Session;
  decoder: Session;
  sessionMs: number;
  bytes: number;
}

export function readModelManifest(dir: string): ModelManifest {
  return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
}

/** Sessions for one precision; sessionOptions e.g. { executionProviders: ['cpu'] }. */
export async function openRawModel(
  ort: OrtRuntime,
  dir: string,
  precision: Precision,
  sessionOptions: OrtCommon.InferenceSession.SessionOptions,
): Promise<RawModel> {
  const manifest = readModelManifest(dir);
  const files = manifest.files[precision];
  if (!files) throw new Error(`${dir}/manifest.json has no ${precision} files; choose one of ${Object.keys(manifest.files).join(', ')}`);
  const t0 = performance.now();
  const open = (key: ModelFileKey) => ort.InferenceSession.create(new Uint8Array(readFileSync(path.join(dir, files[key].path))), sessionOptions);
  const vision = await open('vision_encoder');
  const embed = await open('embed_tokens');
  const decoder = await open('decoder_model_merged');
  const bytes = Object.values(files).reduce((s, f) => s + f.bytes, 0);
  return { ort, manifest, vision, embed, decoder, sessionMs: performance.now() - t0, bytes };
}

export async function releaseRawModel(m: RawModel): Promise<void> {
  await Promise.all([m.vision.release(), m.embed.release(), m.decoder.release()]);
}

/** Vision encoder on [B,1,S,S] pixels → { features [N*D] of image 0, ms }. */
export async function encodeImage(m: RawModel, pixels: Float32Array, batch = 1): Promise<{ features: Float32Array; ms: number }> {
  const S = m.manifest.preprocessing.image_size;
  const data = new Float32Array(batch * S * S);
  for (let b = 0; b < batch; b++) data.set(pixels, b * S * S);
  const t0 = performance.now();
  const out = await m.vision.run({ [modelIO.vision.inputs.pixels]: new m.ort.Tensor('float32', data, [batch, 1, S, S]) });
  const features = ((await out[modelIO.vision.outputs.imageTokens].getData()) as Float32Array).slice(
    0,
    m.manifest.architecture.n_image_tokens * m.manifest.architecture.d_model,
  );
  const ms = performance.now() - t0;
  for (const t of Object.values(out)) t.dispose();
  return { features, ms };
}

/** Argmax of each row's last position of [B,T,V] logits. */
function argmaxRows(logits: Float32Array, B: number, T: number, V: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const base = (b * T + T - 1) * V;
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[base + v] > logits[base + best]) best = v;
    out.push(best);
  }
  return out;
}

/** [B, N+t, D]: the image features then each row's token embeddings [B, t, D]. */
function prefixRows(features: Float32Array, text: Float32Array, rows: number, t: number, D: number): Float32Array {
  const N = features.length / D;
  const T = N + t;
  const embeds = new Float32Array(rows * T * D);
  for (let b = 0; b < rows; b++) {
    embeds.set(features, b * T * D);
    embeds.set(text.subarray(b * t * D, (b + 1) * t * D), (b * T + N) * D);
  }
  return embeds;
}

/**
 * `rows` decoder rows from the image prefix, `steps` argmax tokens each (EOS not special: a fixed amount of
 * work). Returns the tokens of row 0, the first call's ms (prefix) and the mean ms per later step.
 */
export async function decodeSteps(
  m: RawModel,
  features: Float32Array,
  { steps, rows = 1, cache = true }: { steps: number; rows?: number; cache?: boolean },
): Promise<{ tokens: number[]; firstMs: number; msPerStep: number }> {
  const { d_model: D, vocab_size: V } = m.manifest.architecture;
  const N = features.length / D;
  const seqs = Array.from({ length: rows }, () => [m.manifest.special_ids.bos]);
  const lockstep = Array.from({ length: rows }, (_, b) => b);
  const kv = new KvDecoder(m.ort, m.decoder, m.manifest.architecture);
  let firstMs = 0;
  let laterMs = 0;
  try {
    for (let s = 0; s <= steps; s++) {
      const t0 = performance.now();
      let out: Awaited<ReturnType<KvDecoder['start']>>;
      let T: number;
      // As the engine searches: with the cache, one row reads the prefix and every row continues from it.
      const called = s === 0 && cache ? 1 : rows;
      if (s === 0 || !cache) {
        const t = seqs[0].length;
        T = N + t;
        const text = await embedTokens(m.ort, m.embed, seqs.slice(0, called)); // [B, t, D]
        out = await kv.start(prefixRows(features, text, called, t, D), [called, T, D]);
      } else {
        T = 1;
        const embeds = await embedTokens(
          m.ort,
          m.embed,
          seqs.map((q) => [q[q.length - 1]]),
        );
        out = await kv.step(embeds, [rows, 1, D], s === 1 ? lockstep.map(() => 0) : lockstep);
      }
      const logits = (await out.logits.getData()) as Float32Array;
      if (s < steps) {
        const next = argmaxRows(logits, called, T, V);
        seqs.forEach((q, b) => q.push(next[called === 1 ? 0 : b]));
      }
      out.logits.dispose();
      out.textEmbeds.dispose();
      const ms = performance.now() - t0;
      if (s === 0) firstMs = ms;
      else laterMs += ms;
    }
  } finally {
    kv.dispose();
  }
  return { tokens: seqs[0].slice(1), firstMs, msPerStep: steps > 0 ? laterMs / steps : 0 };
}
