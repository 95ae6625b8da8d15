import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JSRT_RADIOGRAPH } from '../../engine/testing/sharedData';
import { BINS, decodeImageAsync } from '../../image';
import { assignViews, engineOrder, fixImage, prepareInputImage, type InputImage } from './inputImage';

function fake(key: string, view: InputImage['view'], viewFromFile = false): InputImage {
  return {
    key,
    name: key,
    decoded: { width: 1, height: 1, data: new Float32Array(1), bitsStored: 8, isColour: false },
    format: 'png',
    width: 1,
    height: 1,
    display: { bins: new Uint16Array(1), histogram: new Uint32Array(BINS), min: 0, max: 1, count: 1 },
    fileWindow: null,
    monochrome1: false,
    view,
    viewFromFile,
    isColour: false,
    frames: 1,
  };
}

describe('prepareInputImage', () => {
  it('keeps a real JSRT_RADIOGRAPH at full resolution on its own value scale', async () => {
    const bytes = readFileSync(JSRT_RADIOGRAPH);
    const im = await prepareInputImage('JPCLN001.png', bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(im).toMatchObject({ format: 'png', width: 224, height: 224, view: 'unknown', viewFromFile: false, fileWindow: null, monochrome1: false });
    // the viewer's bins: one per pixel, over the PNG's own sample scale (not [0,1]), every pixel counted once
    expect(im.display.bins.length).toBe(224 * 224);
    expect(im.display.count).toBe(224 * 224);
    expect(im.display.max).toBeGreaterThan(100);
    expect(im.display.histogram.reduce((a, b) => a + b, 0)).toBe(224 * 224);
    // what the engine gets: the model's [0,1] grey exactly as the engine's own decode makes it, and no second copy of the values
    const own = await decodeImageAsync(new Uint8Array(bytes));
    expect(im.decoded.values).toBeUndefined();
    expect(im.decoded.data).toEqual(own.data);
    expect(im.decoded.meta).toEqual(own.meta);
  });
  it('throws the image module’s typed error for bytes that are not an image', async () => {
    await expect(prepareInputImage('notes.txt', new TextEncoder().encode('hello, not an image').buffer as ArrayBuffer)).rejects.toThrow(
      /not a recognised image/,
    );
  });
});

describe('views', () => {
  it('takes one unlabelled image as frontal, and leaves two unlabelled ones for the person to choose', () => {
    expect(assignViews([fake('a', 'unknown')]).map((i) => i.view)).toEqual(['frontal']);
    expect(assignViews([fake('a', 'unknown'), fake('b', 'unknown')]).map((i) => i.view)).toEqual(['unknown', 'unknown']);
    expect(assignViews([fake('a', 'unknown'), fake('b', 'lateral', true)]).map((i) => i.view)).toEqual(['frontal', 'lateral']);
  });
  it('respects a view the file already states', () => {
    expect(assignViews([fake('a', 'unknown'), fake('b', 'frontal', true)]).map((i) => i.view)).toEqual(['lateral', 'frontal']);
  });
  it('hands the engine the frontal view first', () => {
    expect(engineOrder([fake('l', 'lateral'), fake('f', 'frontal')]).map((i) => i.key)).toEqual(['f', 'l']);
  });
});

describe('fixImage', () => {
  // 3 wide, 2 high, with DICOM-style spacing that differs between rows and columns
  const base: InputImage = {
    ...fake('img-a', 'frontal'),
    width: 3,
    height: 2,
    decoded: { width: 3, height: 2, data: Float32Array.of(0, 0.2, 0.4, 0.6, 0.8, 1), bitsStored: 8, isColour: false },
    display: { bins: Uint16Array.of(0, 1, 2, 3, 4, 5), histogram: new Uint32Array(BINS), min: 0, max: 5, count: 6 },
    pixelSpacing: { row: 0.2, column: 0.1, basis: 'detector' },
  };

  it('turns what the model reads and what the viewer draws alike, with the spacing, as a new study', () => {
    const turned = fixImage(base, 'turn_right');
    expect(turned.key).not.toBe(base.key);
    expect([turned.width, turned.height, turned.decoded.width, turned.decoded.height]).toEqual([2, 3, 2, 3]);
    expect(Array.from(turned.decoded.data)).toEqual([0.6, 0, 0.8, 0.2, 1, 0.4].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(turned.display.bins)).toEqual([3, 0, 4, 1, 5, 2]);
    expect(turned.pixelSpacing).toMatchObject({ row: 0.1, column: 0.2 });
    expect(turned.fixes).toEqual(['turn_right']);
    const half = fixImage(turned, 'turn_half');
    expect(half.pixelSpacing).toEqual(turned.pixelSpacing);
    expect(half.fixes).toEqual(['turn_right', 'turn_half']);
    expect(base.decoded.data[0]).toBe(0); // the original is left as it was
  });

  it('flips what the model reads and what the viewer draws left to right, keeping the size and the spacing', () => {
    const flipped = fixImage(base, 'flip');
    expect([flipped.width, flipped.height]).toEqual([3, 2]);
    expect(Array.from(flipped.decoded.data)).toEqual([0.4, 0.2, 0, 1, 0.8, 0.6].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(flipped.display.bins)).toEqual([2, 1, 0, 5, 4, 3]);
    expect(flipped.pixelSpacing).toEqual(base.pixelSpacing); // rows stay rows: no swap, as a quarter turn makes
    expect(flipped.fixes).toEqual(['flip']);
  });

  it('inverts the greys the model reads, and the drawing by the photometric', () => {
    const inverted = fixImage(base, 'invert');
    expect(Array.from(inverted.decoded.data)).toEqual([1, 0.8, 0.6, 0.4, 0.2, 0].map((v) => expect.closeTo(v, 6)));
    expect(inverted.monochrome1).toBe(true);
    expect(inverted.display).toBe(base.display);
    expect(fixImage(inverted, 'invert').monochrome1).toBe(false);
  });
});
