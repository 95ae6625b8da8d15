// A heatmap placed on the image's own pixels. The engine's map covers the model's S×S input square
// (the image letterboxed in it), so the square is placed in image coordinates from the engine's own
// placement (PreparedView). The patch grid is upsampled bilinearly (half-pixel centres, edges clamped),
// so the overlay is smooth, and the view's transform then moves it with the image under zoom and pan.
import type { PreparedView } from '../../engine/types';

export type SquarePlacement = Pick<PreparedView, 'size' | 'offsetX' | 'offsetY' | 'resizedWidth' | 'resizedHeight'>;

/** Where the model's square lies on the image: x, y, width, height in image pixels (x, y ≤ 0 with padding). */
export function squareInImage(p: SquarePlacement, image: { width: number; height: number }): [number, number, number, number] {
  const sx = image.width / p.resizedWidth; // image pixels per tensor pixel
  const sy = image.height / p.resizedHeight;
  return [-p.offsetX * sx, -p.offsetY * sy, p.size * sx, p.size * sy];
}

/** map [rows*cols] → [outH*outW], bilinear with cell values at cell centres. */
export function upsampleBilinear(map: Float32Array, rows: number, cols: number, outW: number, outH: number): Float32Array {
  if (map.length !== rows * cols) throw new RangeError(`map has ${map.length} values, the grid ${rows}×${cols} needs ${rows * cols}`);
  const out = new Float32Array(outW * outH);
  for (let j = 0; j < outH; j++) {
    const fy = Math.min(rows - 1, Math.max(0, ((j + 0.5) * rows) / outH - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(rows - 1, y0 + 1);
    const ty = fy - y0;
    for (let i = 0; i < outW; i++) {
      const fx = Math.min(cols - 1, Math.max(0, ((i + 0.5) * cols) / outW - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(cols - 1, x0 + 1);
      const tx = fx - x0;
      const top = map[y0 * cols + x0] * (1 - tx) + map[y0 * cols + x1] * tx;
      const bottom = map[y1 * cols + x0] * (1 - tx) + map[y1 * cols + x1] * tx;
      out[j * outW + i] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** Output side per grid cell of the upsampled overlay (the canvas smooths further when it draws it larger). */
export const CELL_SAMPLES = 16;

/** The hottest cell's centre as a fraction of the image (may fall outside [0,1] when it is in the padding). */
export function hottestPoint(map: Float32Array, grid: [number, number], p: SquarePlacement): [number, number] {
  const [rows, cols] = grid;
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  const xS = ((best % cols) + 0.5) * (p.size / cols);
  const yS = (Math.floor(best / cols) + 0.5) * (p.size / rows);
  return [(xS - p.offsetX) / p.resizedWidth, (yS - p.offsetY) / p.resizedHeight];
}
