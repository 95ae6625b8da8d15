import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultModelDir } from '../../src/engine/node/defaultModelDir';
import type { BenchRow, DecoderGraphRow, MatmulRow } from './rows';
import { appPageLine, autoChoiceLine, decoderGraphMarkdown, pairedLines, speedRatios } from './speedReport';
import { roofline } from './report';
import { medianPhases, visitPhases } from './returningVisit';

const row = (where: 'node' | 'chromium', precision: string, reportMs: number, extra: Partial<BenchRow> = {}): BenchRow =>
  ({ where, backend: 'wasm', precision, beam: 3, search: 'plain', kv_cache: true, runs: 5, report_ms_median: reportMs, ...extra }) as BenchRow;

describe('speed summaries', () => {
  it('the app page line gives the first visit and the returning visits’ median and spread, and nothing without a run', () => {
    expect(appPageLine(undefined)).toBeNull();
    const line = appPageLine({
      first_visit_ms: 4200,
      returning_visit_ms: [1700, 1500, 1900],
      returning_visit: { median: 1700, p10: 1540, p90: 1860 },
      image_given_at_ms: [250, 240, 260],
      settle_ms: 10000,
    });
    expect(line).toMatch(/first visit, empty profile, 4,?200 ms/);
    expect(line).toMatch(/median 1,?700 ms \(p10–p90 1,?540–1,?860, 3 visits\)\.$/);
    const phases = { to_load_request: 400, to_files: 300, files: 350, sessions: 600, first_report: 900 };
    const withPhases = appPageLine({
      first_visit_ms: 4200,
      returning_visit_ms: [1700, 1800],
      returning_visit: { median: 1750, p10: 1700, p90: 1800 },
      phases: [phases, null], // a visit whose marks were missing does not count
      image_given_at_ms: [250],
      settle_ms: 10000,
    });
    expect(withPhases).toMatch(
      /to the load request 400 ms, to the model files 300 ms, reading them 350 ms, sessions and warm-up 600 ms, the first report 900 ms\.$/,
    );
  });

  it('a visit’s phases come from the worker marks, and the medians skip visits without them', () => {
    const marks = { load_request: 400, files_start: 700, files_end: 1000, sessions_start: 1010, loaded: 1600 };
    expect(visitPhases(marks, 2500)).toEqual({ to_load_request: 400, to_files: 300, files: 300, sessions: 590, first_report: 900 });
    expect(visitPhases({ load_request: 400 }, 2500)).toBeNull();
    const other = visitPhases({ ...marks, loaded: 1800 }, 2600)!;
    expect(medianPhases([visitPhases(marks, 2500), null, other])?.sessions).toBe(690);
    expect(medianPhases([null])).toBeUndefined();
    // The first report's split, from the result message's timings: decoder calls, and the rest of the search.
    const split = visitPhases(marks, 2500, { encode: 120, decode: 700, decoder: 450 })!;
    expect(split).toMatchObject({ first_report: 900, report_encode: 120, report_decoder_calls: 450, report_search_rest: 250 });
    expect(visitPhases(marks, 2500, { encode: 120, decode: 700 })).not.toHaveProperty('report_decoder_calls');
    // A split missing from one visit leaves it out of the summary rather than averaging over fewer visits.
    expect(medianPhases([split, other])).not.toHaveProperty('report_encode');
    expect(medianPhases([split, split])?.report_search_rest).toBe(250);
  });

  it('paired int8 ÷ fp32 is the median of the rounds’ own ratios, so a slow stretch hits both of a round alike', () => {
    expect(pairedLines(undefined)).toEqual([]);
    // Rounds 3–4 ran while the machine was busy: both precisions slowed together. The ratio of the two medians would
    // read 1.50 (300 ÷ 200, each median taken over a different mix of quiet and busy rounds); each round's ratio is 1.0 or 1.1.
    const int8 = [200, 220, 600, 660, 300];
    const fp32 = [200, 200, 600, 600, 200];
    const [line] = pairedLines([{ precisions: ['int8', 'fp32'], beam: 3, report_ms: [int8, fp32] }]);
    expect(line).toMatch(/^- chromium wasm beam 3: int8 ÷ fp32 report 1\.10× \(median of 5 rounds' ratios, p10–p90 1\.00–1\.34; medians 300 vs 200 ms\)$/);
    // Unequal lengths (a page that failed mid-way) pair only the complete rounds; none gives no line.
    expect(pairedLines([{ precisions: ['int8', 'fp32'], beam: 5, report_ms: [[210, 999], [200]] }])[0]).toMatch(/1\.05× \(median of 1 rounds'/);
    expect(pairedLines([{ precisions: ['int8', 'fp32'], beam: 5, report_ms: [[], [200]] }])).toEqual([]);
  });

  it('int8 ÷ fp32 and unfolded ÷ folded at the default beam, per place; other beams and searches ignored', () => {
    const rows = [
      row('chromium', 'fp32', 200),
      row('chromium', 'int8', 210),
      row('chromium', 'int8', 340, { variant: 'before' }),
      row('chromium', 'int8', 150, { search: 'refinement 3x3:2 β 0' }),
      row('chromium', 'int8', 90, { beam: 1 }),
      row('node', 'fp32', 100),
    ];
    expect(speedRatios(rows, 3, 'before')).toEqual(['- chromium wasm beam 3: int8 ÷ fp32 report 1.05× (210 vs 200 ms); before ÷ folded 1.62× (340 vs 210 ms)']);
  });

  it('the roofline reads plain beam 1 and 3 rows, not a refinement row, and counts the prefix with the tokens', () => {
    const manifest = JSON.parse(readFileSync(path.join(defaultModelDir(), 'manifest.json'), 'utf8'));
    // 46 steps: one prefix call, then 45 one-token calls of one row; 30 ms of 92 ms of decoding in the session.
    const timed = {
      encode_ms_median: 10,
      decode_ms_per_token_median: 2,
      tokens_median: 46,
      decoder_run_ms_median: 30,
      decoder_prefix_rows_median: 1,
      decoder_token_rows_median: 45,
    };
    const rows = [
      row('chromium', 'int8', 90, { beam: 1, ...timed }),
      row('chromium', 'int8', 120, { beam: 1, search: 'refinement 1x1:0+s2@1 β 0.5', ...timed }),
      row('chromium', 'int8', 150, { beam: 3, ...timed, decoder_token_rows_median: 135 }),
      row('chromium', 'int8', 200, { beam: 5, ...timed }),
    ];
    const matmul = [{ where: 'chromium', backend: 'wasm', m: 512, k: 512, n: 512, ms_median: 5, gflops_median: 50 }] as MatmulRow[];
    const r = roofline(manifest, rows, matmul, 5e8);
    expect(r.rows.map((x) => x.beam)).toEqual([1, 3]);
    const f = r.flops;
    const greedy = f.decoder_prefix + 45 * f.decoder_per_token;
    expect(r.rows[0].decoder_gflops).toBeCloseTo(greedy / 30e6, 6);
    expect(r.rows[0].decode_phase_gflops).toBeCloseTo(greedy / 92e6, 6);
    expect(r.rows[0].decoder_pct_of_matmul).toBeCloseTo((100 * greedy) / 30e6 / 50, 6);
    expect(r.rows[1].decoder_gflops).toBeCloseTo((f.decoder_prefix + 135 * f.decoder_per_token) / 30e6, 6);
  });

  it('the decoder-graph table names the int8 weight handling; nothing without rows', () => {
    const g: DecoderGraphRow = {
      where: 'node',
      backend: 'wasm',
      graph: 'fused',
      model: 'm@1',
      precision: 'int8',
      fold: false,
      nodes: 79,
      nodes_optimised: 79,
      rows: 3,
      step_ms_median: 4.5,
      step_ms_p10: 4,
      step_ms_p90: 5,
    };
    expect(decoderGraphMarkdown([g])).toContain('| m@1 | fused | int8 | dequantised every call | 79 | 79 | 3 | 4.500 (4–5) |');
    expect(decoderGraphMarkdown([])).toBe('');
  });

  it("states the 'auto' choice with both numbers, or its error", () => {
    expect(autoChoiceLine({ backend: 'wasm', timings: { msPerStep: { webgpu: 250, wasm: 2.5 }, rows: 3 } })).toMatch(
      /measured webgpu 250 ms\/step, wasm 2\.500 ms\/step at 3 rows → wasm/,
    );
    const captured = { backend: 'wasm', static_decoder: true, timings: { msPerStep: { webgpu: 200, wasm: 2.5 }, rows: 3 } };
    const merged = { backend: 'wasm', static_decoder: false, timings: { msPerStep: { webgpu: 300, wasm: 2.6 }, rows: 3 } };
    expect(autoChoiceLine(captured, merged)).toMatch(
      /webgpu \(decoder_static, replayed from a captured graph\) 200 ms\/step, wasm 2\.500 ms\/step at 3 rows → wasm; with WebGPU stepping through the merged decoder, webgpu 300 ms\/step\./,
    );
    expect(autoChoiceLine({ error: 'no adapter' })).toMatch(/failed: no adapter/);
    expect(autoChoiceLine(undefined)).toBe('');
  });
});

describe('startup comparison', () => {
  it('pools the visits and their phases of every run of a build', async () => {
    const { summarise } = await import('./startupCompare');
    const phase = (sessions: number) => ({ to_load_request: 400, to_files: 300, files: 300, sessions, first_report: 900 });
    const run = (ms: number[], phases: (ReturnType<typeof phase> | null)[]) => ({
      first_visit_ms: 9000,
      returning_visit_ms: ms,
      returning_visit: { median: 0, p10: 0, p90: 0 },
      phases,
      image_given_at_ms: ms.map(() => 300),
      settle_ms: 10000,
    });
    const s = summarise([run([3000, 5000], [phase(700), null]), run([4000, 9000], [phase(900), phase(1100)])]);
    expect([s.median_ms, s.min_ms, s.max_ms, s.visits_ms.length]).toEqual([4500, 3000, 9000, 4]);
    expect(s.phases_median?.sessions).toBe(900);
    expect(s.report_after_image_median_ms).toBeUndefined(); // runs from before the field
    const delayed = summarise([{ ...run([3000], [phase(700)]), report_after_image_ms: [800, 600, 700] }]);
    expect(delayed.report_after_image_median_ms).toBe(700);
  });
});
