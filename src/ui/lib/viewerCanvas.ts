// Canvas drawing for the viewer: the windowed full-resolution image and the upsampled heatmap are each
// rendered once into an off-screen canvas (again only when the window or the map changes); a zoom or pan
// only redraws those two through the view's transform, which the browser does on its compositor path.
import { mapToRgba } from './heatmap';
import { CELL_SAMPLES, upsampleBilinear } from './mapOverlay';
import type { DisplayValues } from '../../image';
import { renderWindowed } from './windowLevel';

type Matrix = [number, number, number, number, number, number];
export type Source = HTMLCanvasElement;

function canvasOf(width: number, height: number, reuse?: Source | null): Source {
  const canvas = reuse && reuse.width === width && reuse.height === height ? reuse : document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/** An empty square canvas for a layer drawn off screen. */
export const layerCanvas = (side: number): Source => canvasOf(side, side);

/** The image through the window's lookup table, at its full resolution. */
export function windowedSource(d: DisplayValues, lut: Uint32Array, width: number, height: number, reuse?: Source | null): Source {
  const canvas = canvasOf(width, height, reuse);
  const ctx = canvas.getContext('2d')!;
  const pixels = ctx.createImageData(width, height);
  renderWindowed(d, lut, new Uint32Array(pixels.data.buffer));
  ctx.putImageData(pixels, 0, 0);
  return canvas;
}

/** A normalised map [rows*cols] → the coloured overlay, CELL_SAMPLES pixels per cell, bilinear. */
export function overlaySource(map: Float32Array, grid: [number, number]): Source {
  const [rows, cols] = grid;
  const w = cols * CELL_SAMPLES;
  const h = rows * CELL_SAMPLES;
  const canvas = canvasOf(w, h);
  canvas.getContext('2d')!.putImageData(new ImageData(mapToRgba(upsampleBilinear(map, rows, cols, w, h)), w, h), 0, 0);
  return canvas;
}

/** The radiograph: black, then the source through the image → canvas transform. */
export function drawImageLayer(ctx: CanvasRenderingContext2D, source: Source, matrix: Matrix): void {
  const { width, height } = ctx.canvas;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  ctx.setTransform(...matrix);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = matrix[0] < 1 ? 'medium' : 'low'; // mipmaps when shrinking, bilinear when enlarging
  ctx.drawImage(source, 0, 0);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
}

/** The heatmap over its square (rect, in image pixels) through the same transform; nothing when map is null. */
export function drawOverlayLayer(
  ctx: CanvasRenderingContext2D,
  overlay: Source | null,
  rect: [number, number, number, number],
  matrix: Matrix,
  opacity: number,
): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (!overlay) return;
  ctx.setTransform(...matrix);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'low';
  ctx.globalAlpha = opacity;
  ctx.drawImage(overlay, rect[0], rect[1], rect[2], rect[3]);
  ctx.globalAlpha = 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
}
