// Node rows of the benchmark: the engine (as the evaluation and report CLI run it) on onnxruntime-web WASM and
// onnxruntime-node CPU, every precision the model has, beams 1/3/5; the same decoder with and without the
// key/value cache (rawModel.ts, through the engine's KvDecoder); and each runtime's plain MatMul throughput for the roofline.
import type { ModelManifest, Precision } from '../../src/engine/manifest';
import { createNodeEngine, loadOrtNode, loadOrtWeb, type NodeBackend } from '../../src/engine/node/nodeEngine';
import { UNFOLDED_INT8 } from '../../src/engine/sessions';
import type { ReportResult } from '../../src/engine/types';
import { decodeSteps, encodeImage, openRawModel, releaseRawModel } from './rawModel';
import { matmulFlops, matmulModel } from '../../src/engine/matmulModel';
import { decoderFields, spreadFields, type BenchRow, type MatmulRow } from './rows';
import { spread } from './stats';
import { plainBeamOf } from '../../src/engine/settings';

export interface NodeBenchOptions {
  modelDir: string;
  manifest: ModelManifest;
  pixels: Float32Array; // one preprocessed view
  runs: number;
  beams: number[];
  backends: NodeBackend[];
  precisions: Precision[];
  threads: number; // onnxruntime-node intra-op threads (WASM in Node is single-threaded)
  log: (line: string) => void;
}

const mb = (bytes: number): number => bytes / (1024 * 1024);

/** Decoder steps of a report: the longest candidate (+1 for the EOS step when it stopped early). */
export function decoderSteps(r: ReportResult): number {
  const longest = Math.max(...r.candidates.map((c) => c.tokenIds.length));
  return Math.min(longest + 1, r.settings.max_length);
}

export async function engineRows(o: NodeBenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const backend of o.backends) {
    for (const precision of o.precisions) rows.push(...(await engineRowsFor(o, backend, precision, o.beams)));
    if (o.precisions.includes('int8')) rows.push(...(await engineRowsFor(o, backend, 'int8', [plainBeamOf(o.manifest.decoding).beam!], UNFOLDED_INT8)));
  }
  return rows;
}

async function engineRowsFor(o: NodeBenchOptions, backend: NodeBackend, precision: Precision, beams: number[], variant?: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const S = o.manifest.preprocessing.image_size;
  const engine = await createNodeEngine({ backends: [backend] });
  const info = await engine.load({
    modelUrl: o.modelDir,
    device: backend,
    precision,
    numThreads: backend === 'cpu' ? o.threads : 1,
    ...(variant === UNFOLDED_INT8 ? { foldQuantizedWeights: false } : {}),
  });
  const run = async (beam: number) => {
    const t = performance.now();
    const r = await engine.generate([{ data: o.pixels.slice(), size: S, view: 'frontal' }], { beam, groups: 1, diversity_penalty: 0, samples: 0 }); // plain beam search
    return { r, wall: performance.now() - t };
  };
  const cold = await run(plainBeamOf(o.manifest.decoding).beam!);
  const warm = await run(plainBeamOf(o.manifest.decoding).beam!);
  for (const beam of beams) {
    await run(beam); // warm-up at this beam
    const samples = [];
    for (let i = 0; i < o.runs; i++) samples.push(await run(beam));
    const steps = samples.map((s) => decoderSteps(s.r));
    rows.push({
      where: 'node',
      backend,
      precision,
      beam,
      search: 'plain',
      ...(variant ? { variant } : {}),
      kv_cache: true,
      runs: o.runs,
      ...spreadFields('encode_ms', spread(samples.map((s) => s.r.timings.encode_ms))),
      ...spreadFields('decode_ms_per_token', spread(samples.map((s, i) => s.r.timings.decode_ms / steps[i]))),
      ...spreadFields('report_ms', spread(samples.map((s) => s.wall))),
      tokens_median: spread(steps).median,
      ...decoderFields(samples.map((s) => s.r.timings.decoder)),
      session_ms: info.sessionMs,
      first_report_cold_ms: cold.wall,
      first_report_warm_ms: warm.wall,
      memory_mb: mb(process.memoryUsage().rss),
      peak_memory_mb: process.resourceUsage().maxRSS / 1024,
      memory_kind: 'process RSS',
    } as BenchRow);
    o.log(`node ${backend} ${precision}${variant ? ` (${variant})` : ''} beam ${beam}: report ${rows[rows.length - 1].report_ms_median.toFixed(0)} ms`);
  }
  await engine.dispose();
  return rows;
}

const runtimeFor = (backend: NodeBackend) => (backend === 'cpu' ? loadOrtNode() : loadOrtWeb());

/** Greedy decoding with and without the KV cache, same tokens, fp32 (beam 1). */
export async function cacheRows(o: NodeBenchOptions, steps: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const backend of o.backends) {
    const ort = await runtimeFor(backend);
    if (backend === 'wasm') ort.env.wasm.numThreads = 1;
    const precision = o.precisions.includes('fp32') ? 'fp32' : o.precisions[0];
    const m = await openRawModel(ort, o.modelDir, precision, { executionProviders: [backend], intraOpNumThreads: o.threads, graphOptimizationLevel: 'all' });
    const { features } = await encodeImage(m, o.pixels);
    const tokens: Record<string, number[]> = {};
    for (const cache of [true, false]) {
      await decodeSteps(m, features, { steps: 2, cache });
      const per: number[] = [];
      for (let i = 0; i < Math.max(1, Math.ceil(o.runs / 2)); i++) {
        const r = await decodeSteps(m, features, { steps, cache });
        per.push(r.msPerStep);
        tokens[String(cache)] = r.tokens;
      }
      const s = spread(per);
      rows.push({
        where: 'node',
        backend,
        precision,
        beam: 1,
        kv_cache: cache,
        runs: per.length,
        encode_ms_median: NaN,
        encode_ms_p10: NaN,
        encode_ms_p90: NaN,
        ...spreadFields('decode_ms_per_token', s),
        report_ms_median: NaN,
        report_ms_p10: NaN,
        report_ms_p90: NaN,
        tokens_median: steps,
        note: cache ? `greedy, ${steps} steps, cache (one token per call)` : `greedy, ${steps} steps, no cache (whole sequence each step, empty past)`,
      } as BenchRow);
    }
    if (tokens.true.join() !== tokens.false.join())
      throw new Error(`${backend}: decoding without the cache gave different tokens; the decoder's past handling is broken`);
    rows[rows.length - 1].same_report_as = 'kv_cache=true';
    await releaseRawModel(m);
    o.log(
      `node ${backend} kv cache: ${rows[rows.length - 2].decode_ms_per_token_median.toFixed(2)} vs ` +
        `${rows[rows.length - 1].decode_ms_per_token_median.toFixed(2)} ms/token`,
    );
  }
  return rows;
}

/** Plain MatMul throughput of each runtime at the given shapes (same thread settings as the model rows). */
export async function matmulRows(o: NodeBenchOptions, shapes: [number, number, number][]): Promise<MatmulRow[]> {
  const rows: MatmulRow[] = [];
  for (const backend of o.backends) {
    const ort = await runtimeFor(backend);
    for (const [m, k, n] of shapes) {
      const session = await ort.InferenceSession.create(matmulModel(m, k, n), { executionProviders: [backend], intraOpNumThreads: o.threads });
      const a = new ort.Tensor(
        'float32',
        Float32Array.from({ length: m * k }, (_, i) => Math.cos(i) * 0.1),
        [m, k],
      );
      const times: number[] = [];
      for (let i = 0; i < o.runs + 2; i++) {
        const t = performance.now();
        const out = await session.run({ A: a });
        times.push(performance.now() - t);
        out.Y.dispose();
      }
      const ms = spread(times.slice(2)).median;
      rows.push({ where: 'node', backend, m, k, n, ms_median: ms, gflops_median: matmulFlops(m, k, n) / (ms * 1e6) });
      await session.release();
    }
  }
  return rows;
}
