import { describe, expect, it } from 'vitest';
import { colourAt, colourLut, legendGradient } from './colormap';
import { mapSlice, mapToRgba, normaliseMap } from './heatmap';

describe('mapSlice', () => {
  // values [items=2, views=2, cells=3]
  const values = Float32Array.from({ length: 12 }, (_, i) => i);
  it('picks one item on one view, item-major', () => {
    expect(Array.from(mapSlice(values, 0, 1, 2, 3))).toEqual([3, 4, 5]);
    expect(Array.from(mapSlice(values, 1, 0, 2, 3))).toEqual([6, 7, 8]);
  });
  it('refuses an item or view that is not there', () => {
    expect(() => mapSlice(values, 2, 0, 2, 3)).toThrow(RangeError);
    expect(() => mapSlice(values, 0, 2, 2, 3)).toThrow(RangeError);
  });
});

describe('normaliseMap', () => {
  it('stretches to [0,1]', () => {
    expect(Array.from(normaliseMap([-0.2, 0, 0.2]))).toEqual([0, 0.5, 1]);
  });
  it('turns a flat map into zeros and ignores non-finite values', () => {
    expect(Array.from(normaliseMap([0.3, 0.3]))).toEqual([0, 0]);
    expect(Array.from(normaliseMap([0, Number.NaN, 1]))).toEqual([0, 0, 1]);
  });
});

describe('mapToRgba', () => {
  it('colours by value and makes high cells more opaque than low ones', () => {
    const rgba = mapToRgba(Float32Array.from([0, 1]));
    expect(Array.from(rgba.subarray(0, 3))).toEqual(colourAt(0));
    expect(Array.from(rgba.subarray(4, 7))).toEqual(colourAt(1));
    expect(rgba[3]).toBeLessThan(rgba[7]);
    expect(rgba[7]).toBe(255);
  });
});

describe('colour map', () => {
  it('runs from dark to bright and has 256 entries', () => {
    expect(colourLut.length).toBe(768);
    const lum = (c: number[]) => c[0] + c[1] + c[2];
    expect(lum(colourAt(0))).toBeLessThan(lum(colourAt(0.5)));
    expect(lum(colourAt(0.5))).toBeLessThan(lum(colourAt(1)));
    expect(legendGradient()).toMatch(/^linear-gradient\(to right, rgb\(/);
  });
});
