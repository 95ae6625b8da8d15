// Raw-session timing loops shared by the Node benchmark (tools/bench.ts) and the GPU script (gpu.mjs), in
// plain JS so the GPU machine runs them without tsx. Given onnxruntime (node or web) and a model folder:
// the vision encoder on one image, and B decoder rows advanced in lockstep by argmax for a fixed number of
// steps — with the key/value cache (one new token per call) or without it (the whole sequence re-run through
// the decoder with an empty past each step, to show what the cache saves). B rows cost what a beam of B costs.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const MODEL_IO = JSON.parse(readFileSync(new URL('../../src/engine/modelIO.json', import.meta.url), 'utf8'));

export function readModelManifest(dir) {
  return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
}

/** Sessions for one precision; sessionOptions e.g. { executionProviders: ['cpu'] }. */
export async function openRawModel(ort, dir, precision, sessionOptions) {
  const manifest = readModelManifest(dir);
  const files = manifest.files[precision];
  if (!files) throw new Error(`${dir}/manifest.json has no ${precision} files`);
  const t0 = performance.now();
  const open = (key) => ort.InferenceSession.create(new Uint8Array(readFileSync(path.join(dir, files[key].path))), sessionOptions);
  const vision = await open('vision_encoder');
  const embed = await open('embed_tokens');
  const decoder = await open('decoder_model_merged');
  const bytes = Object.values(files).reduce((s, f) => s + f.bytes, 0);
  return { ort, manifest, vision, embed, decoder, sessionMs: performance.now() - t0, bytes };
}

export async function releaseRawModel(m) {
  await Promise.all([m.vision.release(), m.embed.release(), m.decoder.release()]);
}

/** Vision encoder on [B,1,S,S] pixels → { features [N*D] of image 0, ms }. */
export async function encodeImage(m, pixels, batch = 1) {
  const S = m.manifest.preprocessing.image_size;
  const data = new Float32Array(batch * S * S);
  for (let b = 0; b < batch; b++) data.set(pixels, b * S * S);
  const t0 = performance.now();
  const out = await m.vision.run({ [MODEL_IO.vision.inputs.pixels]: new m.ort.Tensor('float32', data, [batch, 1, S, S]) });
  const features = (await out[MODEL_IO.vision.outputs.imageTokens].getData()).slice(0, m.manifest.architecture.n_image_tokens * m.manifest.architecture.d_model);
  const ms = performance.now() - t0;
  for (const t of Object.values(out)) t.dispose();
  return { features, ms };
}

async function embedIds(m, ids) {
  const out = await m.embed.run({ [MODEL_IO.embed.inputs.ids]: new m.ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [ids.length, ids[0].length]) });
  const e = (await out[MODEL_IO.embed.outputs.embeds].getData()).slice();
  for (const t of Object.values(out)) t.dispose();
  return e; // [B,T,D]
}

function names(L) {
  const layer = (p) => Array.from({ length: L }, (_, i) => p.replace('{i}', String(i)));
  const { inputs, outputs } = MODEL_IO.decoder;
  return { inputs, outputs, pastKeys: layer(inputs.pastKey), pastValues: layer(inputs.pastValue), presentKeys: layer(outputs.presentKey), presentValues: layer(outputs.presentValue) };
}

function argmaxRows(logits, B, T, V) {
  const out = [];
  for (let b = 0; b < B; b++) {
    const base = (b * T + T - 1) * V;
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[base + v] > logits[base + best]) best = v;
    out.push(best);
  }
  return out;
}

/**
 * `rows` decoder rows from the image prefix, `steps` argmax tokens each (EOS not special: a fixed amount of
 * work). Returns the tokens of row 0, the first call's ms (prefix) and the mean ms per later step.
 */
export async function decodeSteps(m, features, { steps, rows = 1, cache = true }) {
  const { d_model: D, n_heads: H, head_dim: Dh, n_layers: L, vocab_size: V } = m.manifest.architecture;
  const n = names(L);
  const N = features.length / D;
  const bos = m.manifest.special_ids.bos;
  const emptyPast = (B) => Object.fromEntries([...n.pastKeys, ...n.pastValues].map((k) => [k, new m.ort.Tensor('float32', new Float32Array(0), [B, H, 0, Dh])]));
  const seqs = Array.from({ length: rows }, () => [bos]);
  let past = null;
  let firstMs = 0;
  let laterMs = 0;
  for (let s = 0; s <= steps; s++) {
    const t0 = performance.now();
    let feeds;
    let T;
    if (s === 0 || !cache) {
      const text = await embedIds(m, seqs); // [B, t, D]
      T = N + seqs[0].length;
      const embeds = new Float32Array(rows * T * D); // [B, N+t, D]
      for (let b = 0; b < rows; b++) {
        embeds.set(features, b * T * D);
        embeds.set(text.subarray(b * seqs[0].length * D, (b + 1) * seqs[0].length * D), (b * T + N) * D);
      }
      feeds = { [n.inputs.embeds]: new m.ort.Tensor('float32', embeds, [rows, T, D]), ...emptyPast(rows) };
      feeds[n.inputs.beamIdx] = new m.ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, b) => BigInt(b)), [rows]);
    } else {
      T = 1;
      const embeds = await embedIds(m, seqs.map((q) => [q[q.length - 1]]));
      feeds = { [n.inputs.embeds]: new m.ort.Tensor('float32', embeds, [rows, 1, D]) };
      feeds[n.inputs.beamIdx] = new m.ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, b) => BigInt(b)), [rows]);
      n.pastKeys.forEach((k, i) => (feeds[k] = past[n.presentKeys[i]]));
      n.pastValues.forEach((k, i) => (feeds[k] = past[n.presentValues[i]]));
    }
    const out = await m.decoder.run(feeds);
    const logits = await out[n.outputs.logits].getData();
    if (s < steps) argmaxRows(logits, rows, T, V).forEach((tok, b) => seqs[b].push(tok));
    if (past) for (const k of [...n.presentKeys, ...n.presentValues]) past[k].dispose();
    past = out;
    out[n.outputs.logits].dispose();
    out[n.outputs.textEmbeds].dispose();
    const ms = performance.now() - t0;
    if (s === 0) firstMs = ms;
    else laterMs += ms;
  }
  if (past) for (const k of [...n.presentKeys, ...n.presentValues]) past[k].dispose();
  return { tokens: seqs[0].slice(1), firstMs, msPerStep: steps > 0 ? laterMs / steps : 0 };
}
