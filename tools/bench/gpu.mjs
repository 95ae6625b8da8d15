// Real-GPU timings on a lent GPU machine (recipe: ../shared/gpu/README.md): onnxruntime-node's native WebGPU
// execution provider (the same C++ provider as onnxruntime-web's webgpu build, here through Vulkan) against
// its CPU provider, on one model folder. Self-contained: only onnxruntime-node and sibling .mjs files, no tsx.
//   node scripts/bench/gpu.mjs --model DIR [--out FILE.json] [--runs N] [--precisions fp32,int8] [--steps N]
// Rows ("where": "gpu"): vision encoder ms, decoder ms per step at 1/3/5 rows (a beam of that width costs
// the same), the same without the KV cache, a fixed-length report estimate, session creation, and each
// provider's MatMul GFLOP/s. Argmax tokens of WebGPU are compared with CPU's (same_tokens_as_cpu).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeSteps, encodeImage, openRawModel, readModelManifest, releaseRawModel } from './greedy.mjs';
import { matmulFlops, matmulModel } from './matmulOnnx.mjs';

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}; usage: gpu.mjs --model DIR [--out FILE] [--runs N] [--precisions a,b] [--steps N]`);
    out[m[1]] = argv[++i];
  }
  if (!out.model) throw new Error('pass --model DIR (a model folder with manifest.json)');
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const p = (s.length - 1) * q;
  return s[Math.floor(p)] + (s[Math.ceil(p)] - s[Math.floor(p)]) * (p - Math.floor(p));
};
const spread = (prefix, xs) => ({ [`${prefix}_median`]: quantile(xs, 0.5), [`${prefix}_p10`]: quantile(xs, 0.1), [`${prefix}_p90`]: quantile(xs, 0.9) });

async function timeMatmul(ep, m, k, n, runs) {
  const session = await ort.InferenceSession.create(matmulModel(m, k, n), { executionProviders: [ep] });
  const a = new ort.Tensor('float32', Float32Array.from({ length: m * k }, (_, i) => Math.cos(i) * 0.1), [m, k]);
  const times = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    const out = await session.run({ A: a });
    await out.Y.getData();
    times.push(performance.now() - t);
  }
  await session.release();
  const ms = median(times.slice(2));
  return { where: 'gpu', backend: ep, m, k, n, ms_median: ms, gflops_median: matmulFlops(m, k, n) / (ms * 1e6) };
}

async function modelRows(ep, dir, precision, runs, steps, reference) {
  const m = await openRawModel(ort, dir, precision, { executionProviders: [ep], graphOptimizationLevel: 'all' });
  const S = m.manifest.preprocessing.image_size;
  const pixels = Float32Array.from({ length: S * S }, (_, i) => Math.sin(i / 97) * 1.2 + Math.cos(i / 13) * 0.3); // [S*S], normalised-looking
  const enc = [];
  let features;
  for (let i = 0; i < runs + 1; i++) {
    const r = await encodeImage(m, pixels);
    if (i > 0) enc.push(r.ms);
    features = r.features;
  }
  const rows = [];
  for (const [beam, cache] of [[1, true], [3, true], [5, true], [1, false]]) {
    await decodeSteps(m, features, { steps: 2, rows: beam, cache });
    const per = [];
    const first = [];
    let tokens;
    for (let i = 0; i < runs; i++) {
      const r = await decodeSteps(m, features, { steps, rows: beam, cache });
      per.push(r.msPerStep);
      first.push(r.firstMs);
      tokens = r.tokens;
    }
    const encMs = median(enc);
    const reports = per.map((p, i) => encMs + first[i] + steps * p);
    const key = `${precision}:${beam}:${cache}`;
    if (ep === 'cpu') reference.set(key, tokens);
    rows.push({
      where: 'gpu', backend: ep === 'webgpu' ? 'webgpu' : 'cpu', precision, beam, kv_cache: cache, runs,
      ...spread('encode_ms', enc), ...spread('decode_ms_per_token', per), ...spread('report_ms', reports),
      tokens_median: steps, session_ms: m.sessionMs,
      note: `fixed ${steps} argmax steps on ${beam} row(s)${cache ? '' : ', no KV cache (whole sequence each step)'}; report_ms = encode + prefix + steps × step`,
      ...(ep === 'webgpu' && reference.has(key) ? { same_tokens_as_cpu: reference.get(key).join() === tokens.join() } : {}),
    });
  }
  await releaseRawModel(m);
  return rows;
}

async function main() {
  const a = args(process.argv.slice(2));
  const dir = path.resolve(a.model);
  const manifest = readModelManifest(dir);
  const runs = Number(a.runs ?? 10);
  const steps = Number(a.steps ?? Math.floor(manifest.decoding.max_length / 2));
  const precisions = (a.precisions ?? Object.keys(manifest.files).join(',')).split(',');
  const result = { model: { id: manifest.id, version: manifest.version }, machine: `${os.cpus().length}× ${os.cpus()[0]?.model}`, rows: [], matmul: [], errors: [] };
  const reference = new Map();
  for (const ep of ['cpu', 'webgpu']) {
    for (const precision of precisions) {
      try {
        result.rows.push(...(await modelRows(ep, dir, precision, runs, steps, reference)));
        console.error(`${ep} ${precision}: done`);
      } catch (err) {
        result.errors.push(`${ep} ${precision}: ${err.message}`);
        console.error(`${ep} ${precision}: ${err.message}`);
      }
    }
    for (const [m, k, n] of [[1, 256, 1024], [512, 512, 512], [2048, 2048, 2048]]) {
      try {
        result.matmul.push(await timeMatmul(ep, m, k, n, runs));
      } catch (err) {
        result.errors.push(`${ep} matmul ${m}×${k}×${n}: ${err.message}`);
      }
    }
  }
  const out = path.resolve(a.out ?? path.join(process.env.OUT ?? '.', 'gpu-bench.json'));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
  console.error(`wrote ${out}`);
}

main().catch((err) => {
  console.error(`${err.name}: ${err.message}`);
  process.exit(1);
});
