// diagnostics.html?bench=MODEL_FOLDER_URL&image=URL[&runs=N&beams=1,3,5&precisions=fp32,int8&devices=wasm,webgpu
//   &webgpu_precision=int8&fold=0&auto=int8&threads=N]:
// times the page's own worker engine (the path a person's report takes) per device and precision — session
// creation, first report cold and warm, 15 settling reports, a warm-up per beam, N timed reports per beam (the beams
// taking turns) — plus the runtime's plain MatMul throughput (&matmul=[[M,K,N],…]), and prints JSON rows for
// tools/bench.ts (Playwright) to collect; it samples the browser's memory from outside, one page load per
// device/precision. WebGPU rows are marked correctness_only (headless Chromium's adapter is SwiftShader): one
// precision, beam 1, one run.
// Beam rows are plain beam search (one group, no diversity); the "refinement" row is the model's own decoding
// defaults (diverse groups, towers rerank), timed interleaved with a plain beam of the same width for its ratio.
// &fold=0 loads int8 with its weights re-dequantised every call (as before they were folded at session creation);
// &auto=PRECISION only loads with device 'auto' and returns the backend timings the engine measured (auto_choice);
// &auto_merged=1 measures again with WebGPU stepping through the merged decoder instead of the captured static one.
// &threads=N loads onnxruntime's WebAssembly with N threads (default: the page's own choice, ortWeb.ts).
// &paired=int8,fp32 loads both precisions side by side on WASM and times them report by report, in alternating order,
// at each of &beams (plain beam search): a ratio that the machine's drift between page loads cannot reach.
import { loadOrtBuild } from '../engine/ortWeb';
import { probeWebGpu } from '../engine/webgpuProbe';
import type { DecoderRunStats } from '../engine/kvDecoder';
import type { Backend, ReportResult } from '../engine/types';
import { createWorkerEngine } from '../worker/createWorkerEngine';
import { matmulFlops, matmulModel } from '../engine/matmulModel';
import { UNFOLDED_INT8 } from '../engine/sessions';
import { plainBeamOf, searchLabel } from '../engine/settings';

/** One row the page prints (read back by tools/bench/chromium.ts). */
export interface PageRow {
  where: 'chromium';
  backend: Backend;
  precision: string;
  beam: number;
  search: string; // 'plain' or 'refinement BxG:λ β' (the manifest's defaults)
  time_ratio_vs_plain?: number; // refinement rows: median report ms / median of the interleaved plain beam's
  kv_cache: true;
  runs: number;
  encode_ms: number[];
  decode_ms_per_token: number[];
  report_ms: number[];
  tokens: number[];
  decoder: DecoderRunStats[];
  report_text: string;
  session_ms: number;
  load_ms: number;
  download_bytes: number;
  first_report_cold_ms: number;
  first_report_warm_ms: number;
  first_report_from_page_open_ms: number; // navigation start → the first report done
  variant?: string; // 'int8 weights re-dequantised every call' with &fold=0
  correctness_only: boolean;
}

const SETTLE_REPORTS = 15;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const list = (v: string | null, fallback: string[]): string[] => (v === null ? fallback : v.split(',').filter(Boolean));

/** Settings of a plain beam search of this width (one group, no diversity, no samples). */
const plainSearch = (beam: number) => ({ beam, groups: 1, diversity_penalty: 0, samples: 0 });

type WorkerEngine = ReturnType<typeof createWorkerEngine>;

/** One report of the image through the page's worker engine, and its wall time in ms. */
async function timedReport(engine: WorkerEngine, image: ArrayBuffer, settings: Record<string, number>) {
  const t = performance.now();
  const r = await engine.generateFiles([{ name: 'bench.png', bytes: image.slice(0) }], settings);
  return { r, wall: performance.now() - t };
}

const steps = (r: ReportResult): number => Math.min(Math.max(...r.candidates.map((c) => c.tokenIds.length)) + 1, r.settings.max_length);

async function deviceRows(
  modelUrl: string,
  image: ArrayBuffer,
  device: Backend,
  precision: string,
  beams: number[],
  runs: number,
  fold: boolean,
  numThreads?: number,
): Promise<PageRow[]> {
  const engine = createWorkerEngine({ numThreads });
  try {
    const t0 = performance.now();
    const info = await engine.load({
      modelUrl,
      device,
      precision: precision as 'fp32',
      ...(fold ? {} : { foldQuantizedWeights: false }),
      ...(numThreads ? { numThreads } : {}),
    });
    const loadMs = performance.now() - t0;
    const run = (settings: Record<string, number>) => timedReport(engine, image, settings);
    const cold = await run({});
    const coldDoneAt = performance.now(); // ms since navigation start
    const warm = await run({});
    const rows: PageRow[] = [];
    const row = (beam: number, search: string, samples: { r: ReportResult; wall: number }[]): PageRow => ({
      where: 'chromium',
      backend: info.backend,
      precision: info.precision,
      beam,
      search,
      kv_cache: true,
      runs,
      encode_ms: samples.map((s) => s.r.timings.encode_ms),
      decode_ms_per_token: samples.map((s) => s.r.timings.decode_ms / steps(s.r)),
      report_ms: samples.map((s) => s.wall),
      tokens: samples.map((s) => steps(s.r)),
      decoder: samples.map((s) => s.r.timings.decoder),
      report_text: samples[0].r.report.text,
      session_ms: info.sessionMs,
      load_ms: loadMs,
      download_bytes: info.downloadBytes,
      first_report_cold_ms: cold.wall,
      first_report_warm_ms: warm.wall,
      first_report_from_page_open_ms: coldDoneAt,
      ...(fold ? {} : { variant: UNFOLDED_INT8 }),
      correctness_only: info.backend === 'webgpu',
    });
    // V8 first runs onnxruntime's WebAssembly from its baseline compiler and optimises hot functions as they run: a
    // fresh page's reports got faster for ~20 reports (seven beam-1 reports 338 → 131 ms; flat at 88–159 ms with
    // --js-flags=--no-liftoff). The rows time the settled engine, so the page first makes SETTLE_REPORTS reports at
    // the model's defaults (every kernel the rows use); the cold and warm reports above are what a person meets.
    if (info.backend !== 'webgpu') for (let i = 0; i < SETTLE_REPORTS; i++) await run({});
    // The widths take turns, run by run, so that a change in the machine's load during the page reaches every row alike.
    for (const beam of beams) await run(plainSearch(beam));
    const samples = beams.map(() => [] as { r: ReportResult; wall: number }[]);
    for (let i = 0; i < runs; i++) for (const [k, beam] of beams.entries()) samples[k].push(await run(plainSearch(beam)));
    beams.forEach((beam, k) => rows.push(row(beam, 'plain', samples[k])));
    if (info.backend !== 'webgpu' && fold) {
      const d = warm.r.settings;
      const refined = [];
      const paired = [];
      for (let i = 0; i < runs; i++) {
        refined.push(await run({}));
        paired.push(await run(plainBeamOf(d) as Record<string, number>));
      }
      rows.push({
        ...row(d.beam, `refinement ${searchLabel(d)} β ${d.beta}`, refined),
        time_ratio_vs_plain: median(refined.map((s) => s.wall)) / median(paired.map((s) => s.wall)),
      });
    }
    return rows;
  } finally {
    await engine.dispose();
  }
}

/** Per beam: both precisions' report times, taken in turns (A B, B A, …) after each engine settled. */
export interface PairedTiming {
  precisions: [string, string];
  beam: number;
  report_ms: [number[], number[]];
}

async function pairedPrecisions(modelUrl: string, image: ArrayBuffer, precisions: [string, string], beams: number[], runs: number): Promise<PairedTiming[]> {
  const engines = precisions.map(() => createWorkerEngine());
  try {
    for (const [k, engine] of engines.entries()) await engine.load({ modelUrl, device: 'wasm', precision: precisions[k] as 'fp32' });
    const run = async (k: number, settings: Record<string, number>) => (await timedReport(engines[k], image, settings)).wall;
    for (const k of [0, 1]) for (let i = 0; i < SETTLE_REPORTS; i++) await run(k, {});
    const out: PairedTiming[] = [];
    for (const beam of beams) {
      const settings = plainSearch(beam);
      await run(0, settings);
      await run(1, settings);
      const ms: [number[], number[]] = [[], []];
      for (let i = 0; i < runs; i++) for (const k of i % 2 ? [1, 0] : [0, 1]) ms[k].push(await run(k, settings));
      out.push({ precisions, beam, report_ms: ms });
    }
    return out;
  } finally {
    for (const engine of engines) await engine.dispose();
  }
}

/** A load with device 'auto' (no remembered timings): the backend the engine measured to be faster, and both numbers. */
async function autoChoice(modelUrl: string, precision: string, staticDecoder?: boolean) {
  const engine = createWorkerEngine();
  try {
    const info = await engine.load({ modelUrl, device: 'auto', precision: precision as 'fp32', ...(staticDecoder === false ? { staticDecoder } : {}) });
    return {
      backend: info.backend,
      reason: info.backendReason,
      timings: info.backendTimings ?? null,
      session_ms: info.sessionMs,
      static_decoder: info.staticDecoder,
    };
  } finally {
    await engine.dispose();
  }
}

async function matmulThroughput(device: 'wasm' | 'webgpu', shapes: [number, number, number][], runs: number) {
  const ort = await loadOrtBuild(device); // the plain WASM build for wasm rows, as the page uses
  const out = [];
  for (const [m, k, n] of shapes) {
    const session = await ort.InferenceSession.create(matmulModel(m, k, n), { executionProviders: [device] });
    const a = new ort.Tensor(
      'float32',
      Float32Array.from({ length: m * k }, (_, i) => Math.cos(i) * 0.1),
      [m, k],
    );
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t = performance.now();
      const res = await session.run({ A: a });
      await res.Y.getData();
      times.push(performance.now() - t);
      res.Y.dispose();
    }
    await session.release();
    const sorted = times.slice(2).sort((x, y) => x - y);
    const ms = sorted[Math.floor(sorted.length / 2)];
    out.push({
      where: 'chromium',
      backend: device,
      m,
      k,
      n,
      ms_median: ms,
      gflops_median: matmulFlops(m, k, n) / (ms * 1e6),
      correctness_only: device === 'webgpu',
    });
  }
  return out;
}

export async function runBench(params: URLSearchParams): Promise<Record<string, unknown>> {
  const modelUrl = params.get('bench')!;
  const imageUrl = params.get('image');
  if (!imageUrl) return { error: 'add &image=URL of a radiograph (PNG/JPEG/DICOM)' };
  const runs = Number(params.get('runs') ?? 5);
  const beams = list(params.get('beams'), ['1', '3', '5']).map(Number);
  const precisions = list(params.get('precisions'), ['fp32', 'int8']);
  const probe = await probeWebGpu();
  const devices = list(params.get('devices'), ['wasm', 'webgpu']).filter((d) => d !== 'webgpu' || probe.backend === 'webgpu') as Backend[];
  const image = await (await fetch(imageUrl)).arrayBuffer();
  const rows: PageRow[] = [];
  const errors: string[] = [];
  const webgpuPrecision = params.get('webgpu_precision') ?? precisions[0];
  const fold = params.get('fold') !== '0';
  const threads = params.get('threads') ? Number(params.get('threads')) : undefined;
  for (const device of devices) {
    for (const precision of device === 'webgpu' ? [webgpuPrecision] : precisions) {
      try {
        rows.push(...(await deviceRows(modelUrl, image, device, precision, device === 'webgpu' ? [1] : beams, device === 'webgpu' ? 1 : runs, fold, threads)));
      } catch (err) {
        errors.push(`${device} ${precision}: ${(err as Error).name}: ${(err as Error).message}`);
      }
    }
  }
  const autoPrecision = params.get('auto');
  const auto_choice = autoPrecision ? await autoChoice(modelUrl, autoPrecision).catch((e: Error) => ({ error: e.message })) : undefined;
  // &auto_merged=1: the same measurement with WebGPU stepping through decoder_model_merged (no captured graph)
  const auto_choice_merged =
    autoPrecision && params.get('auto_merged') === '1'
      ? await autoChoice(modelUrl, autoPrecision, false).catch((e: Error) => ({ error: e.message }))
      : undefined;
  const pairedWith = list(params.get('paired'), []);
  const paired =
    pairedWith.length === 2
      ? await pairedPrecisions(modelUrl, image, pairedWith as [string, string], beams, runs).catch((e: Error) => {
          errors.push(`paired ${pairedWith.join(',')}: ${e.name}: ${e.message}`);
          return undefined;
        })
      : undefined;
  const shapes: [number, number, number][] = JSON.parse(params.get('matmul') ?? '[[512,512,512]]');
  const matmul = [];
  for (const device of devices)
    matmul.push(
      ...(await matmulThroughput(device as 'wasm' | 'webgpu', shapes, device === 'webgpu' ? 2 : runs).catch((e: Error) => {
        errors.push(`matmul ${device}: ${e.message}`);
        return [];
      })),
    );
  return {
    crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    probe,
    userAgent: navigator.userAgent,
    rows,
    matmul,
    errors,
    auto_choice,
    auto_choice_merged,
    paired,
  };
}
