// The benchmark's results object (roofline from analytic FLOPs and measured times) and its Markdown section.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelManifest } from '../../src/engine/manifest';
import modelIO from '../../src/engine/modelIO.json';
import { formatNumber, markdownTable } from '../eval/resultsDoc';
import { appPageLine, autoChoiceLine, decoderGraphMarkdown, pairedLines, speedRatios } from './speedReport';
import { modelFlops, type ModelFlops } from './flops';
import type { BenchRow, DecoderGraphRow, MatmulRow } from './rows';

export interface RooflineRow {
  where: string;
  backend: string;
  precision: string;
  beam: number;
  vision_gflops: number; // FLOPs per image / encode time
  decoder_gflops: number; // a report's decoder FLOPs (prefix + token rows) / its time in the decoder session's calls
  decode_phase_gflops: number; // the same FLOPs / the whole decode phase (search JS, rerank, heatmaps included)
  matmul_gflops: number; // the same runtime's plain MatMul at the largest measured shape
  vision_pct_of_matmul: number;
  decoder_pct_of_matmul: number;
  decode_phase_pct_of_matmul: number;
}

export interface Roofline {
  flops: ModelFlops;
  rows: RooflineRow[];
  note: string;
}

/** Vision FLOPs counted on the fp32 vision ONNX graph by onnx_flops.py (Debian's python3 + onnx), or undefined. */
export function visionGraphFlops(modelDir: string, manifest: ModelManifest, log: (line: string) => void): number | undefined {
  const entry = manifest.files.fp32?.vision_encoder ?? Object.values(manifest.files)[0]?.vision_encoder;
  if (!entry) return undefined;
  const S = manifest.preprocessing.image_size;
  try {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        path.join(path.dirname(fileURLToPath(import.meta.url)), 'onnx_flops.py'),
        path.join(modelDir, entry.path),
        `${modelIO.vision.inputs.pixels}=1,1,${S},${S}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return (JSON.parse(out) as { flops: number }).flops;
  } catch (err) {
    log(`could not count vision FLOPs on the ONNX graph (${(err as Error).message.split('\n')[0]}); using the analytic estimate`);
    return undefined;
  }
}

export function roofline(manifest: ModelManifest, rows: readonly BenchRow[], matmul: readonly MatmulRow[], visionFromGraph?: number): Roofline {
  const flops = modelFlops(manifest, visionFromGraph);
  const out: RooflineRow[] = [];
  for (const r of rows) {
    // Plain beam search at beam 1 and 3 per place (a refinement row decodes more rows per step than its beam says).
    if (![1, 3].includes(r.beam) || (r.search ?? 'plain') !== 'plain' || !r.kv_cache || r.correctness_only || r.variant || !Number.isFinite(r.encode_ms_median))
      continue;
    const mm = matmul.filter((m) => m.where === r.where && m.backend === r.backend).sort((a, b) => b.m * b.k * b.n - a.m * a.k * a.n)[0];
    const vision = flops.vision_per_image / (r.encode_ms_median * 1e6);
    // What a report's decoding computes: the image-prefix rows, then one token per row and step.
    const decoderFlops = (r.decoder_prefix_rows_median ?? NaN) * flops.decoder_prefix + (r.decoder_token_rows_median ?? NaN) * flops.decoder_per_token;
    const decoder = decoderFlops / ((r.decoder_run_ms_median ?? NaN) * 1e6);
    const decodePhase = decoderFlops / (r.decode_ms_per_token_median * r.tokens_median * 1e6);
    const peak = mm?.gflops_median ?? NaN;
    out.push({
      where: r.where,
      backend: r.backend,
      precision: r.precision,
      beam: r.beam,
      vision_gflops: vision,
      decoder_gflops: decoder,
      decode_phase_gflops: decodePhase,
      matmul_gflops: peak,
      vision_pct_of_matmul: (100 * vision) / peak,
      decoder_pct_of_matmul: (100 * decoder) / peak,
      decode_phase_pct_of_matmul: (100 * decodePhase) / peak,
    });
  }
  return {
    flops,
    rows: out,
    note:
      'GFLOP/s = FLOPs of matmuls and convolutions (vision: counted on the ONNX graph when possible; decoder: analytic, flops.ts) / measured ' +
      "median time. A report's decoder FLOPs are its image-prefix call plus one token per row and step; 'decoder' divides them by the " +
      "time inside the decoder session's calls, 'decode phase' by the whole phase (beam search and logits processing in JS, the " +
      'rerank, the heatmaps)',
  };
}

/** Bytes a first visit downloads per precision: its ONNX files, the OOD detector (shared) and extraBytes. */
export function downloadBytes(manifest: ModelManifest, extraBytes: number): Record<string, number> {
  const shared = (manifest.ood.detector?.bytes ?? 0) + extraBytes;
  return Object.fromEntries(Object.entries(manifest.files).map(([p, files]) => [p, Object.values(files ?? {}).reduce((s, f) => s + f.bytes, 0) + shared]));
}

const range = (m: number, lo: number, hi: number): string => (Number.isFinite(m) ? `${formatNumber(m)} (${formatNumber(lo)}–${formatNumber(hi)})` : '–');

/** encode ms, decode ms per token (or step), report ms (medians with p10–p90), steps and session ms: both tables' columns. */
const timingCells = (x: BenchRow): (string | number)[] => [
  range(x.encode_ms_median, x.encode_ms_p10, x.encode_ms_p90),
  range(x.decode_ms_per_token_median, x.decode_ms_per_token_p10, x.decode_ms_per_token_p90),
  range(x.report_ms_median, x.report_ms_p10, x.report_ms_p90),
  x.tokens_median,
  x.session_ms ?? NaN,
];

export function benchMarkdown(
  r: {
    model: { id: string; version: string };
    rows: BenchRow[];
    matmul: MatmulRow[];
    download_bytes: Record<string, number>;
    roofline: Roofline;
    decoder_graphs?: DecoderGraphRow[];
    default_beam?: number;
    machine: string;
    load_average: { before: number; after: number };
    chromium?: Record<string, unknown>;
  },
  command: string,
): string {
  const parts: string[] = [];
  parts.push(`## Benchmark: ${r.model.id} ${r.model.version}`);
  parts.push(
    `Command: \`${command}\` — ${new Date().toISOString().slice(0, 10)}, ${r.machine}, 1-minute load average ${r.load_average.before.toFixed(1)} ` +
      `before / ${r.load_average.after.toFixed(1)} after (the machine is shared: load above ~0.5 means other work competed for the cores). Medians ` +
      `with p10–p90 over the timed runs after a warm-up run per width (in Chromium after 15 settling reports too: V8 optimises onnxruntime's WebAssembly as it runs). "decode/token" = decode time / decoder steps (incl. rerank and heatmaps). WebGPU in ` +
      `headless Chromium is SwiftShader (CPU): those rows check correctness only.`,
  );
  parts.push(
    markdownTable(
      [
        'where',
        'backend',
        'precision',
        'beam',
        'search',
        'KV cache',
        'encode ms',
        'decode ms/token',
        'report ms',
        'steps',
        'session ms',
        'first report cold / warm ms',
        'memory MB',
      ],
      r.rows.map((x) => [
        x.where,
        x.backend + (x.correctness_only ? ' (correctness only)' : ''),
        x.precision + (x.variant ? ` (${x.variant})` : ''),
        x.beam,
        x.search ?? 'plain',
        x.kv_cache ? 'yes' : 'no',
        ...timingCells(x),
        x.first_report_cold_ms !== undefined
          ? `${formatNumber(x.first_report_cold_ms)} / ${formatNumber(x.first_report_warm_ms ?? NaN)}` +
            (x.first_report_from_page_open_ms !== undefined ? ` (page open → first report ${formatNumber(x.first_report_from_page_open_ms)})` : '')
          : '–',
        x.memory_mb !== undefined ? `${formatNumber(x.memory_mb)}${x.peak_memory_mb ? ` (peak ${formatNumber(x.peak_memory_mb)})` : ''}` : '–',
      ]),
    ),
  );
  const kinds = [...new Set(r.rows.map((x) => x.memory_kind && `${x.where}: ${x.memory_kind}`).filter(Boolean))];
  const idle = r.chromium?.idle_rss_mb_browser_process_tree as number | undefined;
  parts.push(`Memory column: ${kinds.join('; ')}${idle ? ` (the same tree idle with a blank page: ${formatNumber(idle)} MiB)` : ''}.`);
  const ratios = r.rows
    .filter((x) => x.time_ratio_vs_plain !== undefined)
    .map((x) => `${x.where} ${x.backend} ${x.precision}: ${x.time_ratio_vs_plain!.toFixed(2)}×`);
  if (ratios.length)
    parts.push(
      `Self-refinement time cost (the model's defaults against a plain beam as wide as their candidate count (beam + samples), runs interleaved, ratio of medians): ${ratios.join(', ')}.`,
    );
  const unfolded = r.rows.find((x) => x.variant)?.variant;
  const beams = [...new Set(r.rows.filter((x) => (x.search ?? 'plain') === 'plain' && !x.variant).map((x) => x.beam))].sort((a, b) => a - b);
  const speed = unfolded ? beams.flatMap((beam) => speedRatios(r.rows, beam, unfolded)) : [];
  if (speed.length) parts.push(`Speed ratios per beam width (plain beam search, same run, ratio of medians):\n${speed.join('\n')}`);
  const paired = pairedLines(r.chromium?.paired as Parameters<typeof pairedLines>[0]);
  if (paired.length)
    parts.push(
      `int8 against fp32 in one page (both engines loaded side by side, one report each per round in alternating order, plain beam search; ` +
        `the rows above come from separate page loads minutes apart):\n${paired.join('\n')}`,
    );
  const auto = autoChoiceLine(
    r.chromium?.auto_choice as Parameters<typeof autoChoiceLine>[0],
    r.chromium?.auto_choice_merged as Parameters<typeof autoChoiceLine>[1],
  );
  if (auto) parts.push(auto);
  const app = appPageLine(r.chromium?.app_page as Parameters<typeof appPageLine>[0]);
  if (app) parts.push(app);
  const notes = r.rows
    .filter((x) => x.same_report_as || x.note)
    .map(
      (x) =>
        `- ${x.where} ${x.backend} ${x.precision} beam ${x.beam}${x.kv_cache ? '' : ' (no cache)'}: ${[
          x.note,
          x.same_report_as && `same report as ${x.same_report_as}`,
        ]
          .filter(Boolean)
          .join('; ')}`,
    );
  if (notes.length) parts.push(notes.join('\n'));
  parts.push(
    `Download per precision (ONNX files + OOD detector + tokenizer + manifest): ${Object.entries(r.download_bytes)
      .map(([p, b]) => `${p} ${(b / 2 ** 20).toFixed(2)} MiB`)
      .join(', ')}.`,
  );
  const f = r.roofline.flops;
  parts.push(
    `### Roofline\nFLOPs: ${(f.vision_per_image / 1e6).toFixed(1)} MFLOP per image (vision encoder + mapper), ${(f.decoder_prefix / 1e6).toFixed(1)} ` +
      `MFLOP for the image prefix, ${(f.decoder_per_token / 1e6).toFixed(2)} MFLOP per generated token (mean context of a ${f.report_tokens}-token ` +
      `report)${f.assumed.length ? `; assumed from training/model.py defaults (not in the manifest): ${f.assumed.join(', ')}` : ''}. ` +
      `${r.roofline.note}.`,
  );
  parts.push(
    markdownTable(
      [
        'where',
        'backend',
        'precision',
        'beam',
        'vision GFLOP/s',
        'decoder GFLOP/s',
        'decode phase GFLOP/s',
        'MatMul GFLOP/s',
        'vision % of MatMul',
        'decoder % of MatMul',
        'decode phase % of MatMul',
      ],
      r.roofline.rows.map((x) => [
        x.where,
        x.backend,
        x.precision,
        x.beam,
        x.vision_gflops,
        x.decoder_gflops,
        x.decode_phase_gflops,
        x.matmul_gflops,
        x.vision_pct_of_matmul,
        x.decoder_pct_of_matmul,
        x.decode_phase_pct_of_matmul,
      ]),
    ),
  );
  parts.push(
    markdownTable(
      ['where', 'backend', 'MatMul M×K×N', 'ms', 'GFLOP/s'],
      r.matmul.map((m) => [m.where, m.backend, `${m.m}×${m.k}×${m.n}`, m.ms_median, m.gflops_median]),
    ),
  );
  const graphs = decoderGraphMarkdown(r.decoder_graphs ?? []);
  if (graphs) parts.push(graphs);
  return parts.join('\n\n');
}

/** The GPU section: rows and MatMul throughput written by gpu-bench.mjs (tools/bench/gpu.ts) on a lent GPU machine. */
export function gpuMarkdown(
  r: { model: { id: string; version: string }; machine: string; rows: (BenchRow & { same_tokens_as_cpu?: boolean })[]; matmul: MatmulRow[]; errors: string[] },
  command: string,
): string {
  const parts = [
    `## GPU benchmark: ${r.model.id} ${r.model.version}`,
    `Command: \`${command}\` — rows from tools/bench/gpu.ts (onnxruntime-node, native WebGPU provider through Vulkan vs its CPU provider) on ` +
      `${r.machine}. Fixed-length argmax decoding on 1/3/5 rows (the cost of that beam width); report ms = encode + prefix + steps × step.`,
  ];
  parts.push(
    markdownTable(
      ['backend', 'precision', 'rows (beam)', 'KV cache', 'encode ms', 'decode ms/step', 'report ms', 'steps', 'session ms', 'same tokens as CPU'],
      r.rows.map((x) => [
        x.backend,
        x.precision,
        x.beam,
        x.kv_cache ? 'yes' : 'no',
        ...timingCells(x),
        x.same_tokens_as_cpu === undefined ? '–' : x.same_tokens_as_cpu ? 'yes' : 'NO',
      ]),
    ),
  );
  parts.push(
    markdownTable(
      ['backend', 'MatMul M×K×N', 'ms', 'GFLOP/s'],
      r.matmul.map((m) => [m.backend, `${m.m}×${m.k}×${m.n}`, m.ms_median, m.gflops_median]),
    ),
  );
  if (r.errors.length) parts.push(r.errors.map((e) => `- error: ${e.split('\n')[0]}`).join('\n'));
  return parts.join('\n\n');
}
