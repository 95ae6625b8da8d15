// The EXIF orientation as Chromium itself applies it: for each of the eight orientations, the browser's own <img>
// (which stands a JPEG upright by its EXIF tag) and src/image's decode give the same picture, size and pixels. And the
// page: a film stored on its side is shown and drafted upright, and its caption says why.
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { decodeImage } from '../src/image';
import { cornerJpeg, withExifOrientation } from '../src/image/testing/exifFixtures';
import { enlargedJpeg } from '../tools/bench/enlargedFilm';
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

test('the page shows a film stored on its side upright, says so, and drafts it', async ({ page, context }) => {
  await serveTinyModel(context);
  await page.goto('/?device=wasm');
  // a phone photo of a film: stored 600 × 500, turned a quarter, tagged 6
  await dropFiles(page, [
    {
      name: 'phone-photo.jpg',
      mimeType: 'image/jpeg',
      buffer: Buffer.from(withExifOrientation(new Uint8Array(enlargedJpeg(path.join(CXR_IMAGES, 'jsrt/JPCLN001.png'), 600, { storedTurned: true })), 6, true)),
    },
  ]);
  await waitForReport(page);
  const view = page.getByTestId('image-view');
  await expect(view).toContainText('JPEG 500×600');
  await expect(page.getByTestId('orientation-note')).toContainText('EXIF orientation (6)');
  await expect(page.getByTestId('report-word').first()).toBeVisible();
  await screenshot(page, 'exif-01-turned-upright');
});
