// Offline: after one visit the service worker holds the app shell, the ONNX runtime files and the model;
// with the network off (and the test's model routes gone) a reload still drafts a report, cross-origin
// isolated, every response coming from the service worker. "Clear offline copy" removes it.
import { expect, test } from '@playwright/test';
import { radiograph, screenshot, serveTinyModel, waitForReport, watchErrors, watchExternal } from './pageHelpers';

test('after one visit the page and the model work with the network off', async ({ page, context }) => {
  const external = watchExternal(context);
  await serveTinyModel(context);
  await page.goto('/?device=wasm');
  await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 90_000 });
  await page.locator('summary', { hasText: 'Offline use' }).click();
  const panel = page.getByTestId('offline-panel');
  await expect(panel.getByTestId('offline-status')).toContainText('Ready offline');
  await expect(panel).toContainText(/App\s*\d+ files, [\d.]+ MB/);
  await expect(panel).toContainText(/Model\s*random-tiny 0\.0\.0: \d+ files, [\d.]+ KB/);
  await screenshot(page, '20-offline-ready');
  const precache = await page.evaluate(async () => (await (await fetch('sw-precache.json')).json()) as { files: string[] });
  expect(precache.files).toContain('index.html');
  expect(precache.files.filter((f) => /ort-wasm[^/]*\.(wasm|mjs)$/.test(f))).toHaveLength(2);
  expect(precache.files.some((f) => f.startsWith('models/'))).toBe(false);

  await context.unrouteAll({ behavior: 'ignoreErrors' });
  await context.setOffline(true);
  const errors = watchErrors(page);
  const notFromCache: string[] = [];
  page.on('response', (r) => {
    if (!r.fromServiceWorker() && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) notFromCache.push(r.url());
  });
  await page.reload();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('backend')).toContainText('Backend: WASM');
  await page.getByTestId('file-input').setInputFiles(radiograph('kermany/IM-0117-0001.jpeg'));
  await waitForReport(page);
  await page.locator('summary', { hasText: 'Backend and timings' }).click();
  await expect(page.getByTestId('backend-panel')).toContainText('random-tiny');
  await screenshot(page, '21-offline-report');
  expect(notFromCache).toEqual([]);
  expect(errors).toEqual([]);

  await context.setOffline(false);
  await page.locator('summary', { hasText: 'Offline use' }).click();
  await page.getByRole('button', { name: 'Clear offline copy' }).click();
  await expect(page.getByTestId('offline-status')).toContainText('removed');
  expect(await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('serpent-')))).toEqual([]);
  expect(external).toEqual([]);
});
