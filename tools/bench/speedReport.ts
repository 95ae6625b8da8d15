// The benchmark's speed summaries: the ratios the speed targets are stated in (int8 against fp32 at the default beam,
// int8 before and after its weights were folded at session creation, all from one run), the decoder-graph table
// (fused against a baseline graph: nodes dispatched per step and ms per step), the backend 'auto' measured, and the
// app page's first and returning visits, and int8 against fp32 timed in turns in one page.
import type { PairedTiming } from '../../src/ui/diagnosticsBench';
import { formatNumber, markdownTable } from '../eval/resultsDoc';
import { spread } from './stats';
import { medianPhases, type ReturningVisitResult } from './returningVisit';
import type { BenchRow, DecoderGraphRow } from './rows';

const plainAt = (rows: readonly BenchRow[], where: string, backend: string, precision: string, beam: number, variant?: string) =>
  rows.find(
    (r) =>
      r.where === where && r.backend === backend && r.precision === precision && r.beam === beam && (r.search ?? 'plain') === 'plain' && r.variant === variant,
  );

/** "chromium wasm beam 3: int8 ÷ fp32 report 1.02× (171 vs 168 ms); int8 re-dequantised every call ÷ folded 1.64×" */
export function speedRatios(rows: readonly BenchRow[], beam: number, unfolded: string): string[] {
  const lines: string[] = [];
  const places = [...new Set(rows.filter((r) => !r.correctness_only).map((r) => `${r.where}|${r.backend}`))];
  for (const place of places) {
    const [where, backend] = place.split('|');
    const fp32 = plainAt(rows, where, backend, 'fp32', beam);
    const int8 = plainAt(rows, where, backend, 'int8', beam);
    const before = plainAt(rows, where, backend, 'int8', beam, unfolded);
    if (!fp32 || !int8) continue;
    const parts = [
      `int8 ÷ fp32 report ${(int8.report_ms_median / fp32.report_ms_median).toFixed(2)}× (${formatNumber(int8.report_ms_median)} vs ${formatNumber(fp32.report_ms_median)} ms)`,
    ];
    if (before)
      parts.push(
        `${unfolded} ÷ folded ${(before.report_ms_median / int8.report_ms_median).toFixed(2)}× (${formatNumber(before.report_ms_median)} vs ${formatNumber(int8.report_ms_median)} ms)`,
      );
    lines.push(`- ${where} ${backend} beam ${beam}: ${parts.join('; ')}`);
  }
  return lines;
}

/** "chromium wasm beam 3: int8 ÷ fp32 0.98× (…)": per beam, the median of the rounds' ratios (each round one report of
 *  each precision, back to back) with its spread, and the two medians. */
export function pairedLines(paired: readonly PairedTiming[] | undefined): string[] {
  return (paired ?? []).flatMap(({ precisions: [a, b], beam, report_ms: [msA, msB] }) => {
    const rounds = Math.min(msA.length, msB.length);
    if (rounds === 0) return [];
    const ratios = spread(msA.slice(0, rounds).map((x, i) => x / msB[i]));
    return [
      `- chromium wasm beam ${beam}: ${a} ÷ ${b} report ${ratios.median.toFixed(2)}× (median of ${rounds} rounds' ratios, p10–p90 ` +
        `${ratios.p10.toFixed(2)}–${ratios.p90.toFixed(2)}; medians ${formatNumber(spread(msA).median)} vs ${formatNumber(spread(msB).median)} ms)`,
    ];
  });
}

export function decoderGraphMarkdown(rows: readonly DecoderGraphRow[]): string {
  if (rows.length === 0) return '';
  return [
    "### Decoder graph\nThe decoder file as shipped against a baseline folder's, in Node WASM (one thread): nodes in the file and after " +
      "onnxruntime-node's optimiser with the engine's session options (what a step dispatches), and a cached argmax step for 1 and 3 rows " +
      '(rawModel.ts; the token embedding is a separate embed_tokens call there, unlike the engine, which looks it up in JS).',
    markdownTable(
      ['model', 'graph', 'precision', 'int8 weights', 'nodes (file)', 'nodes (optimised)', 'rows', 'ms/step'],
      rows.map((r) => [
        r.model,
        r.graph,
        r.precision,
        r.precision === 'fp32' ? '–' : r.fold ? 'folded at session creation' : 'dequantised every call',
        r.nodes,
        r.nodes_optimised,
        r.rows,
        `${formatNumber(r.step_ms_median)} (${formatNumber(r.step_ms_p10)}–${formatNumber(r.step_ms_p90)})`,
      ]),
    ),
  ].join('\n\n');
}

interface AutoChoice {
  backend?: string;
  reason?: string;
  timings?: { msPerStep: Record<string, number>; rows: number } | null;
  static_decoder?: boolean; // WebGPU stepped through decoder_static, replayed from a captured graph
  error?: string;
}

/** The 'auto' choice with both backends' step, and (`merged`) the WebGPU step through the merged decoder instead. */
export function autoChoiceLine(auto: AutoChoice | undefined, merged?: AutoChoice): string {
  if (!auto) return '';
  if (auto.error) return `Backend 'auto' in Chromium failed: ${auto.error}`;
  const ms = auto.timings?.msPerStep ?? {};
  const both = Object.entries(ms)
    .map(([b, v]) => `${b}${b === 'webgpu' && auto.static_decoder ? ' (decoder_static, replayed from a captured graph)' : ''} ${formatNumber(v)} ms/step`)
    .join(', ');
  const gpuMerged = merged?.timings?.msPerStep.webgpu;
  const against = gpuMerged === undefined ? '' : `; with WebGPU stepping through the merged decoder, webgpu ${formatNumber(gpuMerged)} ms/step`;
  return `Backend 'auto' in Chromium (WebGPU is SwiftShader here, so only the mechanism is shown): measured ${both || 'nothing'} at ${auto.timings?.rows ?? '?'} rows → ${auto.backend}${against}.`;
}

/** The app page's own timing (tools/bench/returningVisit.ts): empty profile, then returning visits. */
export function appPageLine(app: ReturningVisitResult | undefined): string | null {
  if (!app) return null;
  const v = app.returning_visit;
  const p = medianPhases(app.phases ?? []);
  return (
    `The app page (WASM int8, the installed model; navigation start → the first report word on screen, the radiograph given as soon as ` +
    `the file input exists): first visit, empty profile, ${formatNumber(app.first_visit_ms)} ms; returning visit (the model in the ` +
    `service worker's offline copy, V8's code for onnxruntime's WebAssembly cached) median ${formatNumber(v.median)} ms ` +
    `(p10–p90 ${formatNumber(v.p10)}–${formatNumber(v.p90)}, ${app.returning_visit_ms.length} visits)` +
    (p
      ? `; medians of its phases: to the load request ${formatNumber(p.to_load_request)} ms, to the model files ${formatNumber(p.to_files)} ms, ` +
        `reading them ${formatNumber(p.files)} ms, sessions and warm-up ${formatNumber(p.sessions)} ms, the first report ${formatNumber(p.first_report)} ms.`
      : '.')
  );
}
