// The returning visit, timed on the app page itself: a persistent Chromium profile opens the built app, a radiograph
// is given to its file input as soon as the input exists, and the time from navigation start to the first report
// word on screen is read in the page (a MutationObserver installed before the app's scripts). The first visit fills
// the service worker's offline copy and lets V8 keep its optimised code for onnxruntime's WebAssembly (it does so
// only for a module that has stayed alive a while, hence the settle pause); the later visits are what a person who
// opened the page before sees. This measures the app's installed model (dist/models), not --model.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { spread, type Spread } from './stats';

const BASE = 'http://127.0.0.1:4173';

export interface ReturningVisitResult {
  first_visit_ms: number; // empty profile: the download, the WebAssembly compile and the first report
  returning_visit_ms: number[]; // navigation start → the first report word, per later visit
  returning_visit: Spread;
  image_given_at_ms: number[]; // navigation start → the file input had the radiograph, per later visit
  settle_ms: number;
}

declare global {
  interface Window {
    __serpentFirstReportAt?: number | null;
  }
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
): Promise<{ reportAt: number; imageAt: number }> {
  const page = await context.newPage();
  try {
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.getByTestId('file-input').setInputFiles(image, { timeout: timeoutMs });
    const imageAt = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => typeof window.__serpentFirstReportAt === 'number', null, { timeout: timeoutMs });
    const reportAt = await page.evaluate(() => window.__serpentFirstReportAt as number);
    return { reportAt, imageAt };
  } finally {
    await page.close();
  }
}

export async function returningVisitRows(opts: {
  image: string;
  visits: number;
  settleMs?: number;
  timeoutMs?: number;
  base?: string; // the served build (default vite preview's 127.0.0.1:4173)
}): Promise<ReturningVisitResult> {
  const base = opts.base ?? BASE;
  const settleMs = opts.settleMs ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const profile = mkdtempSync(path.join(tmpdir(), 'serpent-returning-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await context.addInitScript(FIRST_REPORT_PROBE);
    const first = await visit(context, base, opts.image, timeoutMs);
    // The first visit's page stays open while V8 writes its code cache and the service worker keeps the model.
    const settle = await context.newPage();
    await settle.goto(`${base}/`);
    await new Promise((r) => setTimeout(r, settleMs));
    await settle.close();
    const later: { reportAt: number; imageAt: number }[] = [];
    for (let i = 0; i < opts.visits; i++) later.push(await visit(context, base, opts.image, timeoutMs));
    const ms = later.map((v) => v.reportAt);
    return {
      first_visit_ms: first.reportAt,
      returning_visit_ms: ms,
      returning_visit: spread(ms),
      image_given_at_ms: later.map((v) => v.imageAt),
      settle_ms: settleMs,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
