// The EXIF orientation as Chromium itself applies it: for each of the eight orientations, the browser's own <img>
// (which stands a JPEG upright by its EXIF tag) and src/image's decode give the same picture, size and pixels. And the
// page: a film stored on its side is shown and drafted upright, and its caption says why.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { encode as encodeJpeg } from 'jpeg-js';
import { decodeImage } from '../src/image';
import { cornerJpeg, withExifOrientation } from '../src/image/testing/exifFixtures';
import { CXR_IMAGES } from '../tools/cli/paths';
import { dropFiles, screenshot, serveTinyModel, waitForReport } from './pageHelpers';

test.use({ serviceWorkers: 'block' });

test('src/image turns and mirrors an EXIF-oriented JPEG as Chromium’s <img> shows it, for all eight orientations', async ({ page }) => {
  await page.setContent('<!doctype html><title>exif</title>');
  const jpeg = cornerJpeg(64, 48);
  for (let o = 1; o <= 8; o++) {
    const bytes = withExifOrientation(jpeg, o, o % 2 === 1);
    const ours = decodeImage(bytes);
    const shown = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/jpeg;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      return { width: canvas.width, height: canvas.height, red: Array.from(rgba.filter((_, i) => i % 4 === 0)) };
    }, Buffer.from(bytes).toString('base64'));
    expect([o, shown.width, shown.height]).toEqual([o, ours.width, ours.height]);
    let sum = 0;
    shown.red.forEach((v, i) => {
      sum += Math.abs(v / 255 - ours.data[i]);
    });
    expect([o, sum / shown.red.length < 0.01]).toEqual([o, true]); // the two JPEG decoders differ by a grey level here and there
  }
});

/** A phone photo of a film: the film (w × h, upright) stored turned a quarter to the left, h × w, tagged orientation 6. */
function filmStoredOnItsSide(w: number, h: number): Buffer {
  const film = decodeImage(new Uint8Array(readFileSync(path.join(CXR_IMAGES, 'jsrt/JPCLN001.png'))));
  const upright = (x: number, y: number) => film.data[Math.floor((y * film.height) / h) * film.width + Math.floor((x * film.width) / w)];
  const rgba = Buffer.alloc(w * h * 4, 255);
  for (let y = 0; y < w; y++) for (let x = 0; x < h; x++) rgba.fill(Math.round(upright(w - 1 - y, x) * 255), (y * h + x) * 4, (y * h + x) * 4 + 3); // stored (x, y) = upright (w−1−y, x)
  return Buffer.from(withExifOrientation(new Uint8Array(encodeJpeg({ data: rgba, width: h, height: w }, 92).data), 6, true));
}

test('the page shows a film stored on its side upright, says so, and drafts it', async ({ page, context }) => {
  await serveTinyModel(context);
  await page.goto('/?device=wasm');
  await dropFiles(page, [{ name: 'phone-photo.jpg', mimeType: 'image/jpeg', buffer: filmStoredOnItsSide(500, 600) }]);
  await waitForReport(page);
  const view = page.getByTestId('image-view');
  await expect(view).toContainText('JPEG 500×600');
  await expect(page.getByTestId('orientation-note')).toContainText('EXIF orientation (6)');
  await expect(page.getByTestId('report-word').first()).toBeVisible();
  await screenshot(page, 'exif-01-turned-upright');
});
