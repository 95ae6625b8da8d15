import { describe, expect, it } from 'vitest';
import { BLANK_TOLERANCE, bandShares, blankBorder, insideBorder, oneSidedBand } from './blankBorder';
import { preprocess } from './preprocess';
import type { GreyImage } from './types';

/** A W×H image whose pixel (x, y) is f(x, y). */
function image(W: number, H: number, f: (x: number, y: number) => number): GreyImage {
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = f(x, y);
  return { width: W, height: H, data, bitsStored: 8, isColour: false };
}

/** Texture no line of which is flat: anatomy's stand-in. */
const texture = (x: number, y: number) => 0.3 + 0.4 * (((x * 7 + y * 13) % 17) / 17);

describe('blankBorder', () => {
  it('finds nothing on an image with no flat edge', () => {
    const b = blankBorder(image(40, 30, texture));
    expect(b).toEqual({ top: 0, bottom: 0, left: 0, right: 0, blankShare: 0, edges: [] });
  });

  it('measures a film padded to a square: black above and below', () => {
    const b = blankBorder(image(100, 100, (x, y) => (y < 20 || y >= 90 ? 0 : texture(x, y))));
    expect([b.top, b.bottom, b.left, b.right]).toEqual([20, 10, 0, 0]);
    expect(b.blankShare).toBeCloseTo(0.3, 10);
    expect(b.edges).toEqual(['top', 'bottom']); // widest first; both at least a tenth of the height
  });

  it('measures a missing half, whatever its grey, and leaves out a sliver under a tenth', () => {
    const b = blankBorder(image(80, 60, (x, y) => (x >= 40 ? 0.8 : y < 3 ? 0 : texture(x, y))));
    expect([b.top, b.right]).toEqual([0, 40]); // the top rows are black on the left but white on the right: not one value
    expect(b.blankShare).toBeCloseTo(0.5, 10);
    expect(b.edges).toEqual(['right']);
    const sliver = blankBorder(image(100, 50, (x, y) => (x < 5 ? 1 : texture(x, y))));
    expect(sliver.left).toBe(5);
    expect(sliver.edges).toEqual([]);
  });

  it('takes JPEG-sized wobble as flat, and no more', () => {
    const wobble = (x: number) => ((x % 2) * BLANK_TOLERANCE) / 2;
    expect(blankBorder(image(50, 50, (x, y) => (y < 25 ? wobble(x) : texture(x, y)))).top).toBe(25);
    expect(blankBorder(image(50, 50, (x, y) => (y < 25 ? 3 * wobble(x) : texture(x, y)))).top).toBe(0);
  });

  it('a band is flat with itself: a dark-to-light ramp of rows is not blank even though each row is', () => {
    expect(blankBorder(image(50, 50, (x, y) => (y < 25 ? y / 50 : texture(x, y)))).top).toBe(1);
  });

  it('calls a single-value image wholly blank', () => {
    const b = blankBorder(image(30, 20, () => 0.5));
    expect(b.blankShare).toBe(1);
    expect(b.edges).toHaveLength(4);
  });
});

describe('oneSidedBand', () => {
  it('finds a film that stops short on one side, not one padded evenly', () => {
    const short = image(100, 90, (x, y) => (y >= 60 ? 0 : texture(x, y))); // the lower third blank
    const bands = bandShares(short, blankBorder(short));
    expect(bands).toEqual({ top: 0, bottom: 30 / 90, left: 0, right: 0 });
    expect(oneSidedBand(bands)).toEqual({ edge: 'bottom', share: 30 / 90 });
    expect(oneSidedBand({ top: 0.2, bottom: 0.25, left: 0, right: 0 })).toBeNull(); // padded to a square
    expect(oneSidedBand({ top: 0.05, bottom: 0.25, left: 0, right: 0 })).toEqual({ edge: 'bottom', share: 0.25 });
    expect(oneSidedBand({ top: 0, bottom: 0.2, left: 0, right: 0 })).toBeNull(); // under a quarter
  });
});

describe('insideBorder', () => {
  it('is the rectangle inside the bands, and preprocess reads exactly it in place', () => {
    const img = image(10, 8, (x, y) => (x < 2 || y >= 6 ? 0 : (x + 10 * y) / 100));
    const b = blankBorder(img);
    expect([b.top, b.bottom, b.left, b.right]).toEqual([0, 2, 2, 0]);
    const crop = insideBorder(img, b);
    expect(crop).toEqual({ x: 2, y: 0, width: 8, height: 6 });
    const copy = image(8, 6, (x, y) => (x + 2 + 10 * y) / 100);
    const opts = { size: 16, mean: 0.5, std: 0.25 };
    expect(preprocess(img, { ...opts, crop }).pixels).toEqual(preprocess(copy, opts).pixels);
  });

  it('refuses a blank image: nothing is inside', () => {
    const img = image(10, 10, () => 0);
    expect(() => insideBorder(img, blankBorder(img))).toThrow(/blank/);
  });

  it('preprocess refuses a crop outside the image', () => {
    expect(() => preprocess(image(10, 10, texture), { size: 8, mean: 0, std: 1, crop: { x: 4, y: 0, width: 7, height: 10 } })).toThrow(/not inside/);
  });
});
