// `npm run bench-viewer -- [--side 2048] [--zooms 1,2,4,8] [--seconds 2] [--port 4174] [--out FILE.json] [--traces DIR]`
// Does the viewer redraw at display rate? Debian's Chromium (Playwright) opens the built page with the
// random tiny model, drops a side×side 12-bit DICOM, pins a word (so the heatmap is drawn too) and, at each
// zoom, drags the image in a circle for `seconds` while (1) an in-page requestAnimationFrame recorder
// notes every frame, whether the view moved in it, and the gaps between frames, and (2) a Chromium
// performance trace records the compositor's frames (PipelineReporter: presented or dropped).
// Dropped frames from rAF = Σ (round(gap / vsync) − 1), vsync = the median gap.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { serveTinyModel, waitForReport } from '../../e2e/pageHelpers';
import { bigDicom } from '../../e2e/viewerHelpers';
import { parseFlags, usage, type FlagSpec } from '../cli/flags';
import { runMain } from '../cli/main';
import { REPO_ROOT, writeJsonFile } from '../cli/paths';
import { BenchPageError, ensurePreview } from './chromium';

const FLAGS = {
  side: { type: 'number', help: "the DICOM's side in px (default 2048)" },
  zooms: { type: 'list', help: 'zoom levels to pan at (default 1,2,4,8)' },
  seconds: { type: 'number', help: 'seconds of dragging per zoom (default 2)' },
  port: { type: 'number', help: 'port of the preview server (default $PW_PORT or 4174)' },
  out: { type: 'string', help: 'results JSON (default: none)' },
  traces: { type: 'string', help: 'folder to keep the Chromium traces in' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run bench-viewer -- [flags]';

interface PanRow {
  zoom: number;
  seconds: number;
  pointerMoves: number;
  frames: number; // rAF callbacks during the pan
  framesWithMove: number; // of those, frames in which the drawn view had changed
  vsyncMs: number;
  droppedFrames: number; // from rAF gaps
  longestGapMs: number;
  // compositor frames: presented, dropped, and no update desired (nothing new to draw: no pointer move that frame)
  trace: { presented: number; dropped: number; noUpdate: number; other: number; states: Record<string, number> } | null;
  // the page's main thread (CrRendererMain): busy time (union of its trace slices) per rAF frame, and the longest frame update
  mainThread: { busyMsPerFrame: number; busyShare: number; longestMainFrameMs: number } | null;
}

/** In the page: record rAF timestamps and whether the view's centre changed since the previous frame.
 *  A string, so that tsx's helpers (__name) are not needed inside the page. */
const RECORDER = `(() => {
  const canvas = document.querySelector('canvas.radiograph');
  const rec = { times: [], moved: 0, running: true, last: '' };
  window.__pan = rec;
  function tick(t) {
    if (!rec.running) return;
    const key = canvas.dataset.cx + ',' + canvas.dataset.cy;
    if (rec.times.length && key !== rec.last) rec.moved++;
    rec.last = key;
    rec.times.push(t);
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})()`;

async function startRecorder(page: Page): Promise<void> {
  await page.evaluate(RECORDER);
}

async function stopRecorder(page: Page): Promise<{ times: number[]; moved: number }> {
  return page.evaluate(() => {
    const rec = (window as unknown as { __pan: { times: number[]; moved: number; running: boolean } }).__pan;
    rec.running = false;
    return { times: rec.times, moved: rec.moved };
  });
}

function frameStats(times: number[]): { vsyncMs: number; dropped: number; longest: number } {
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const sorted = [...gaps].sort((a, b) => a - b);
  const vsync = sorted[Math.floor(sorted.length / 2)] ?? 1000 / 60;
  const dropped = gaps.reduce((n, g) => n + Math.max(0, Math.round(g / vsync) - 1), 0);
  return { vsyncMs: vsync, dropped, longest: sorted[sorted.length - 1] ?? 0 };
}

/** PipelineReporter slices of the trace, counted by frame state (absent in some Chromium builds: null). */
function traceFrames(trace: Buffer): PanRow['trace'] {
  const events = (JSON.parse(trace.toString('utf8')).traceEvents ?? []) as { name: string; ph: string; args?: Record<string, unknown> }[];
  const states: Record<string, number> = {};
  for (const e of events) {
    if (e.name !== 'PipelineReporter' || (e.ph !== 'b' && e.ph !== 'X')) continue; // one per frame ('e' ends carry no args)
    const report = (e.args?.frame_reporter ?? e.args?.chrome_frame_reporter ?? {}) as { state?: string };
    const state = report.state ?? 'unknown';
    states[state] = (states[state] ?? 0) + 1;
  }
  const total = Object.values(states).reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const presented = (states.STATE_PRESENTED_ALL ?? 0) + (states.STATE_PRESENTED_PARTIAL ?? 0);
  const dropped = states.STATE_DROPPED ?? 0;
  const noUpdate = states.STATE_NO_UPDATE_DESIRED ?? 0;
  return { presented, dropped, noUpdate, other: total - presented - dropped - noUpdate, states };
}

type TraceEvent = { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; args?: Record<string, unknown> };

/** Busy time of the renderer's main thread: the union of its complete slices (nested ones are inside their parents). */
function mainThreadBusy(trace: Buffer, frames: number): PanRow['mainThread'] {
  const events = (JSON.parse(trace.toString('utf8')).traceEvents ?? []) as TraceEvent[];
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && (e.args as { name?: string })?.name === 'CrRendererMain');
  if (!main) return null;
  const slices = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur).sort((a, b) => a.ts - b.ts);
  if (!slices.length) return null;
  let busy = 0;
  let [start, end] = [slices[0].ts, slices[0].ts + slices[0].dur!];
  for (const e of slices.slice(1)) {
    if (e.ts > end) {
      busy += end - start;
      [start, end] = [e.ts, e.ts + e.dur!];
    } else end = Math.max(end, e.ts + e.dur!);
  }
  busy += end - start;
  const span = slices[slices.length - 1].ts + slices[slices.length - 1].dur! - slices[0].ts;
  const longest = Math.max(0, ...slices.filter((e) => e.name === 'ProxyMain::BeginMainFrame').map((e) => e.dur!));
  return {
    busyMsPerFrame: Math.round((busy / 1000 / Math.max(frames, 1)) * 100) / 100,
    busyShare: Math.round((busy / span) * 100) / 100,
    longestMainFrameMs: Math.round(longest / 100) / 10,
  };
}

async function panAt(page: Page, zoom: number, seconds: number, traceDir?: string): Promise<PanRow> {
  const canvas = page.locator('canvas.radiograph').first();
  await canvas.focus();
  await page.keyboard.press('0');
  for (let z = 1; z * 1.25 <= zoom * 1.01; z *= 1.25) await page.keyboard.press('+');
  const box = (await canvas.boundingBox())!;
  const [cx, cy, r] = [box.x + box.width / 2, box.y + box.height / 2, box.width / 6];
  await page.mouse.move(cx + r, cy);
  await page.mouse.down();
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['benchmark', 'cc', 'viz', 'gpu', 'devtools.timeline', 'disabled-by-default-devtools.timeline.frame'] });
  await startRecorder(page);
  let moves = 0;
  const start = Date.now();
  while (Date.now() - start < seconds * 1000) {
    const a = ((Date.now() - start) / 1000) * 2 * Math.PI; // one turn a second
    await page.mouse.move(cx + r * Math.cos(a), cy + r * Math.sin(a));
    moves++;
  }
  const rec = await stopRecorder(page);
  const trace = await browser.stopTracing();
  if (traceDir) writeFileSync(path.join(traceDir, `viewer-pan-zoom${zoom}.json`), trace); // opens in DevTools › Performance
  await page.mouse.up();
  const stats = frameStats(rec.times);
  return {
    zoom: Number(await canvas.getAttribute('data-zoom')),
    seconds,
    pointerMoves: moves,
    frames: rec.times.length,
    framesWithMove: rec.moved,
    vsyncMs: Math.round(stats.vsyncMs * 100) / 100,
    droppedFrames: stats.dropped,
    longestGapMs: Math.round(stats.longest * 10) / 10,
    trace: traceFrames(trace),
    mainThread: mainThreadBusy(trace, rec.times.length),
  };
}

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) return void console.log(usage(COMMAND, FLAGS));
  const side = f.side ?? 2048;
  const zooms = (f.zooms ?? ['1', '2', '4', '8']).map(Number);
  const seconds = f.seconds ?? 2;
  const port = f.port ?? Number(process.env.PW_PORT ?? 4174);
  const server = await ensurePreview(REPO_ROOT, port);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, serviceWorkers: 'block' });
    await serveTinyModel(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/?device=wasm`);
    await page
      .getByTestId('file-input')
      .setInputFiles({ name: 'film.dcm', mimeType: 'application/dicom', buffer: await bigDicom('jsrt/JPCLN001.png', 'PA', side) });
    await waitForReport(page);
    await page.getByTestId('report-word').first().click(); // pin a word: its heatmap is drawn through every frame
    const rows: PanRow[] = [];
    for (const zoom of zooms) {
      const row = await panAt(page, zoom, seconds, f.traces);
      rows.push(row);
      const t = row.trace
        ? `trace: ${row.trace.presented} frames presented, ${row.trace.dropped} dropped, ${row.trace.noUpdate} with nothing new`
        : 'trace: no PipelineReporter events';
      const m = row.mainThread
        ? `; main thread busy ${row.mainThread.busyMsPerFrame} ms per frame (${Math.round(row.mainThread.busyShare * 100)}%), longest frame update ` +
          `${row.mainThread.longestMainFrameMs} ms`
        : '';
      console.log(
        `zoom ${row.zoom.toFixed(2)}: ${row.frames} frames in ${seconds} s (${row.framesWithMove} moved the view), vsync ${row.vsyncMs} ms, dropped ` +
          `${row.droppedFrames}, longest gap ${row.longestGapMs} ms, ${row.pointerMoves} pointer moves; ${t}${m}`,
      );
    }
    if (errors.length) throw new BenchPageError(`the page threw: ${errors.join('; ')}`);
    const canvasSide = await page
      .locator('canvas.radiograph')
      .first()
      .evaluate((c: HTMLCanvasElement) => c.width);
    // the machine's 1-minute load average beside the figures: dropped frames on a busy 2-core machine are contention
    const machine = { cpus: cpus().length, loadAverage1m: Math.round(loadavg()[0] * 100) / 100 };
    console.log(`canvas ${canvasSide}×${canvasSide} px, ${machine.cpus} CPUs, load average ${machine.loadAverage1m}`);
    const result = { image: `${side}×${side} DICOM`, canvasSide, chromium: browser.version(), machine, rows };
    if (f.out) writeJsonFile(f.out, result);
  } finally {
    await browser.close();
    server?.kill();
  }
}

runMain(import.meta.url, main);
