// Chromium rows of the benchmark: Debian's Chromium (Playwright, never a downloaded browser) opens the built
// diagnostics page in ?bench= mode, which times the page's own worker engine (diagnosticsBench.ts). The model
// folder and the image are served with context.route, so nothing is copied into dist/. WebGPU needs
// --enable-unsafe-webgpu and is SwiftShader here: its rows are correctness_only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { spreadFields, type BenchRow, type MatmulRow } from './rows';
import { spread } from './stats';

const BASE = 'http://127.0.0.1:4173';

export class BenchPageError extends Error {
  override name = 'BenchPageError';
}

async function serverUp(): Promise<boolean> {
  try {
    return (await fetch(`${BASE}/diagnostics.html`)).ok;
  } catch {
    return false;
  }
}

/** Starts `vite preview` on 4173 unless one is already serving; returns the process we started (or null). */
export async function ensurePreview(repoRoot: string): Promise<ChildProcess | null> {
  if (await serverUp()) return null;
  const child = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', '4173', '--strictPort'], { cwd: repoRoot, stdio: 'ignore' });
  for (let i = 0; i < 120; i++) {
    if (await serverUp()) return child;
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill();
  throw new BenchPageError('vite preview did not start on 127.0.0.1:4173; run `npx vite build` and check the port is free');
}

interface PageRow {
  backend: string; precision: string; beam: number; runs: number;
  encode_ms: number[]; decode_ms_per_token: number[]; report_ms: number[]; tokens: number[]; report_text: string;
  session_ms: number; first_report_cold_ms: number; first_report_warm_ms: number;
  memory_mb: number | null; memory_kind: string; correctness_only: boolean;
}

export interface ChromiumResult {
  rows: BenchRow[];
  matmul: MatmulRow[];
  info: Record<string, unknown>;
}

export async function chromiumRows(opts: { modelDir: string; image: string; runs: number; beams: number[]; precisions: string[]; webgpuPrecision: string; timeoutMs?: number }): Promise<ChromiumResult> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--no-sandbox'] });
  try {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.route(/\/bench-model\//, (route) => {
      const rel = decodeURIComponent(new URL(route.request().url()).pathname.split('/bench-model/')[1] ?? '');
      const file = path.join(opts.modelDir, rel);
      if (!rel || rel.includes('..') || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ body: readFileSync(file), contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    });
    await context.route(/\/bench-image$/, (route) => route.fulfill({ body: readFileSync(opts.image), contentType: 'application/octet-stream' }));
    const page = await context.newPage();
    const q = new URLSearchParams({ bench: `${BASE}/bench-model/`, image: `${BASE}/bench-image`, runs: String(opts.runs), beams: opts.beams.join(','), precisions: opts.precisions.join(','), webgpu_precision: opts.webgpuPrecision });
    await page.goto(`${BASE}/diagnostics.html?${q}`);
    await page.waitForSelector('#result[data-done="true"]', { timeout: opts.timeoutMs ?? 30 * 60_000 });
    const result = JSON.parse((await page.textContent('#result')) ?? '{}') as { rows?: PageRow[]; matmul?: MatmulRow[]; errors?: string[]; [k: string]: unknown };
    if (!result.rows) throw new BenchPageError(`the diagnostics page has no ?bench= mode or failed (${JSON.stringify(result).slice(0, 300)}); rebuild with \`npx vite build\``);
    const wasmText = new Map(result.rows.filter((r) => r.backend === 'wasm').map((r) => [`${r.precision}:${r.beam}`, r.report_text]));
    const rows = result.rows.map((r): BenchRow => {
      const same = r.backend === 'webgpu' ? wasmText.get(`${r.precision}:${r.beam}`) : undefined;
      return {
        where: 'chromium', backend: r.backend, precision: r.precision, beam: r.beam, kv_cache: true, runs: r.runs,
        ...spreadFields('encode_ms', spread(r.encode_ms)),
        ...spreadFields('decode_ms_per_token', spread(r.decode_ms_per_token)),
        ...spreadFields('report_ms', spread(r.report_ms)),
        tokens_median: spread(r.tokens).median,
        session_ms: r.session_ms, first_report_cold_ms: r.first_report_cold_ms, first_report_warm_ms: r.first_report_warm_ms,
        memory_mb: r.memory_mb ?? undefined, memory_kind: r.memory_kind,
        ...(r.correctness_only ? { correctness_only: true } : {}),
        ...(same !== undefined ? { same_report_as: same === r.report_text ? 'chromium wasm (identical text)' : 'DIFFERS from chromium wasm' } : {}),
      } as BenchRow;
    });
    const { rows: _r, matmul, ...info } = result;
    void _r;
    return { rows, matmul: (matmul ?? []).map((m) => ({ ...m, where: 'chromium' as const })), info };
  } finally {
    await browser.close();
  }
}
