import { describe, expect, it } from 'vitest';
import { preprocess } from '../../image';
import { hottestPoint, squareInImage, upsampleBilinear } from './mapOverlay';
import { regionName } from './hotRegion';

describe('the heatmap on the image', () => {
  it('places the model square on the image as preprocess letterboxes it', () => {
    const img = { width: 300, height: 200, data: new Float32Array(300 * 200), bitsStored: 8, isColour: false };
    const p = preprocess(img, { size: 64, mean: 0, std: 1 });
    const [x, y, w, h] = squareInImage({ ...p, size: 64 }, img);
    expect(x).toBeCloseTo(0, 6);
    expect(w).toBeCloseTo(300, 6); // the long side fills the square
    expect(y).toBeLessThan(0); // padding above the image
    // the image's extent inside the square lands exactly on the image's pixels
    expect(y + (p.offsetY * h) / 64).toBeCloseTo(0, 6);
    expect(y + ((p.offsetY + p.resizedHeight) * h) / 64).toBeCloseTo(200, 6);
  });

  it('upsamples bilinearly: cell values at cell centres, smooth between, edges clamped', () => {
    const map = Float32Array.from([0, 1, 1, 0]); // 2×2
    const up = upsampleBilinear(map, 2, 2, 4, 4);
    expect(Array.from(up.slice(0, 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(up[0 * 4 + 0]).toBe(0); // corner = corner cell
    expect(up[1 * 4 + 1]).toBeCloseTo(0.375, 6);
    expect(() => upsampleBilinear(map, 3, 3, 4, 4)).toThrow(/grid 3×3/);
  });

  it('finds the hottest cell and names its region (image left = patient right on a frontal film)', () => {
    const map = new Float32Array(16);
    map[3 * 4 + 0] = 1; // bottom-left cell of a 4×4 grid
    const placement = { size: 64, offsetX: 0, offsetY: 0, resizedWidth: 64, resizedHeight: 64 };
    const [fx, fy] = hottestPoint(map, [4, 4], placement);
    expect([fx, fy]).toEqual([0.125, 0.875]);
    expect(regionName(0.2, 0.7, 'frontal')).toBe('right lower zone');
    expect(regionName(0.8, 0.2, 'frontal')).toBe('left upper zone');
    expect(regionName(0.5, 0.6, 'frontal')).toBe('heart and mediastinum');
    expect(regionName(0.8, 0.2, 'lateral')).toBe('upper zone');
    expect(regionName(0.5, -0.1, 'frontal')).toMatch(/outside the image/);
  });
});

describe('hottestCaption', () => {
  it('names the hottest region per view, using the page’s view of each image', async () => {
    const { hottestCaption } = await import('./hotRegion');
    const values = new Float32Array(2 * 16); // 1 token × 2 views × 4×4
    values[2 * 4 + 0] = 1; // view 0: third row, left cell (fy = 0.625)
    values[16 + 0 * 4 + 3] = 1; // view 1: top-right cell
    const view = {
      name: 'x',
      size: 64,
      grey: new Uint8Array(0),
      isColour: false,
      view: 'unknown' as const,
      width: 64,
      height: 64,
      offsetX: 0,
      offsetY: 0,
      resizedWidth: 64,
      resizedHeight: 64,
    };
    const result = { heatmap: { grid: [4, 4], views: 2, values }, sentenceHeatmaps: new Float32Array(0), views: [view, view] } as never;
    expect(hottestCaption(result, { kind: 'token', index: 0 }, ['frontal', 'lateral'])).toBe('Hottest: right lower zone (frontal); upper zone (lateral).');
    expect(hottestCaption(result, null, ['frontal', 'lateral'])).toBeNull();
  });
});
