// Offline and installed: after one visit the service worker holds the app shell, the one ONNX runtime build
// the device used and the model; opened again from the installed app's start_url with the network off (and
// the test's model routes gone) it still drafts a report, cross-origin isolated, every response from the
// service worker. The panel says whether the browser keeps the copy and the space used. The web app manifest
// is valid and Chromium finds the page installable. "Clear offline copy" removes it all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { radiograph, screenshot, serveTinyModel, waitForReport, watchErrors, watchExternal } from './pageHelpers';

interface WebManifest {
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  display: string;
  icons: { src: string; sizes: string; type: string; purpose?: string }[];
}

test('the web app manifest is valid, its icons load at their sizes, and Chromium can install the page', async ({ baseURL }, testInfo) => {
  // A profile on disk: Chromium never offers to install from an incognito-like context.
  const profile = mkdtempSync(path.join(tmpdir(), 'serpent-profile-'));
  const launch = testInfo.project.use.launchOptions ?? {};
  const context = await chromium.launchPersistentContext(profile, { executablePath: launch.executablePath, args: launch.args, baseURL });
  try {
    await installable(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

async function installable(context: import('@playwright/test').BrowserContext): Promise<void> {
  const page = context.pages()[0] ?? (await context.newPage());
  await serveTinyModel(context);
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifestUrl = new URL(href!, page.url()).href;
  const res = await page.request.get(manifestUrl);
  expect(res.ok()).toBe(true);
  const m = (await res.json()) as WebManifest;
  expect(m.name).toContain('Serpent');
  expect(m.short_name).toBe('Serpent');
  expect(m.display).toBe('standalone');
  const scope = new URL(m.scope, manifestUrl).href;
  expect(new URL(m.start_url, manifestUrl).href.startsWith(scope)).toBe(true);
  expect(new URL(page.url()).href.startsWith(scope)).toBe(true);
  for (const want of ['192x192', '512x512']) expect(m.icons.some((i) => i.sizes === want && (i.purpose ?? 'any').includes('any'))).toBe(true);
  expect(m.icons.some((i) => i.purpose === 'maskable')).toBe(true);
  for (const icon of m.icons) {
    const url = new URL(icon.src, manifestUrl).href;
    const size = await page.evaluate(async (u) => {
      const bitmap = await createImageBitmap(await (await fetch(u)).blob());
      return `${bitmap.width}x${bitmap.height}`;
    }, url);
    expect(size, icon.src).toBe(icon.sizes);
    expect(icon.type).toBe('image/png');
  }
  // Chromium's own verdict (what makes it offer "Install"): no installability errors once the worker controls the page.
  await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
  expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
}

test('after one visit the installed app drafts with the network off', async ({ page, context }) => {
  const external = watchExternal(context);
  await serveTinyModel(context);
  await page.goto('/?device=wasm');
  await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
  await page.locator('summary', { hasText: 'Offline use' }).click();
  const panel = page.getByTestId('offline-panel');
  await expect(panel.getByTestId('offline-status')).toContainText('Ready offline');
  await expect(panel).toContainText(/App\s*\d+ files, [\d.]+ (KB|MB) \(ONNX Runtime: WASM build\)/);
  await expect(panel).toContainText(/Model\s*random-tiny 0\.0\.0: \d+ files, [\d.]+ KB/);
  await expect(panel.getByTestId('storage-kept')).toContainText(/Kept on this laptop|The browser may clear it/);
  await expect(panel.getByTestId('storage-used')).toContainText(/[\d.]+ (KB|MB) of [\d.]+ (MB|GB)/);
  await screenshot(page, '20-offline-ready');
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls: string[] = [];
    for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(new URL(r.url).pathname);
    return { names, urls };
  });
  expect(cached.names.filter((n) => n.startsWith('serpent-shell-'))).toHaveLength(1);
  expect(cached.urls).toContain('/index.html');
  expect(cached.urls.filter((u) => /ort-wasm-simd-threaded-[^.]*\.wasm$/.test(u))).toHaveLength(1);
  expect(cached.urls.filter((u) => /asyncify/.test(u))).toEqual([]); // the WebGPU build was never downloaded

  const manifestHref = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifestUrl = new URL(manifestHref!, page.url()).href;
  const startUrl = new URL(((await (await page.request.get(manifestUrl)).json()) as WebManifest).start_url, manifestUrl).href;

  await context.unrouteAll({ behavior: 'ignoreErrors' });
  await context.setOffline(true);
  const errors = watchErrors(page);
  const notFromCache: string[] = [];
  page.on('response', (r) => {
    if (!r.fromServiceWorker() && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) notFromCache.push(r.url());
  });
  // Opened from the installed icon: the manifest's start_url, on the backend the first visit used.
  await page.goto(`${startUrl}?device=wasm`);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('backend')).toContainText('Backend: WASM');
  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0117-0001.jpeg'));
  await waitForReport(page);
  await page.locator('summary', { hasText: 'Backend and timings' }).click();
  await expect(page.getByTestId('backend-panel')).toContainText('random-tiny');
  // The engine worker read the model straight from Cache Storage, not through the service worker's fetch.
  await expect(page.getByTestId('backend-panel')).toContainText(/[\d.]+ KB from the offline copy/);
  await screenshot(page, '21-offline-report');
  expect(notFromCache).toEqual([]);
  expect(errors).toEqual([]);

  await page.locator('summary', { hasText: 'Offline use' }).click();
  await page.getByRole('button', { name: 'Check for updates' }).click();
  await expect(page.getByTestId('update-check')).toContainText('cannot be reached; the kept copy stays in use');

  await context.setOffline(false);
  await page.getByRole('button', { name: 'Clear offline copy' }).click();
  await expect(page.getByTestId('offline-status')).toContainText('removed');
  expect(await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('serpent-')))).toEqual([]);
  expect(external).toEqual([]);
});

test('a runtime download the service worker could not keep is fetched again when the model is kept', async ({ page, context }) => {
  // The first download of onnxruntime's WebAssembly drops; the service worker serves the engine a second download but
  // has nothing to keep. Asked to keep the model, it downloads the build the engine runs on once more and keeps it.
  const wasmRequests: string[] = [];
  await context.route(/\/ort-wasm-simd-threaded[^/]*\.wasm$/, (route) => {
    wasmRequests.push(route.request().url());
    return wasmRequests.length === 1 ? route.abort('connectionreset') : route.continue();
  });
  const errors = watchErrors(page);
  await serveTinyModel(context);
  await page.goto('/?device=wasm');
  await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
  expect(wasmRequests).toHaveLength(3); // the dropped one, the engine's, the one kept
  const kept = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const n of await caches.keys()) for (const r of await (await caches.open(n)).keys()) urls.push(new URL(r.url).pathname);
    return urls.filter((u) => /ort-wasm-simd-threaded[^/]*\.wasm$/.test(u));
  });
  expect(kept).toHaveLength(1);
  await page.locator('summary', { hasText: 'Offline use' }).click();
  await expect(page.getByTestId('offline-panel')).toContainText('(ONNX Runtime: WASM build)');
  expect(errors).toEqual([]);
});

test('where the browser refuses service workers the page says so, names the error, and still drafts', async ({ page, context }) => {
  // What Chromium does with cookies blocked for the site, and Firefox in some private windows: register() rejects.
  await context.addInitScript(() => {
    ServiceWorkerContainer.prototype.register = () =>
      Promise.reject(new DOMException('Failed to register a ServiceWorker: The user denied permission to use Service Worker.', 'SecurityError'));
  });
  const errors = watchErrors(page);
  await serveTinyModel(context);
  await page.goto('/?device=wasm');
  await expect(page.getByTestId('offline-chip')).toHaveText('No offline copy (service workers refused)');
  await page.locator('summary', { hasText: 'Offline use' }).click();
  const panel = page.getByTestId('offline-panel');
  await expect(panel.getByTestId('offline-status')).toHaveAttribute('data-phase', 'refused');
  await expect(panel).toContainText('(SecurityError: Failed to register a ServiceWorker');
  await expect(panel).toContainText('allow them for this site to keep an offline copy');
  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0117-0001.jpeg'));
  await waitForReport(page);
  await screenshot(page, '22-service-worker-refused');
  expect(errors).toEqual([]);
});
