// Browser parity of image preprocessing: the built diagnostics page decodes + preprocesses real
// radiographs from ../shared/data with src/image, and its tensor must match the one Node computes
// with the same code (max abs diff ≤ 1/255). Files are served with page.route, never copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { decodeImage, decodeImageAsync, preprocess } from '../src/image';
import { TURBO_MIN_PIXELS } from '../src/image/decode';
import { enlargedJpeg } from '../tools/bench/enlargedFilm';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cxrImages = path.resolve(repoRoot, '../shared/data/cxr/images');
const OPTS = { size: 128, mean: 0.5, std: 0.25 };

interface PageResult {
  size?: number;
  sum?: number;
  values?: number[];
  error?: string;
}

async function preprocessInPage(page: Page, name: string, bytes: Uint8Array): Promise<PageResult> {
  await page.route(
    (url) => url.pathname === `/__fixtures__/${name}`,
    (route) => route.fulfill({ body: Buffer.from(bytes), contentType: 'application/octet-stream' }),
  );
  const query = new URLSearchParams({ preprocess: `/__fixtures__/${name}`, ...Object.fromEntries(Object.entries(OPTS).map(([k, v]) => [k, String(v)])) });
  await page.goto(`/diagnostics.html?${query}`);
  const result = page.locator('#result[data-done="true"]');
  await expect(result).toBeAttached();
  return JSON.parse((await result.textContent()) ?? '{}') as PageResult;
}

const FILES = [
  ['kermany/IM-0115-0001.jpeg', 'x.jpeg'], // JPEG, 224 → 128 (shrink)
  ['jsrt/JPCLN001.png', 'x.png'], // 8-bit grey PNG, 224 → 128
  ['nih64/00000001_000.png', 'small.png'], // 64 px PNG, enlarged to 128
] as const;

for (const [file, name] of FILES) {
  test(`page and Node preprocess ${file} to the same tensor`, async ({ page }) => {
    const bytes = new Uint8Array(readFileSync(path.join(cxrImages, file)));
    const node = preprocess(decodeImage(bytes), OPTS);
    const inPage = await preprocessInPage(page, name, bytes);
    expect(inPage.error).toBeUndefined();
    expect(inPage.size).toBe(OPTS.size);
    expect(inPage.values).toHaveLength(OPTS.size * OPTS.size);
    let worst = 0;
    let nodeSum = 0;
    inPage.values!.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - node.unit[i]));
      nodeSum += node.unit[i];
    });
    expect(worst).toBeLessThanOrEqual(1 / 255);
    expect(inPage.sum!).toBeCloseTo(nodeSum, 2);
    expect(nodeSum / node.unit.length).toBeGreaterThan(0.1); // a real image, not an all-black tensor
  });
}

test('page and Node decode a large JPEG with the same libjpeg-turbo (not jpeg-js) and preprocess it alike', async ({ page }) => {
  const bytes = new Uint8Array(enlargedJpeg(path.join(cxrImages, 'jsrt/JPCLN001.png'), 1200)); // 1000 × 1200
  expect(1000 * 1200).toBeGreaterThanOrEqual(TURBO_MIN_PIXELS);
  const node = preprocess(await decodeImageAsync(bytes), OPTS).unit;
  const jpegJs = preprocess(decodeImage(bytes), OPTS).unit;
  const inPage = await preprocessInPage(page, 'big.jpeg', bytes);
  expect(inPage.error).toBeUndefined();
  expect(inPage.values).toHaveLength(node.length);
  const worstFrom = (ref: Float32Array | number[]) => inPage.values!.reduce((w, v, i) => Math.max(w, Math.abs(v - ref[i])), 0);
  // The page matches Node's libjpeg-turbo decode to float rounding, and jpeg-js's only to a grey level: a page that
  // fell back to jpeg-js (its decoder's .wasm missing) fails here.
  expect(worstFrom(node)).toBeLessThan(1e-6);
  expect(worstFrom(jpegJs)).toBeGreaterThan(1e-4);
});

test('the page reports a typed, actionable error for a file that is not an image', async ({ page }) => {
  const notAnImage = new TextEncoder().encode('%PDF-1.4 this is a report, not a radiograph');
  const inPage = await preprocessInPage(page, 'report.pdf', notAnImage);
  expect(inPage.error).toMatch(/^ImageFormatError: This is a PDF document.*PNG, JPEG, JPEG 2000, TIFF or DICOM/);
});
