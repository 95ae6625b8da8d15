// A first visit, counted at the server (a counting proxy in front of `vite preview`), with the shipped model:
// every file is downloaded once (the engine waits for the service worker, which serves and keeps what the
// worker fetches), only the ONNX Runtime build the device runs is downloaded, and the WASM path sends at most 20 MB
// of model files (issue 11's int8 download budget) and 28 MB in all (onnxruntime's WebAssembly is 14 MB of it). The
// one other request allowed is the browser's own update check of sw.js and the script it
// imports, answered 304 with no body. The per-file counts go to test-results/first-visit-<path>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startCountingProxy, type CountingProxy } from './countingProxy';
import { repoRoot, watchErrors } from './pageHelpers';

const serverPort = Number(process.env.PW_PORT ?? 4173);
let proxy: CountingProxy;

test.beforeAll(async () => {
  proxy = await startCountingProxy(`http://127.0.0.1:${serverPort}`, serverPort + 10);
});
test.afterAll(async () => proxy.close());

async function firstVisit(page: import('@playwright/test').Page, device: 'wasm' | 'webgpu') {
  const since = proxy.sent.length;
  const errors = watchErrors(page);
  await page.goto(`${proxy.origin}/?device=${device}`);
  await expect(page.getByTestId('offline-chip')).toHaveText('Ready offline', { timeout: 150_000 });
  await expect(page.getByTestId('backend')).toContainText(`Backend: ${device.toUpperCase()}`);
  const files = proxy.perPath(since);
  const rows = [...files].map(([p, c]) => ({ path: p, ...c })).sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const swCheck = (r: (typeof rows)[number]): boolean => ['/sw.js', '/sw-models.js'].includes(r.path) && r.requests - r.notModified === 1;
  const downloadedTwice = rows.filter((r) => r.requests !== 1 && !swCheck(r));
  const dir = path.join(repoRoot, 'test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, `first-visit-${device}.json`),
    JSON.stringify({ device, requests: rows.reduce((s, r) => s + r.requests, 0), bytes: total, files: rows }),
  );
  expect(errors).toEqual([]);
  return { rows, total, files, downloadedTwice };
}

test('a first visit on WASM downloads each file once, the plain runtime build only, at most 20 MB of model and 28 MB in all', async ({ page }) => {
  test.setTimeout(200_000);
  const { rows, total, files, downloadedTwice } = await firstVisit(page, 'wasm');
  expect(downloadedTwice).toEqual([]);
  expect((files.get('/')?.requests ?? 0) + (files.get('/index.html')?.requests ?? 0)).toBe(1); // the page, once, under either name
  const names = rows.map((r) => r.path);
  expect(names.filter((p) => /ort-wasm-simd-threaded-[^.]*\.wasm$|ort\.wasm\.bundle\.min-[^/]*\.mjs$/.test(p))).toHaveLength(2);
  expect(names.filter((p) => /asyncify|ort\.webgpu\.bundle/.test(p))).toEqual([]);
  for (const f of ['/models/index.json', '/models/serpent-cxr/manifest.json', '/models/serpent-cxr/tokenizer.json', '/sw.js', '/manifest.webmanifest']) {
    expect(names).toContain(f);
  }
  const model = rows.filter((r) => r.path.startsWith('/models/')).reduce((s, r) => s + r.bytes, 0);
  expect(model).toBeGreaterThan(5e6); // the model's files came through the counted server
  expect(model).toBeLessThanOrEqual(20e6);
  expect(total).toBeLessThanOrEqual(28e6);
});

test('a first visit on WebGPU downloads each file once, the WebGPU runtime build only', async ({ page }) => {
  test.setTimeout(200_000);
  const { rows, downloadedTwice } = await firstVisit(page, 'webgpu');
  expect(downloadedTwice).toEqual([]);
  const names = rows.map((r) => r.path);
  expect(names.filter((p) => /ort-wasm-simd-threaded\.asyncify-[^/]*\.wasm$|ort\.webgpu\.bundle\.min-[^/]*\.mjs$/.test(p))).toHaveLength(2);
  expect(names.filter((p) => /ort-wasm-simd-threaded-[^.]*\.wasm$|ort\.wasm\.bundle/.test(p))).toEqual([]);
});
