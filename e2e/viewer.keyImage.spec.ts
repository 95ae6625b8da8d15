// "Save view": the view downloads as a PNG key image that holds what the reader sees — the windowed film exactly as
// drawn, the heatmap in focus over it, the measured lines in their colour — above a dark caption band, and the
// toolbar says what it saved.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { expect, type Page, test } from '@playwright/test';
import { serveTinyModel, waitForReport } from './pageHelpers';
import { bigDicom, dragAcross } from './viewerHelpers';

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

/** Share of the view's pixels whose colour differs from the on-screen radiograph's by more than 8 levels in any channel. */
function shareDiffering(saved: Pixels, screen: Pixels): number {
  let differing = 0;
  for (let i = 0; i < screen.width * screen.height; i++) {
    if ([0, 1, 2].some((c) => Math.abs(saved.data[4 * i + c] - screen.data[4 * i + c]) > 8)) differing++;
  }
  return differing / (screen.width * screen.height);
}

test('Save view downloads the view as shown, with its heatmap and measurements, above a caption band', async ({ page }) => {
  await page.goto('/?device=wasm');
  const buffer = await bigDicom('jsrt/JPCLN001.png', 'PA', 896, '0.175\\0.175');
  await page.getByTestId('file-input').setInputFiles({ name: 'spaced.dcm', mimeType: 'application/dicom', buffer });
  await waitForReport(page);

  // Nothing in focus, nothing measured: the picture is the radiograph canvas, pixel for pixel.
  const plain = await savedView(page);
  expect(plain.name).toMatch(/^spaced-view-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.png$/);
  await expect(page.getByTestId('save-view-status')).toHaveText(`Saved ${plain.name}.`);
  const screen = await radiographPixels(page);
  expect(plain.png.width).toBe(screen.width);
  expect(plain.png.height).toBeGreaterThan(screen.height); // the caption band
  expect(shareDiffering(plain.png, screen)).toBe(0);
  // The band: dark, with light text in it.
  const band = plain.png.data.subarray(4 * screen.width * screen.height);
  const bright = band.filter((_, i) => i % 4 === 0 && band[i] > 180).length;
  const dark = band.filter((_, i) => i % 4 === 0 && band[i] < 40).length;
  expect(dark).toBeGreaterThan(0.8 * (band.length / 4));
  expect(bright).toBeGreaterThan(100);

  // A pinned word's map, then a measured line: both are in the saved picture.
  await page.getByTestId('report-word').first().click();
  const mapOnly = await savedView(page);
  const withMap = await radiographPixels(page);
  expect(shareDiffering(mapOnly.png, withMap)).toBeGreaterThan(0.2); // the heatmap covers the model's square
  await page.getByRole('button', { name: 'Measure' }).click();
  await dragAcross(page, [0.3, 0.4], [0.7, 0.6]);
  await expect(page.getByTestId('measurement')).toHaveCount(1);
  const marked = await savedView(page);
  // Along the drag (its box fractions are the canvas's), the saved pixels turn the line's #ffd54a.
  const lineColour = (png: Pixels, t: number): boolean => {
    const [x, y] = [Math.round((0.3 + 0.4 * t) * png.width), Math.round((0.4 + 0.2 * t) * withMap.height)];
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
});
