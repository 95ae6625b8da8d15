// Real-GPU timings on a lent GPU machine (recipe: ../shared/gpu/README.md): onnxruntime-node's native WebGPU
// execution provider (the same C++ provider as onnxruntime-web's webgpu build, here through Vulkan) against
// its CPU provider, on one model folder. The GPU machine has plain node and onnxruntime-node, no tsx: run the
// bundle `npm run build:gpu-bench` writes (.gpu/gpu-bench.mjs, this file with the engine's decoder driver inlined):
//   node gpu-bench.mjs --model DIR [--out FILE.json] [--runs N] [--precisions fp32,int8] [--steps N]
// Rows ("where": "gpu"): vision encoder ms, decoder ms per step at 1/3/5 rows (a beam of that width costs
// the same), the same without the KV cache, a fixed-length report estimate, session creation, and each
// provider's MatMul GFLOP/s. Argmax tokens of WebGPU are compared with CPU's (same_tokens_as_cpu).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { matmulFlops, matmulModel } from '../../src/engine/matmulModel';
import type { Precision } from '../../src/engine/manifest';
import type { OrtRuntime } from '../../src/engine/sessions';
import { parseFlags, usage, UsageError, type FlagSpec } from '../cli/flags';
import { runMain } from '../cli/main';
import { decodeSteps, encodeImage, openRawModel, readModelManifest, releaseRawModel } from './rawModel';
import { spreadFields, type BenchRow, type MatmulRow } from './rows';
import { spread as spreadOf } from './stats';

const FLAGS = {
  model: { type: 'string', help: 'model folder with manifest.json (required)' },
  out: { type: 'string', help: 'results JSON (default $OUT/gpu-bench.json)' },
  runs: { type: 'number', help: 'timed runs per row (default 10)' },
  precisions: { type: 'list', help: 'precisions (default: every one the manifest lists)', choices: ['fp32', 'int8', 'q4'] },
  steps: { type: 'number', help: 'argmax steps per report (default max_length/2)' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'node gpu-bench.mjs --model DIR [flags]';
type Provider = 'cpu' | 'webgpu';

/** The upper middle value (what the GPU rows have always used for encode and MatMul ms). */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (prefix: 'encode_ms' | 'decode_ms_per_token' | 'report_ms', xs: number[]) => spreadFields(prefix, spreadOf(xs));

async function timeMatmul(ep: Provider, m: number, k: number, n: number, runs: number): Promise<MatmulRow> {
  const session = await ort.InferenceSession.create(matmulModel(m, k, n), { executionProviders: [ep] });
  const a = new ort.Tensor(
    'float32',
    Float32Array.from({ length: m * k }, (_, i) => Math.cos(i) * 0.1),
    [m, k],
  );
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

async function modelRows(ep: Provider, dir: string, precision: Precision, runs: number, steps: number, reference: Map<string, number[]>): Promise<BenchRow[]> {
  const m = await openRawModel(ort as unknown as OrtRuntime, dir, precision, { executionProviders: [ep], graphOptimizationLevel: 'all' });
  const S = m.manifest.preprocessing.image_size;
  const pixels = Float32Array.from({ length: S * S }, (_, i) => Math.sin(i / 97) * 1.2 + Math.cos(i / 13) * 0.3); // [S*S], normalised-looking
  const enc: number[] = [];
  let features: Float32Array = new Float32Array(0);
  for (let i = 0; i < runs + 1; i++) {
    const r = await encodeImage(m, pixels);
    if (i > 0) enc.push(r.ms);
    features = r.features;
  }
  const rows: BenchRow[] = [];
  const searches: [number, boolean][] = [
    [1, true],
    [3, true],
    [5, true],
    [1, false],
  ];
  for (const [beam, cache] of searches) {
    await decodeSteps(m, features, { steps: 2, rows: beam, cache });
    const per: number[] = [];
    const first: number[] = [];
    let tokens: number[] = [];
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
      where: 'gpu',
      backend: ep === 'webgpu' ? 'webgpu' : 'cpu',
      precision,
      beam,
      kv_cache: cache,
      runs,
      ...spread('encode_ms', enc),
      ...spread('decode_ms_per_token', per),
      ...spread('report_ms', reports),
      tokens_median: steps,
      session_ms: m.sessionMs,
      note:
        `fixed ${steps} argmax steps on ${beam} row(s)${cache ? '' : ', no KV cache (whole sequence each step)'}; report_ms = encode + prefix + ` +
        `steps × step`,
      ...(ep === 'webgpu' && reference.has(key) ? { same_tokens_as_cpu: reference.get(key)?.join() === tokens.join() } : {}),
    });
  }
  await releaseRawModel(m);
  return rows;
}

async function main(argv: string[]): Promise<void> {
  const a = parseFlags(argv, FLAGS, COMMAND);
  if (!a.model) throw new UsageError(`pass --model DIR (a model folder with manifest.json)\n${usage(COMMAND, FLAGS)}`);
  const dir = path.resolve(a.model);
  const manifest = readModelManifest(dir);
  const runs = a.runs ?? 10;
  const steps = a.steps ?? Math.floor(manifest.decoding.max_length / 2);
  const precisions = a.precisions ?? (Object.keys(manifest.files) as Precision[]);
  const result = {
    model: { id: manifest.id, version: manifest.version },
    machine: `${os.cpus().length}× ${os.cpus()[0]?.model}`,
    rows: [] as BenchRow[],
    matmul: [] as MatmulRow[],
    errors: [] as string[],
  };
  const reference = new Map<string, number[]>();
  const providers: Provider[] = ['cpu', 'webgpu'];
  for (const ep of providers) {
    for (const precision of precisions) {
      try {
        result.rows.push(...(await modelRows(ep, dir, precision, runs, steps, reference)));
        console.error(`${ep} ${precision}: done`);
      } catch (err) {
        result.errors.push(`${ep} ${precision}: ${(err as Error).message}`);
        console.error(`${ep} ${precision}: ${(err as Error).message}`);
      }
    }
    for (const [m, k, n] of [
      [1, 256, 1024],
      [512, 512, 512],
      [2048, 2048, 2048],
    ]) {
      try {
        result.matmul.push(await timeMatmul(ep, m, k, n, runs));
      } catch (err) {
        result.errors.push(`${ep} matmul ${m}×${k}×${n}: ${(err as Error).message}`);
      }
    }
  }
  const out = path.resolve(a.out ?? path.join(process.env.OUT ?? '.', 'gpu-bench.json'));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
  console.error(`wrote ${out}`);
}

runMain(import.meta.url, main);
