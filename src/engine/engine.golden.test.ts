// The engine through ONNX on the tiny random model: onnxruntime-web WASM and onnxruntime-node CPU give the
// same candidates; beam 1 equals a greedy argmax computed independently (no cache, whole sequence each
// step); the image prefix goes through the vision encoder and the decoder exactly once, and the token table
// through embed_tokens once per load.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { WordTokenizer } from '../text/tokenizer';
import { InThreadEngine } from './engine';
import type { ModelManifest } from './manifest';
import { createNodeEngine, loadOrtNode, nodeModelSource } from './node/nodeEngine';
import type { OrtRuntime, OrtTensor } from './sessions';
import { spyRuntime } from './testing/ortSpy';
import { ensureTinyModel } from './testing/tinyModel';
import type { ImageTensor, ReportResult } from './types';

let modelDir: string;
let manifest: ModelManifest;
let S: number;

/** A deterministic test image (normalised), different per seed. */
function image(seed: number): ImageTensor {
  return { data: Float32Array.from({ length: S * S }, (_, i) => Math.sin(i / (37 + seed)) * 1.5 + Math.cos(i * seed * 0.001)), size: S };
}

const plain = { repetition_penalty: 1, no_repeat_ngram: 0, min_length: 0, beta: 0 };

beforeAll(() => {
  modelDir = ensureTinyModel();
  manifest = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
  S = manifest.preprocessing.image_size;
});

async function reportsOn(device: 'wasm' | 'cpu', precision: 'fp32' | 'int8' | 'q4', settings: object[], seed = 1): Promise<ReportResult[]> {
  const engine = await createNodeEngine();
  await engine.load({ modelUrl: modelDir, device, precision });
  try {
    const out: ReportResult[] = [];
    for (const opts of settings) out.push(await engine.generate([image(seed)], opts));
    return out;
  } finally {
    await engine.dispose();
  }
}

describe('engine on the tiny model', () => {
  it('onnxruntime-web WASM and onnxruntime-node CPU give the same candidates (every precision)', async () => {
    for (const precision of ['fp32', 'int8', 'q4'] as const) {
      const settings = precision === 'fp32' ? [{ beam: 3 }, { beam: 1, ...plain }] : [{ beam: 3 }];
      const [web, node] = await Promise.all([reportsOn('wasm', precision, settings), reportsOn('cpu', precision, settings)]);
      web.forEach((w, i) => {
        expect(w.backend).toBe('wasm');
        expect(node[i].backend).toBe('cpu');
        expect(w.candidates.map((c) => c.tokenIds)).toEqual(node[i].candidates.map((c) => c.tokenIds));
        w.candidates.forEach((c, j) => expect(c.logp).toBeCloseTo(node[i].candidates[j].logp, 3));
        expect(w.report).toEqual(node[i].report);
      });
    }
  });

  it('beam 1 equals greedy argmax computed independently, without the cache', async () => {
    for (const seed of [1, 2]) {
      const [result] = await reportsOn('cpu', 'fp32', [{ beam: 1, ...plain }], seed);
      const greedy = await independentGreedy(await loadOrtNode(), image(seed));
      expect(result.candidates).toHaveLength(1);
      expect(result.candidates[0].tokenIds).toEqual(greedy);
    }
  });

  it('runs the vision encoder once and feeds the prefix to the decoder once (beam 3, two views)', async () => {
    const spy = spyRuntime(await loadOrtNode());
    const engine = new InThreadEngine({ runtimes: { cpu: spy.runtime }, sourceFor: nodeModelSource, autoOrder: ['cpu'] });
    await engine.load({ modelUrl: modelDir, precision: 'fp32' });
    const result = await engine.generate([image(1), image(2)], { beam: 3 });
    const N = manifest.architecture.n_image_tokens;
    const vision = spy.runs.filter((r) => r.kind === 'vision');
    const decoder = spy.runs.filter((r) => r.kind === 'decoder');
    expect(vision).toHaveLength(1);
    expect(vision[0].dims.pixel_values).toEqual([2, 1, S, S]);
    const { n_heads: H, head_dim: Dh } = manifest.architecture;
    expect(manifest.architecture.decoder_graph).toBe('fused-prefix'); // the exporter's default graph
    expect(decoder[0].dims.inputs_embeds).toEqual([1, N + 1, manifest.architecture.d_model]);
    expect(decoder[0].dims['past_key_values.0.key'][2]).toBe(0);
    expect(decoder[0].dims['prefix_key_values.0.key']).toEqual([1, H, 0, Dh]);
    for (const [step, d] of decoder.slice(1).entries()) {
      expect(d.dims.inputs_embeds[1]).toBe(1); // T = 1: never the prefix again
      expect(d.dims['prefix_key_values.1.value']).toEqual([1, H, N + 1, Dh]); // the first call's cache, one row for all
      expect(d.dims['past_key_values.0.key'][2]).toBe(step); // the report's own tokens only
    }
    const embeds = spy.runs.filter((r) => r.kind === 'embed'); // the token table, read once in one call
    expect(embeds).toHaveLength(1);
    expect(embeds[0].dims.input_ids).toEqual([manifest.architecture.vocab_size, 1]);
    const longest = Math.max(...result.candidates.map((c) => c.length));
    expect(decoder.length).toBeLessThanOrEqual(longest);
    // The report's decoder accounting matches the calls the session saw: one prefix row, then the rows of each step.
    const t = result.timings;
    expect(t.decoder.prefix_rows).toBe(1);
    expect(t.decoder.token_rows).toBe(decoder.slice(1).reduce((sum, d) => sum + d.dims.inputs_embeds[0], 0));
    expect(t.decoder.token_rows).toBeGreaterThan(decoder.length - 1); // beam 3: more than one row per step
    expect(t.decoder.run_ms).toBeGreaterThan(0);
    expect(t.decoder.run_ms).toBeLessThanOrEqual(t.decode_ms);
    expect(result.heatmap.views).toBe(2);
    expect(result.heatmap.values.length).toBe(result.tokens.length * 2 * N);
    const sentences = new Set(result.tokens.map((t) => t.sentence)).size;
    expect(result.sentenceHeatmaps.length).toBe(sentences * 2 * N);
    await engine.generate([image(3)], { beam: 3 });
    expect(spy.runs.filter((r) => r.kind === 'embed')).toHaveLength(1);
    await engine.dispose();
  });

  it('returns consistent candidates, tokens and streamed partials', async () => {
    const engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: modelDir });
    const partials: string[] = [];
    const stages: string[] = [];
    const r = await engine.generate(
      [image(3)],
      { beam: 4, beta: 5 },
      { onToken: (t) => partials.push(t), tokenIntervalMs: 0, onStage: (e) => stages.push(e.stage) },
    );
    expect(stages).toEqual(['encode', 'decode', 'rerank', 'done']);
    expect(partials.length).toBeGreaterThan(1);
    expect(r.candidates.filter((c) => c.chosen)).toHaveLength(1);
    expect(r.candidates[0].chosen).toBe(true);
    for (const c of r.candidates) {
      expect(c.score).toBeCloseTo(c.logp / c.length ** r.settings.alpha + 5 * c.similarity, 5);
      expect(c.length).toBeGreaterThanOrEqual(r.settings.min_length + 1);
      expect(c.length).toBeLessThanOrEqual(r.settings.max_length - 1);
    }
    const byLogp = [...r.candidates].sort((a, b) => b.lengthNormLogp - a.lengthNormLogp)[0];
    expect(r.rerankChangedChoice).toBe(byLogp !== r.candidates[0]);
    expect(partials[partials.length - 1]).toBe(byLogp.text); // the stream ends on the best beam, before the rerank
    const tok = new WordTokenizer(JSON.parse(readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')));
    expect(r.tokens.map((t) => t.text)).toEqual(r.candidates[0].tokenIds.filter((id) => id > 4).map((id) => tok.tokenOf(id)));
    for (const t of r.tokens) expect(Math.abs(t.grounding)).toBeLessThanOrEqual(1);
    expect(r.ood.threshold).toBe(manifest.ood.threshold);
    await engine.dispose();
  });

  it('decodes and preprocesses files itself and returns the views it used', async () => {
    const engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: modelDir });
    const W = 96;
    const H = 80;
    const grey = Uint8Array.from({ length: W * H }, (_, i) => (i * 7) % 256);
    const png = encodePng({ width: W, height: H, data: grey, channels: 1, depth: 8 });
    const r = await engine.generateFiles([{ name: 'chest.png', bytes: png.slice().buffer }], { beam: 2 });
    expect(r.views).toHaveLength(1);
    const v = r.views![0];
    expect([v.name, v.size, v.width, v.height, v.isColour]).toEqual(['chest.png', S, W, H, false]);
    expect(v.grey.length).toBe(S * S);
    expect(v.resizedWidth).toBe(S);
    expect(v.offsetY).toBe(Math.floor((S - v.resizedHeight) / 2));
    expect(r.report.text.length).toBeGreaterThan(0);
    await engine.dispose();
  });
});

/** Greedy decoding straight on the ONNX files: the whole sequence fed each step with an empty past. */
async function independentGreedy(ort: OrtRuntime, img: ImageTensor): Promise<number[]> {
  const a = manifest.architecture;
  const sp = manifest.special_ids;
  const file = (k: 'vision_encoder' | 'embed_tokens' | 'decoder_model_merged') =>
    ort.InferenceSession.create(readFileSync(path.join(modelDir, manifest.files.fp32!.vision_encoder.path.replace('vision_encoder', k))));
  const [vision, embed, decoder] = await Promise.all([file('vision_encoder'), file('embed_tokens'), file('decoder_model_merged')]);
  const get = async (t: OrtTensor) => (await t.getData()) as Float32Array;
  const prefix = await get((await vision.run({ pixel_values: new ort.Tensor('float32', img.data, [1, 1, S, S]) })).image_features);
  const tokenizerSize = new WordTokenizer(JSON.parse(readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8'))).vocabSize;
  const ids = [sp.bos];
  for (;;) {
    const emb = await get((await embed.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) })).inputs_embeds);
    const T = a.n_image_tokens + ids.length;
    const feeds: Record<string, OrtTensor> = {
      inputs_embeds: new ort.Tensor('float32', Float32Array.from([...prefix, ...emb]), [1, T, a.d_model]),
      beam_idx: new ort.Tensor('int64', BigInt64Array.from([0n]), [1]),
    };
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, a.n_heads, 0, a.head_dim]);
    for (let i = 0; i < a.n_layers; i++) {
      for (const kv of ['key', 'value']) {
        feeds[`past_key_values.${i}.${kv}`] = empty();
        if (decoder.inputNames.includes(`prefix_key_values.${i}.${kv}`)) feeds[`prefix_key_values.${i}.${kv}`] = empty();
      }
    }
    const logits = await get((await decoder.run(feeds)).logits); // [1,T,V]
    const last = logits.subarray((T - 1) * a.vocab_size, T * a.vocab_size);
    const banned = new Set([sp.pad, sp.bos, sp.unk, ...(ids.includes(sp.sep) ? [sp.sep] : [])]);
    let best = -1;
    for (let v = 0; v < tokenizerSize; v++) if (!banned.has(v) && (best < 0 || last[v] > last[best])) best = v;
    if (ids.length >= manifest.decoding.max_length - 1) best = sp.eos;
    ids.push(best);
    if (best === sp.eos) return ids.slice(1);
  }
}
