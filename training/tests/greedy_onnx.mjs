// Test harness: greedy decoding of a model folder with onnxruntime-node, driving the three ONNX files the way the
// engine does (prefix + BOS with an empty past, then one token per call through the KV cache and beam_idx).
// `node greedy_onnx.mjs request.json response.json`; request {dir, precision, pixels: {dims, b64} f32 [n,1,S,S],
// maxLen}; response {ids: number[][]} (without BOS, up to and excluding EOS).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const io = JSON.parse(readFileSync(path.join(repo, 'src/engine/modelIO.json'), 'utf8'));

const [requestPath, responsePath] = process.argv.slice(2);
const req = JSON.parse(readFileSync(requestPath, 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(req.dir, 'manifest.json'), 'utf8'));
const files = manifest.files[req.precision];
const open = (key) => ort.InferenceSession.create(path.join(req.dir, files[key].path), { intraOpNumThreads: 1 });
const [vision, embed, decoder] = await Promise.all(['vision_encoder', 'embed_tokens', 'decoder_model_merged'].map(open));
const { n_layers: L, n_heads: H, head_dim: Dh } = manifest.architecture;
const { bos, eos } = manifest.special_ids;
const d = io.decoder;
const pastName = (i, kv) => (kv === 'key' ? d.inputs.pastKey : d.inputs.pastValue).replace('{i}', i);
const presentName = (i, kv) => (kv === 'key' ? d.outputs.presentKey : d.outputs.presentValue).replace('{i}', i);

const buf = Buffer.from(req.pixels.b64, 'base64');
const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
const [n, , S] = req.pixels.dims;
const embedIds = async (ids) => {
  const t = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
  return (await embed.run({ [io.embed.inputs.ids]: t }))[io.embed.outputs.embeds];
};
const results = [];
for (let i = 0; i < n; i++) {
  const px = new ort.Tensor('float32', all.slice(i * S * S, (i + 1) * S * S), [1, 1, S, S]);
  const img = (await vision.run({ [io.vision.inputs.pixels]: px }))[io.vision.outputs.imageTokens];
  const bosEmb = await embedIds([bos]);
  const [, N, D] = img.dims;
  const prefix = new Float32Array((N + 1) * D);
  prefix.set(img.data);
  prefix.set(bosEmb.data, N * D);
  let feeds = { [d.inputs.embeds]: new ort.Tensor('float32', prefix, [1, N + 1, D]),
    [d.inputs.beamIdx]: new ort.Tensor('int64', BigInt64Array.from([0n]), [1]) };
  for (let l = 0; l < L; l++) for (const kv of ['key', 'value']) {
    feeds[pastName(l, kv)] = new ort.Tensor('float32', new Float32Array(0), [1, H, 0, Dh]);
  }
  const ids = [];
  for (let step = 0; step < req.maxLen - 1; step++) {
    const out = await decoder.run(feeds);
    const logits = out[d.outputs.logits];
    const V = logits.dims[2];
    const last = logits.data.subarray(logits.data.length - V);
    let best = 0;
    for (let v = 1; v < V; v++) if (last[v] > last[best]) best = v;
    if (best === eos) break;
    ids.push(best);
    feeds = { [d.inputs.embeds]: await embedIds([best]),
      [d.inputs.beamIdx]: new ort.Tensor('int64', BigInt64Array.from([0n]), [1]) };
    for (let l = 0; l < L; l++) for (const kv of ['key', 'value']) feeds[pastName(l, kv)] = out[presentName(l, kv)];
  }
  results.push(ids);
}
writeFileSync(responsePath, JSON.stringify({ ids: results }));
