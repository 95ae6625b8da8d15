// The returning visit, timed on the app page itself: a persistent Chromium profile opens the built app, a radiograph
// is given to its file input as soon as the input exists, and the time from navigation start to the first report
// word on screen is read in the page (a MutationObserver installed before the app's scripts). The first visit fills
// the service worker's offline copy and lets V8 keep its optimised code for onnxruntime's WebAssembly (it does so
// only for a module that has stayed alive a while, hence the settle pause); the later visits are what a person who
// opened the page before sees. This measures the app's installed model (dist/models), not --model. Where the
// time goes is read from the engine worker's messages (the page's Worker wrapped before its scripts run): when the
// page asks it to load, when the model files start and finish arriving, when it starts creating sessions, when the
// load is done; the rest, to the first report word, is the first report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { spread, type Spread } from './stats';

const BASE = 'http://127.0.0.1:4173';

/** A returning visit's phases, ms. */
export interface VisitPhases {
  to_load_request: number; // navigation start → the page asks the engine worker to load
  to_files: number; // → the worker has the manifest and starts reading the model files
  files: number; // reading them (the offline copy) and checking their sha256
  sessions: number; // ONNX Runtime sessions and the warm-up (the WebAssembly start-up where it is not done yet)
  first_report: number; // the load done → the first report word on screen
  // The first report's own timings, as the engine returned them (absent for an engine that does not report them):
  report_encode?: number; // the image-side sessions: vision encoder, OOD detector, readers, image tower (not the file decode)
  report_decoder_calls?: number; // inside the decoder session's calls (onnxruntime's WebAssembly)
  report_search_rest?: number; // the rest of the search and the rerank, maps and lesion map (JavaScript, the towers' text pass)
}

export interface ReturningVisitResult {
  first_visit_ms: number; // empty profile: the download, the WebAssembly compile and the first report
  returning_visit_ms: number[]; // navigation start → the first report word, per later visit
  returning_visit: Spread;
  phases?: (VisitPhases | null)[]; // per returning visit (null: a mark was missing); medianPhases summarises them
  image_given_at_ms: number[]; // navigation start → the file input had the radiograph, per later visit
  report_after_image_ms?: number[]; // the radiograph given → the first report word, per later visit
  settle_ms: number;
}

declare global {
  interface Window {
    __serpentFirstReportAt?: number | null;
    __serpentWorkerMarks?: Record<string, number>;
    __serpentReportTimings?: ReportTimingsProbe;
  }
}

// Times of the engine worker's messages: the first of each kind (a load request, download start and end, compile).
const WORKER_PROBE = `
  window.__serpentWorkerMarks = {};
  const mark = (k) => { if (!(k in window.__serpentWorkerMarks)) window.__serpentWorkerMarks[k] = performance.now(); };
  const PageWorker = window.Worker;
  window.Worker = function (url, options) {
    const worker = new PageWorker(url, options);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message, transfer) => {
      if (message && message.kind === 'load') mark('load_request');
      return post(message, transfer);
    };
    worker.addEventListener('message', (e) => {
      const d = e.data || {};
      const ev = d.event || {};
      if (d.kind === 'progress' && ev.stage === 'download' && ev.loaded === 0) mark('files_start');
      if (d.kind === 'progress' && ev.stage === 'download' && ev.total > 0 && ev.loaded === ev.total) mark('files_end');
      if (d.kind === 'progress' && ev.stage === 'compile') mark('sessions_start');
      if (d.kind === 'result' && 'load_request' in window.__serpentWorkerMarks) mark('loaded');
      const t = d.kind === 'result' && d.result && d.result.timings;
      if (t && !window.__serpentReportTimings) window.__serpentReportTimings = { encode: t.encode_ms, decode: t.decode_ms, decoder: t.decoder && t.decoder.run_ms };
    });
    return worker;
  };
  window.Worker.prototype = PageWorker.prototype;
`;

/** The first report's timings as the worker's result message carried them (ms). */
export interface ReportTimingsProbe {
  encode: number;
  decode: number;
  decoder?: number;
}

/** Phases of one visit from its marks; null when a mark is missing (e.g. an engine that changed its messages). */
export function visitPhases(marks: Record<string, number>, reportAt: number, report?: ReportTimingsProbe): VisitPhases | null {
  const { load_request, files_start, files_end, sessions_start, loaded } = marks;
  if ([load_request, files_start, files_end, sessions_start, loaded].some((m) => typeof m !== 'number')) return null;
  const calls = report?.decoder;
  return {
    to_load_request: load_request,
    to_files: files_start - load_request,
    files: files_end - files_start,
    sessions: loaded - sessions_start,
    first_report: reportAt - loaded,
    ...(report && typeof calls === 'number' ? { report_encode: report.encode, report_decoder_calls: calls, report_search_rest: report.decode - calls } : {}),
  };
}

/** The median of each phase over the visits that have them all (undefined when none has). */
export function medianPhases(visits: readonly (VisitPhases | null)[]): VisitPhases | undefined {
  const all = visits.filter((v): v is VisitPhases => v !== null);
  if (all.length === 0) return undefined;
  // A phase enters the summary when every visit has it (the first report's split may be missing from some).
  const keys = (Object.keys(all[0]) as (keyof VisitPhases)[]).filter((k) => all.every((v) => typeof v[k] === 'number'));
  return Object.fromEntries(keys.map((k) => [k, spread(all.map((v) => v[k] as number)).median])) as unknown as VisitPhases;
}

// A string, not a function: tsx would wrap a named function for the page in a helper the page does not have.
const FIRST_REPORT_PROBE = `
  window.__serpentFirstReportAt = null;
  const firstReportObserver = new MutationObserver(() => {
    if (window.__serpentFirstReportAt === null && document.querySelector('[data-testid="report-word"]')) {
      window.__serpentFirstReportAt = performance.now();
      firstReportObserver.disconnect();
    }
  });
  firstReportObserver.observe(document, { subtree: true, childList: true });
`;

/** One visit: open the app, give it the image, wait for the first report word; both times since navigation start. */
async function visit(
  context: import('@playwright/test').BrowserContext,
  base: string,
  image: string,
  timeoutMs: number,
  imageDelayMs = 0,
): Promise<{ reportAt: number; imageAt: number; phases: VisitPhases | null }> {
  const page = await context.newPage();
  try {
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    if (imageDelayMs > 0) {
      // A person who opens the page and then picks a file: the radiograph comes this long after the model loaded.
      await page.waitForFunction(() => typeof window.__serpentWorkerMarks?.loaded === 'number', null, { timeout: timeoutMs });
      await page.waitForTimeout(imageDelayMs);
    }
    await page.getByTestId('file-input').setInputFiles(image, { timeout: timeoutMs });
    const imageAt = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => typeof window.__serpentFirstReportAt === 'number', null, { timeout: timeoutMs });
    const reportAt = await page.evaluate(() => window.__serpentFirstReportAt as number);
    const marks = await page.evaluate(() => window.__serpentWorkerMarks ?? {});
    // The result message follows the first streamed word: wait for it (a short while; without it the split is left out).
    await page.waitForFunction(() => window.__serpentReportTimings !== undefined, null, { timeout: 30_000 }).catch(() => undefined);
    const report = await page.evaluate(() => window.__serpentReportTimings);
    return { reportAt, imageAt, phases: visitPhases(marks, reportAt, report) };
  } finally {
    await page.close();
  }
}

export async function returningVisitRows(opts: {
  image: string;
  visits: number;
  settleMs?: number;
  gapMs?: number; // a pause before each returning visit, so that one visit's leftover work does not land in the next
  imageDelayMs?: number; // give the radiograph this long after the model loaded (default 0: as soon as the page can take it)
  timeoutMs?: number;
  base?: string; // the served build (default vite preview's 127.0.0.1:4173)
}): Promise<ReturningVisitResult> {
  const base = opts.base ?? BASE;
  const settleMs = opts.settleMs ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const profile = mkdtempSync(path.join(tmpdir(), 'serpent-returning-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await context.addInitScript(FIRST_REPORT_PROBE + WORKER_PROBE);
    const first = await visit(context, base, opts.image, timeoutMs);
    // The first visit's page stays open while V8 writes its code cache and the service worker keeps the model.
    const settle = await context.newPage();
    await settle.goto(`${base}/`);
    await new Promise((r) => setTimeout(r, settleMs));
    await settle.close();
    const later: { reportAt: number; imageAt: number; phases: VisitPhases | null }[] = [];
    for (let i = 0; i < opts.visits; i++) {
      if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      later.push(await visit(context, base, opts.image, timeoutMs, opts.imageDelayMs));
    }
    const ms = later.map((v) => v.reportAt);
    return {
      first_visit_ms: first.reportAt,
      returning_visit_ms: ms,
      returning_visit: spread(ms),
      phases: later.map((v) => v.phases),
      image_given_at_ms: later.map((v) => v.imageAt),
      report_after_image_ms: later.map((v) => v.reportAt - v.imageAt),
      settle_ms: settleMs,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
