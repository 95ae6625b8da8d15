// Updates: the kept model is keyed by its files' sha256, so when the server serves a re-exported model
// (random-tiny 0.0.0 -> 0.0.1, other weights) the page says so, the next load uses it, and the old files are
// deleted; a new app build (a new sw.js) installs itself, the page says "reload", and the old shell is deleted.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startCountingProxy } from './countingProxy';
import { axeViolations, serveTinyModel, tinyModelDir, tinyModelDirB, watchErrors } from './pageHelpers';

interface TinyManifest {
  default_precision: string;
  files: Record<string, Record<string, { sha256: string }>>;
  ood: { detector?: { sha256: string } };
}

function modelHashes(dir: string): string[] {
  const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as TinyManifest;
  const entries = Object.values(m.files[m.default_precision]).map((e) => e.sha256);
  return m.ood.detector ? [...entries, m.ood.detector.sha256] : entries;
}

/** The page's cache names, read without opening any: caches.open would create again a cache the service worker's
 *  activation deletes between keys() and open(), and the poll below would then wait on it for ever. */
const cacheNames = (page: Page): Promise<string[]> => page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('serpent-')));

async function cachedUrls(page: Page): Promise<{ names: string[]; urls: string[] }> {
  return page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith('serpent-'));
    const urls: string[] = [];
    for (const n of names) for (const r of await (await caches.open(n)).keys()) urls.push(r.url);
    return { names, urls };
  });
}

test('a re-exported model is noticed, used after one reload, and the old files are deleted', async ({ page, context }) => {
  test.setTimeout(180_000);
  const dirA = tinyModelDir();
  const dirB = tinyModelDirB();
  let served = dirA;
  await serveTinyModel(context, () => served);
  const errors = watchErrors(page);
  await page.goto('/?device=wasm');
  await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
  const hashesA = modelHashes(dirA);
  const hashesB = modelHashes(dirB);
  expect(hashesB.some((h) => hashesA.includes(h))).toBe(false);
  const keptA = (await cachedUrls(page)).urls;
  for (const h of hashesA) expect(keptA.some((u) => u.endsWith(`/models/.sha256/${h}`))).toBe(true);

  served = dirB;
  await page.locator('summary', { hasText: 'Offline use' }).click();
  await page.getByRole('button', { name: 'Check for updates' }).click();
  await expect(page.getByTestId('update-notice')).toContainText('A newer model is available (random-tiny 0.0.1)');
  expect(await axeViolations(page), 'the update banner').toEqual([]);
  await page.getByRole('button', { name: 'Reload now' }).click();

  await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
  await page.locator('summary', { hasText: 'Backend and timings' }).click();
  await expect(page.getByTestId('backend-panel')).toContainText('random-tiny 0.0.1');
  await page.locator('summary', { hasText: 'Offline use' }).click();
  await expect(page.getByTestId('offline-panel')).toContainText(/random-tiny 0\.0\.1: \d+ files.*files of an older version deleted/);
  const keptB = (await cachedUrls(page)).urls;
  for (const h of hashesB) expect(keptB.some((u) => u.endsWith(`/models/.sha256/${h}`))).toBe(true);
  for (const h of hashesA) expect(keptB.some((u) => u.endsWith(`/models/.sha256/${h}`))).toBe(false);
  await expect(page.getByTestId('update-notice')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a new app build installs itself, the page says reload, and the old shell is deleted', async ({ page, context }) => {
  test.setTimeout(180_000);
  // Through a proxy that can serve the next build's sw.js (context.route does not see service worker scripts).
  const port = Number(process.env.PW_PORT ?? 4173);
  const proxy = await startCountingProxy(`http://127.0.0.1:${port}`, port + 11);
  try {
    await serveTinyModel(context);
    const errors = watchErrors(page);
    await page.goto(`${proxy.origin}/?device=wasm`);
    await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
    const before = (await cachedUrls(page)).names.filter((n) => n.startsWith('serpent-shell-'));
    expect(before).toHaveLength(1);

    // The next build: the same files here, but a new sw.js (its inlined version differs), as `npm run build` writes.
    proxy.rewrite = (p, body) => (p === '/sw.js' ? body.replace(/"version":"[0-9a-f]+"/, '"version":"0000000000000001"') : null);
    await page.locator('summary', { hasText: 'Offline use' }).click();
    await page.getByRole('button', { name: 'Check for updates' }).click();
    await expect(page.getByTestId('update-notice')).toContainText('A newer version of the app has been installed');
    await expect.poll(async () => (await cacheNames(page)).filter((n) => n.startsWith('serpent-shell-'))).toEqual(['serpent-shell-0000000000000001']);
    // The new shell already holds the WASM runtime the device used (carried over, not downloaded again), so the app is
    // offline-ready whatever the reloaded page fetches.
    const isRuntime = (path: string) => /\/assets\/ort[.-]/.test(path);
    const runtime = (await cachedUrls(page)).urls.filter(isRuntime);
    expect(runtime.some((u) => /ort-wasm-simd-threaded-[^.]*\.wasm$/.test(u))).toBe(true);
    expect(runtime.some((u) => /ort\.wasm\.bundle\.min-[^/]*\.mjs$/.test(u))).toBe(true);
    const runtimeFetches = proxy.sent.filter((s) => isRuntime(s.path)).length;
    await page.getByRole('button', { name: 'Reload now' }).click();
    await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
    await expect(page.getByTestId('update-notice')).toHaveCount(0);
    expect(proxy.sent.filter((s) => isRuntime(s.path)).length).toBe(runtimeFetches); // the reload read the runtime from the offline copy
    expect(errors).toEqual([]);
  } finally {
    await proxy.close();
  }
});
