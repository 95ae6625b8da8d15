// Chromium rows of the benchmark: Debian's Chromium (Playwright, never a downloaded browser) opens the built
// diagnostics page in ?bench= mode, which times the page's own worker engine (diagnosticsBench.ts). The model
// folder and the image are served with context.route, so nothing is copied into dist/. WebGPU needs
// --enable-unsafe-webgpu and is SwiftShader here: its rows are correctness_only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { stopWithThisProcess } from '../cli/childProcesses';
import { decoderFields, spreadFields, type BenchRow, type MatmulRow } from './rows';
import { spread } from './stats';
import type { PageRow } from '../../src/ui/diagnosticsBench';

const BASE = 'http://127.0.0.1:4173';

export class BenchPageError extends Error {
  override name = 'BenchPageError';
}

async function serverUp(base = BASE): Promise<boolean> {
  try {
    return (await fetch(`${base}/diagnostics.html`)).ok;
  } catch {
    return false;
  }
}

/** Starts `vite preview` on the port (4173) unless one is already serving; returns the process we started (or null),
 *  which is stopped with this process however it ends. */
export async function ensurePreview(repoRoot: string, port = 4173): Promise<ChildProcess | null> {
  const base = `http://127.0.0.1:${port}`;
  if (await serverUp(base)) return null;
  // vite's own entry under this Node, not `npx vite`: killing npx would leave its vite child serving the port
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const child = stopWithThisProcess(
    spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: repoRoot, stdio: 'ignore' }),
  );
  for (let i = 0; i < 120; i++) {
    if (await serverUp(base)) return child;
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill();
  throw new BenchPageError(`vite preview did not start on 127.0.0.1:${port}; run \`npx vite build\` and check the port is free`);
}

/** Sum of VmRSS (MiB) over a process and its descendants, from /proc (Linux). */
export function treeRssMb(rootPid: number): number {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let kb = 0;
  for (const pid of tree) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

export interface ChromiumResult {
  rows: BenchRow[];
  matmul: MatmulRow[];
  info: Record<string, unknown>;
}

interface PageResult {
  rows?: PageRow[];
  matmul?: MatmulRow[];
  errors?: string[];
  [k: string]: unknown;
}

function toRow(r: PageRow, peakMb: number, wasmText: Map<string, string>): BenchRow {
  const same = r.backend === 'webgpu' ? wasmText.get(`${r.precision}:${r.beam}`) : undefined;
  return {
    where: 'chromium',
    backend: r.backend,
    precision: r.precision,
    beam: r.beam,
    search: r.search,
    ...(r.variant ? { variant: r.variant } : {}),
    kv_cache: true,
    runs: r.runs,
    ...(r.time_ratio_vs_plain !== undefined ? { time_ratio_vs_plain: r.time_ratio_vs_plain } : {}),
    ...spreadFields('encode_ms', spread(r.encode_ms)),
    ...spreadFields('decode_ms_per_token', spread(r.decode_ms_per_token)),
    ...spreadFields('report_ms', spread(r.report_ms)),
    tokens_median: spread(r.tokens).median,
    ...(r.decoder ? decoderFields(r.decoder) : {}),
    session_ms: r.session_ms,
    first_report_cold_ms: r.first_report_cold_ms,
    first_report_warm_ms: r.first_report_warm_ms,
    first_report_from_page_open_ms: r.first_report_from_page_open_ms,
    memory_mb: peakMb,
    memory_kind: 'peak RSS of the Chromium process tree while this device/precision ran (its own page load)',
    ...(r.correctness_only ? { correctness_only: true } : {}),
    ...(same !== undefined ? { same_report_as: same === r.report_text ? 'chromium wasm (identical text)' : 'DIFFERS from chromium wasm' } : {}),
  } as BenchRow;
}

/** One page load per device/precision (so each gets its own peak memory), one with int8 and fp32 side by side (their
 *  ratio, timed in turns), then the MatMul throughput. */
export async function chromiumRows(opts: {
  modelDir: string;
  image: string;
  runs: number;
  beams: number[];
  precisions: string[];
  webgpuPrecision: string;
  defaultBeam: number; // the int8 row with weights re-dequantised every call runs at this beam only
  pairedBeams: number[]; // int8 against fp32 in one page, report by report, at these widths (when both are benched)
  timeoutMs?: number;
}): Promise<ChromiumResult> {
  const server = await chromium.launchServer({
    executablePath: '/usr/bin/chromium',
    args: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--no-sandbox'],
  });
  const browser = await chromium.connect(server.wsEndpoint());
  const pid = server.process().pid;
  let peakRssMb = 0;
  const sampler = setInterval(() => {
    if (pid) peakRssMb = Math.max(peakRssMb, treeRssMb(pid));
  }, 250);
  try {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.route(/\/bench-model\//, (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.split('/bench-model/')[1] ?? '');
      const file = path.join(opts.modelDir, rel);
      if (!rel || rel.includes('..') || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ body: readFileSync(file), contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    });
    await context.route(/\/bench-image$/, (route) => route.fulfill({ body: readFileSync(opts.image), contentType: 'application/octet-stream' }));
    const runPage = async (params: Record<string, string>): Promise<{ result: PageResult; peakMb: number }> => {
      const page = await context.newPage();
      await new Promise((r) => setTimeout(r, 500));
      peakRssMb = 0;
      const q = new URLSearchParams({
        bench: `${BASE}/bench-model/`,
        image: `${BASE}/bench-image`,
        runs: String(opts.runs),
        beams: opts.beams.join(','),
        ...params,
      });
      await page.goto(`${BASE}/diagnostics.html?${q}`);
      await page.waitForSelector('#result[data-done="true"]', { timeout: opts.timeoutMs ?? 30 * 60_000 });
      const result = JSON.parse((await page.textContent('#result')) ?? '{}') as PageResult;
      const peakMb = peakRssMb;
      await page.close();
      if (!result.rows)
        throw new BenchPageError(
          `the diagnostics page has no ?bench= mode or failed (${JSON.stringify(result).slice(0, 300)}); rebuild with \`npx vite build\``,
        );
      return { result, peakMb };
    };
    const blank = await context.newPage();
    await new Promise((r) => setTimeout(r, 1000));
    const idleRssMb = pid ? treeRssMb(pid) : NaN; // the browser with one blank page, before any model
    await blank.close();
    const pageRows: Array<{ row: PageRow; peakMb: number }> = [];
    const errors: string[] = [];
    let info: Record<string, unknown> = {};
    const combos: Record<string, string>[] = [
      ...opts.precisions.map((p) => ({ devices: 'wasm', precisions: p })),
      ...(opts.precisions.includes('int8') ? [{ devices: 'wasm', precisions: 'int8', fold: '0', beams: String(opts.defaultBeam) }] : []),
      { devices: 'webgpu', precisions: opts.webgpuPrecision },
    ];
    for (const combo of combos) {
      const { result, peakMb } = await runPage({ webgpu_precision: combo.precisions, matmul: '[]', ...combo });
      pageRows.push(...(result.rows ?? []).map((row) => ({ row, peakMb })));
      errors.push(...(result.errors ?? []));
      const { rows: _r, matmul: _m, errors: _e, ...rest } = result;
      void [_r, _m, _e];
      info = rest;
    }
    // int8 against fp32 in one page, the two engines taking turns report by report: the ratio without the
    // minutes between the precisions' own page loads, over which this shared machine's load drifts.
    let paired: unknown;
    if (opts.precisions.includes('int8') && opts.precisions.includes('fp32') && opts.pairedBeams.length) {
      const { result } = await runPage({
        devices: 'wasm',
        precisions: '',
        paired: 'int8,fp32',
        beams: opts.pairedBeams.join(','),
        runs: String(Math.max(2 * opts.runs, 10)),
        matmul: '[]',
      });
      errors.push(...(result.errors ?? []));
      paired = result.paired;
    }
    // The MatMul throughput, and the backend the engine picks with device 'auto' (both timed; SwiftShader's WebGPU here),
    // again with WebGPU stepping through the merged decoder instead of the captured static one.
    const { result: mm } = await runPage({
      devices: 'wasm,webgpu',
      precisions: '',
      beams: '',
      matmul: '[[512,512,512]]',
      auto: opts.webgpuPrecision,
      auto_merged: '1',
    });
    errors.push(...(mm.errors ?? []));
    const wasmText = new Map(
      pageRows
        .filter((r) => r.row.backend === 'wasm' && r.row.search === 'plain' && !r.row.variant)
        .map((r) => [`${r.row.precision}:${r.row.beam}`, r.row.report_text]),
    );
    return {
      rows: pageRows.map((r) => toRow(r.row, r.peakMb, wasmText)),
      matmul: (mm.matmul ?? []).map((m) => ({ ...m, where: 'chromium' as const })),
      info: { ...info, errors, idle_rss_mb_browser_process_tree: idleRssMb, auto_choice: mm.auto_choice, auto_choice_merged: mm.auto_choice_merged, paired },
    };
  } finally {
    clearInterval(sampler);
    await browser.close();
    await server.close();
  }
}
