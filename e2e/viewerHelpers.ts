// Shared by the viewer's browser test and its pan benchmark: a large synthetic DICOM (a real radiograph
// upscaled, with a 1-pixel checkerboard only full resolution can show), and readers for what the viewer
// drew: canvas sums, fine detail, the heatmap's peak, and the view transform the page reports; and a mouse drag across the film.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { cxrImages, makeDicom } from './pageHelpers';

export const BIG = 896; // 4 × the 224-pixel radiographs here: far more than the model's input
export const CHECKER = { x: 416, y: 416, size: 64 }; // around the image centre

/** A 12-bit MONOCHROME2 DICOM, side × side: a real radiograph upscaled (nearest), a 1-px checkerboard near the middle. */
export async function bigDicom(rel = 'jsrt/JPCLN001.png', viewPosition = 'PA', side = BIG, imagerPixelSpacing?: string): Promise<Buffer> {
  const { decodeImage } = await import('../src/image');
  const img = decodeImage(new Uint8Array(readFileSync(path.join(cxrImages, rel))));
  const k = side / img.width;
  const pixels = new Uint16Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const inChecker = x >= CHECKER.x && x < CHECKER.x + CHECKER.size && y >= CHECKER.y && y < CHECKER.y + CHECKER.size;
      pixels[y * side + x] = inChecker ? ((x + y) % 2) * 4095 : Math.round(img.data[Math.floor(y / k) * img.width + Math.floor(x / k)] * 4095);
    }
  }
  return makeDicom({ width: side, height: side, pixels, viewPosition, window: [2048, 4096], imagerPixelSpacing });
}

/** Sum of every RGBA byte of a canvas (0 = nothing drawn). */
export const canvasSum = (canvas: Locator): Promise<number> =>
  canvas.evaluate((c: HTMLCanvasElement) =>
    c
      .getContext('2d')!
      .getImageData(0, 0, c.width, c.height)
      .data.reduce((a, v) => a + v, 0),
  );

/** Mean |difference| of horizontally adjacent red values in a square of `half` pixels around the canvas centre. */
export const centreDetail = (canvas: Locator, half = 20): Promise<number> =>
  canvas.evaluate((c: HTMLCanvasElement, h: number) => {
    const cx = Math.floor(c.width / 2);
    const d = c.getContext('2d')!.getImageData(cx - h, cx - h, 2 * h, 2 * h).data;
    let total = 0;
    for (let y = 0; y < 2 * h; y++) for (let x = 1; x < 2 * h; x++) total += Math.abs(d[(y * 2 * h + x) * 4] - d[(y * 2 * h + x - 1) * 4]);
    return total / (2 * h * (2 * h - 1));
  }, half);

/** The heatmap's peak in canvas pixels: the centroid of the pixels within one step of the highest alpha. */
export const overlayPeak = (canvas: Locator): Promise<[number, number]> =>
  canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let max = 0;
    for (let i = 3; i < d.length; i += 4) max = Math.max(max, d[i]);
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) {
      if (d[i] < max - 1) continue;
      const p = (i - 3) / 4;
      sx += (p % c.width) + 0.5;
      sy += Math.floor(p / c.width) + 0.5;
      n++;
    }
    return [sx / n, sy / n] as [number, number];
  });

export interface ViewInfo {
  zoom: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
  side: number;
  cssSide: number;
}

/** The view transform as the page reports it on the radiograph canvas (data-zoom, data-cx, …). */
export const viewInfo = (canvas: Locator): Promise<ViewInfo> =>
  canvas.evaluate((c: HTMLCanvasElement) => {
    const n = (k: string): number => Number(c.dataset[k]);
    return { zoom: n('zoom'), cx: n('cx'), cy: n('cy'), width: n('width'), height: n('height'), side: c.width, cssSide: c.getBoundingClientRect().width };
  });

/** Canvas pixel → image pixel, written out here independently of the page's code. */
export function toImage(v: ViewInfo, px: number, py: number): [number, number] {
  const s = (v.side / Math.max(v.width, v.height)) * v.zoom;
  return [(px - v.side / 2) / s + v.cx * v.width, (py - v.side / 2) / s + v.cy * v.height];
}

/** Drags across the radiograph canvas between two points given as fractions of its on-screen box. */
export async function dragAcross(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await page.locator('canvas.radiograph').boundingBox())!;
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((from[0] + to[0]) / 2), box.y + box.height * ((from[1] + to[1]) / 2), { steps: 4 });
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 4 });
  await page.mouse.up();
}
