// The benchmark's row and result shapes (JSON written by npm run bench and the GPU benchmark, tools/bench/gpu.ts).
import type { DecoderRunStats } from '../../src/engine/kvDecoder';
import { spread, type Spread } from './stats';

export type Where = 'node' | 'chromium' | 'gpu';

export interface BenchRow {
  where: Where;
  backend: string; // wasm | cpu | webgpu
  precision: string; // fp32 | int8 | q4
  beam: number;
  search?: string; // 'plain' beam search, or 'refinement BxG:λ β' (the model's decoding defaults); Node rows: plain
  variant?: string; // a configuration kept for comparison, e.g. int8 with its weights re-dequantised every call
  time_ratio_vs_plain?: number; // refinement rows: median report ms over the interleaved plain beam's as wide as beam + samples
  kv_cache: boolean;
  runs: number;
  encode_ms_median: number;
  encode_ms_p10: number;
  encode_ms_p90: number;
  decode_ms_per_token_median: number;
  decode_ms_per_token_p10: number;
  decode_ms_per_token_p90: number;
  report_ms_median: number;
  report_ms_p10: number;
  report_ms_p90: number;
  tokens_median: number; // decoder steps per report
  decoder_run_ms_median?: number; // time per report inside the decoder session's calls (ReportTimings.decoder.run_ms)
  decoder_prefix_rows_median?: number; // rows of image-prefix calls per report
  decoder_token_rows_median?: number; // one-token rows per report (summed over steps)
  session_ms?: number; // session creation (incl. reading the files)
  first_report_cold_ms?: number; // the first report after session creation
  first_report_warm_ms?: number; // the next one
  first_report_from_page_open_ms?: number; // Chromium: navigation start → the first report done (model files served locally, as from the cache)
  memory_mb?: number; // Node: process RSS after the row; Chromium: JS memory (see memory_kind)
  peak_memory_mb?: number; // Node: the process's peak RSS so far
  memory_kind?: string;
  correctness_only?: boolean; // timings not meaningful (SwiftShader WebGPU)
  same_report_as?: string; // the row whose report this one reproduced
  same_tokens_as_cpu?: boolean; // GPU rows: WebGPU's argmax tokens equal the CPU provider's
  note?: string;
}

export function spreadFields<P extends 'encode_ms' | 'decode_ms_per_token' | 'report_ms'>(
  prefix: P,
  s: Spread,
): Record<`${P}_median` | `${P}_p10` | `${P}_p90`, number> {
  return { [`${prefix}_median`]: s.median, [`${prefix}_p10`]: s.p10, [`${prefix}_p90`]: s.p90 } as Record<`${P}_median` | `${P}_p10` | `${P}_p90`, number>;
}

/** The decoder-session medians of a row's timed reports (ReportTimings.decoder of each). */
export function decoderFields(stats: readonly DecoderRunStats[]): {
  decoder_run_ms_median: number;
  decoder_prefix_rows_median: number;
  decoder_token_rows_median: number;
} {
  return {
    decoder_run_ms_median: spread(stats.map((t) => t.run_ms)).median,
    decoder_prefix_rows_median: spread(stats.map((t) => t.prefix_rows)).median,
    decoder_token_rows_median: spread(stats.map((t) => t.token_rows)).median,
  };
}

export interface MatmulRow {
  where: Where;
  backend: string;
  m: number;
  k: number;
  n: number;
  gflops_median: number;
  ms_median: number;
}

/** One decoder graph × precision on one runtime: its size before and after ONNX Runtime's optimiser, and the time
 *  of a cached step for `rows` rows (rawModel.ts's argmax loop). */
export interface DecoderGraphRow {
  where: Where;
  backend: string;
  graph: string; // 'fused' | 'traced'
  model: string; // id@version
  precision: string;
  fold: boolean; // int8 weights dequantised once at session creation
  nodes: number; // in the file
  nodes_optimised: number; // after onnxruntime-node's optimiser with the engine's session options
  rows: number;
  step_ms_median: number;
  step_ms_p10: number;
  step_ms_p90: number;
}
