// "Save view": the view downloads as a PNG key image that holds what the reader sees — the windowed film in the same
// field of view, at the film's own resolution where that is finer than the screen's, the heatmap in focus over it,
// the measured lines in their colour — above a dark caption band, and the toolbar says what it saved.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { expect, type Page, test } from '@playwright/test';
import { serveTinyModel, waitForReport } from './pageHelpers';
import { BIG, bigDicom, CHECKER, dragAcross } from './viewerHelpers';

test.use({ serviceWorkers: 'block' });
test.beforeEach(async ({ context }) => {
  await serveTinyModel(context);
});

interface Pixels {
  width: number;
  height: number;
  data: Uint8Array; // RGBA
}

async function savedView(page: Page): Promise<{ name: string; png: Pixels }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save view' }).click()]);
  const png = PNG.sync.read(readFileSync((await download.path())!));
  return { name: download.suggestedFilename(), png: { width: png.width, height: png.height, data: new Uint8Array(png.data) } };
}

const radiographPixels = (page: Page): Promise<Pixels> =>
  page.locator('canvas.radiograph').evaluate((c: HTMLCanvasElement) => ({
    width: c.width,
    height: c.height,
    data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) as unknown as Uint8Array,
  }));

/** The red value at (x, y) of the square `side` × `side` (a saved image's picture, or the screen canvas). */
const red = (p: Pixels, x: number, y: number): number => p.data[4 * (y * p.width + x)];

/** Mean |difference| of the saved picture, box-averaged down to the screen canvas's size, against that canvas (red). */
function meanDifference(saved: Pixels, screen: Pixels): number {
  const k = saved.width / screen.width;
  let sum = 0;
  for (let y = 0; y < screen.height; y++) {
    for (let x = 0; x < screen.width; x++) {
      let acc = 0;
      let n = 0;
      for (let yy = Math.floor(y * k); yy < Math.floor((y + 1) * k); yy++) {
        for (let xx = Math.floor(x * k); xx < Math.floor((x + 1) * k); xx++, n++) acc += red(saved, xx, yy);
      }
      sum += Math.abs(acc / n - red(screen, x, y));
    }
  }
  return sum / (screen.width * screen.height);
}

/** Share of the picture's pixels (the top square) that differ by more than 8 levels in a colour channel. */
function shareDiffering(a: Pixels, b: Pixels): number {
  const n = a.width * a.width;
  let differing = 0;
  for (let i = 0; i < n; i++) if ([0, 1, 2].some((c) => Math.abs(a.data[4 * i + c] - b.data[4 * i + c]) > 8)) differing++;
  return differing / n;
}

/** Mean |difference| of horizontally adjacent red values over the 1-px checkerboard, in a picture of `side` pixels
 *  showing the whole BIG-pixel film at fit. */
function checkerDetail(p: Pixels): number {
  const k = p.width / BIG;
  let sum = 0;
  let n = 0;
  for (let y = Math.ceil((CHECKER.y + 4) * k); y < (CHECKER.y + CHECKER.size - 4) * k; y++) {
    for (let x = Math.ceil((CHECKER.x + 4) * k); x < (CHECKER.x + CHECKER.size - 4) * k; x++, n++) sum += Math.abs(red(p, x + 1, y) - red(p, x, y));
  }
  return sum / n;
}

test('Save view downloads the view at the film’s resolution, with its heatmap and measurements, above a caption band', async ({ page }) => {
  await page.goto('/?device=wasm');
  const buffer = await bigDicom('jsrt/JPCLN001.png', 'PA', BIG, '0.175\\0.175');
  await page.getByTestId('file-input').setInputFiles({ name: 'spaced.dcm', mimeType: 'application/dicom', buffer });
  await waitForReport(page);

  // Nothing in focus, nothing measured, at fit: the screen's picture, with every film pixel.
  const plain = await savedView(page);
  expect(plain.name).toMatch(/^spaced-view-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.png$/);
  await expect(page.getByTestId('save-view-status')).toHaveText(`Saved ${plain.name}.`);
  const screen = await radiographPixels(page);
  expect(screen.width).toBeLessThan(BIG); // the screen shows the film reduced …
  expect(plain.png.width).toBe(BIG); // … the key image keeps its pixels
  expect(plain.png.height).toBeGreaterThan(BIG); // and a caption band under them
  expect(meanDifference(plain.png, screen)).toBeLessThan(4);
  expect(checkerDetail(plain.png)).toBeGreaterThan(200); // the 1-px checkerboard, which only full resolution shows
  expect(checkerDetail(screen)).toBeLessThan(100);
  // The band: dark, with light text in it.
  const band = plain.png.data.subarray(4 * BIG * BIG);
  const bright = band.filter((_, i) => i % 4 === 0 && band[i] > 180).length;
  const dark = band.filter((_, i) => i % 4 === 0 && band[i] < 40).length;
  expect(dark).toBeGreaterThan(0.8 * (band.length / 4));
  expect(bright).toBeGreaterThan(100);

  // A pinned word's map, then a measured line: both are in the saved picture.
  await page.getByTestId('report-word').first().click();
  const mapOnly = await savedView(page);
  expect(shareDiffering(mapOnly.png, plain.png)).toBeGreaterThan(0.2); // the heatmap covers the model's square
  await page.getByRole('button', { name: 'Measure' }).click();
  await dragAcross(page, [0.3, 0.4], [0.7, 0.6]);
  await expect(page.getByTestId('measurement')).toHaveCount(1);
  const marked = await savedView(page);
  // Along the drag (its box fractions are the picture's), the saved pixels turn the line's #ffd54a.
  const lineColour = (png: Pixels, t: number): boolean => {
    const [x, y] = [Math.round((0.3 + 0.4 * t) * png.width), Math.round((0.4 + 0.2 * t) * png.width)];
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        const i = 4 * ((y + dy) * png.width + x + dx);
        const [r, g, b] = png.data.subarray(i, i + 3);
        if (Math.abs(r - 0xff) < 12 && Math.abs(g - 0xd5) < 12 && Math.abs(b - 0x4a) < 12) return true;
      }
    }
    return false;
  };
  const along = [0.25, 0.5, 0.75];
  expect(along.map((t) => lineColour(marked.png, t))).toEqual([true, true, true]);
  expect(along.map((t) => lineColour(mapOnly.png, t))).toEqual([false, false, false]);

  // Zoomed in past the film's pixels, the key image is the screen's size.
  await page.getByRole('button', { name: 'Measure', exact: true }).click(); // measuring off: the buttons zoom
  for (let i = 0; i < 6; i++) await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(page.locator('canvas.radiograph')).toHaveAttribute('data-zoom', /^3\.81/); // 896 / 3.81 = 235 film pixels across
  expect((await savedView(page)).png.width).toBe(screen.width);
});
