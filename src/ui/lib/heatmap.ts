// Heatmap maths for the overlay: pick one map out of the engine's [items, views, rows*cols] arrays,
// stretch it to [0,1] and colour it into RGBA pixels. Pure; the canvas drawing lives in the component.
import { colourLut } from './colormap';

/** values [items, views, cells] (item-major) → the [cells] map of one item on one view (a view, no copy). */
export function mapSlice(values: Float32Array, item: number, view: number, views: number, cells: number): Float32Array {
  const start = (item * views + view) * cells;
  if (item < 0 || view < 0 || view >= views || start + cells > values.length) {
    throw new RangeError(`no map for item ${item}, view ${view} (have ${values.length / (views * cells)} items × ${views} views)`);
  }
  return values.subarray(start, start + cells);
}

/** Min–max stretch to [0,1]; a flat map becomes all zeros (nothing stands out). */
export function normaliseMap(map: ArrayLike<number>): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const out = new Float32Array(map.length);
  const span = hi - lo;
  if (!(span > 1e-9)) return out;
  for (let i = 0; i < map.length; i++) out[i] = Number.isFinite(map[i]) ? (map[i] - lo) / span : 0;
  return out;
}

/**
 * A normalised map [rows*cols] → RGBA [rows*cols*4]: colour from the colour map, alpha rising with the
 * value so low cells leave the radiograph visible (the overall opacity is applied when drawing).
 */
export function mapToRgba(normalised: Float32Array): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(normalised.length * 4);
  for (let i = 0; i < normalised.length; i++) {
    const t = Math.min(1, Math.max(0, normalised[i]));
    const k = Math.round(t * 255) * 3;
    rgba[i * 4] = colourLut[k];
    rgba[i * 4 + 1] = colourLut[k + 1];
    rgba[i * 4 + 2] = colourLut[k + 2];
    rgba[i * 4 + 3] = Math.round(255 * (0.15 + 0.85 * t));
  }
  return rgba;
}
