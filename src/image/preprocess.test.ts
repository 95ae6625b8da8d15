// preprocess/resample: hand-computed cases, antialiasing, padding and mapping, the uint8 corpus path.
import { describe, expect, it } from 'vitest';
import { normalise, preprocess, resample, tensorToImage, toUint8 } from './preprocess';
import type { GreyImage } from './types';

function image(width: number, height: number, f: (x: number, y: number) => number): GreyImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data, bitsStored: 8, isColour: false };
}

const plain = { mean: 0, std: 1 };

describe('resample', () => {
  it('shrinks 4→2 with the widened tent filter (hand-computed: taps ¾,¾,¼ renormalised at the border)', () => {
    const img = image(4, 4, (x) => (x >= 2 ? 1 : 0));
    const out = resample(img.data, 4, 4, 2, 2);
    for (let y = 0; y < 2; y++) {
      expect(out[y * 2]).toBeCloseTo(1 / 7, 6);
      expect(out[y * 2 + 1]).toBeCloseTo(6 / 7, 6);
    }
  });

  it('enlarges 2→4 as bilinear with half-pixel centres', () => {
    const out = resample(Float32Array.from([0, 1, 0, 1]), 2, 2, 4, 2);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('is the identity at the same size', () => {
    const img = image(9, 7, (x, y) => ((x * 7 + y * 3) % 5) / 5);
    expect(Array.from(resample(img.data, 9, 7, 9, 7))).toEqual(Array.from(img.data));
  });

  it('keeps a constant image constant at any ratio', () => {
    for (const [w, h, ow, oh] of [
      [97, 61, 50, 31],
      [13, 29, 100, 223],
      [224, 224, 37, 37],
    ]) {
      const out = resample(new Float32Array(w * h).fill(0.37), w, h, ow, oh);
      for (const v of out) expect(v).toBeCloseTo(0.37, 6);
    }
  });

  it('antialiases: a 1-pixel checkerboard shrinks to mid-grey, not to aliased stripes', () => {
    for (const [side, out] of [
      [256, 32],
      [250, 37],
      [224, 64],
    ]) {
      const board = image(side, side, (x, y) => (x + y) % 2);
      const small = resample(board.data, side, side, out, out);
      for (const v of small) expect(Math.abs(v - 0.5)).toBeLessThan(0.03);
    }
  });
});

describe('preprocess', () => {
  it('fills the square for a square image, with no padding', () => {
    const p = preprocess(
      image(448, 448, () => 0.25),
      { size: 224, ...plain },
    );
    expect([p.size, p.scale, p.offsetX, p.offsetY, p.resizedWidth, p.resizedHeight]).toEqual([224, 0.5, 0, 0, 224, 224]);
    expect(p.unit.length).toBe(224 * 224);
    for (const v of p.unit) expect(v).toBeCloseTo(0.25, 6);
  });

  it('pads the short side centred with black and records the offsets', () => {
    const p = preprocess(
      image(64, 32, () => 0.6),
      { size: 16, mean: 0.5, std: 0.25 },
    );
    expect([p.scale, p.offsetX, p.offsetY, p.resizedWidth, p.resizedHeight]).toEqual([0.25, 0, 4, 16, 8]);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const inside = y >= 4 && y < 12;
        expect(p.unit[y * 16 + x]).toBeCloseTo(inside ? 0.6 : 0, 6);
        expect(p.pixels[y * 16 + x]).toBeCloseTo(inside ? (0.6 - 0.5) / 0.25 : -2, 5);
      }
    }
  });

  it('pads a tall image left and right, odd remainder going right', () => {
    const p = preprocess(
      image(33, 60, () => 1),
      { size: 20, ...plain },
    );
    expect([p.resizedWidth, p.resizedHeight, p.offsetX, p.offsetY]).toEqual([11, 20, 4, 0]);
    const row = Array.from(p.unit.subarray(0, 20)).map((v) => Math.round(v));
    expect(row).toEqual([0, 0, 0, 0, ...Array(11).fill(1), 0, 0, 0, 0, 0]);
  });

  it('maps tensor coordinates back to the original image', () => {
    const img = image(300, 200, () => 0.5);
    const p = preprocess(img, { size: 150, ...plain });
    expect(tensorToImage(p, img, p.offsetX, p.offsetY)).toEqual([0, 0]);
    expect(tensorToImage(p, img, p.offsetX + p.resizedWidth, p.offsetY + p.resizedHeight)).toEqual([300, 200]);
    expect(p.offsetY).toBe(25);
  });

  it('keeps orientation: a bright top-left quadrant stays top-left', () => {
    const p = preprocess(
      image(100, 100, (x, y) => (x < 50 && y < 50 ? 1 : 0)),
      { size: 10, ...plain },
    );
    expect(p.unit[0]).toBeCloseTo(1, 6);
    expect(p.unit[99]).toBeCloseTo(0, 6);
  });

  it('rejects nonsense options and inconsistent images', () => {
    const img = image(40, 40, () => 0);
    expect(() => preprocess(img, { size: 0, ...plain })).toThrow(RangeError);
    expect(() => preprocess(img, { size: 8, mean: 0, std: 0 })).toThrow(RangeError);
    expect(() => preprocess({ ...img, width: 41 }, { size: 8, ...plain })).toThrow(RangeError);
  });
});

describe('page float path vs corpus uint8 path', () => {
  const img = image(123, 97, (x, y) => ((Math.sin(x * 0.37) * Math.cos(y * 0.21) + 1) / 2) * 0.98);
  const opts = { size: 64, mean: 0.45, std: 0.27 };

  it('toUint8 rounds to the nearest 1/255 and clamps', () => {
    expect(Array.from(toUint8(Float32Array.from([0, 1, 0.5, 0.5 / 255 - 1e-4, -0.2, 1.3])))).toEqual([0, 255, 128, 0, 0, 255]);
  });

  it('normalise gives (u8/255 − mean)/std for uint8 and (x − mean)/std for floats', () => {
    expect(Array.from(normalise(Uint8Array.from([0, 255, 51]), 0.5, 0.25))).toEqual([-2, 2, -1.2000000476837158]);
    expect(normalise(Float32Array.from([0.75]), 0.5, 0.25)[0]).toBe(1);
  });

  it('differ by at most 0.5/255 before normalisation', () => {
    const p = preprocess(img, opts);
    const fromCorpus = normalise(toUint8(p.unit), opts.mean, opts.std);
    let worst = 0;
    for (let i = 0; i < p.pixels.length; i++) worst = Math.max(worst, Math.abs(fromCorpus[i] - p.pixels[i]) * opts.std);
    expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    expect(worst).toBeGreaterThan(0); // the paths really do differ slightly
  });

  it('quantise: true reproduces the corpus pixels exactly (to float precision)', () => {
    const q = preprocess(img, { ...opts, quantise: true });
    const fromCorpus = normalise(toUint8(preprocess(img, opts).unit), opts.mean, opts.std);
    for (let i = 0; i < q.pixels.length; i++) expect(q.pixels[i]).toBeCloseTo(fromCorpus[i], 5);
  });
});
