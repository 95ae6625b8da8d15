// decodeImage on PNG/JPEG fixtures built here, bad inputs, and real radiographs from ../shared/data.
import fs from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { CXR_IMAGES } from '../engine/testing/sharedData';
import { DicomUnsupportedError, ImageCorruptError, ImageFormatError, ImageSizeError, MAX_SIDE, decodeImage, sniffFormat } from './index';

const W = 40;
const H = 36;

/** Deterministic pseudo-random bytes. */
function randomBytes(n: number, seed = 7): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
}

function ramp8(): Uint8Array {
  return Uint8Array.from({ length: W * H }, (_, i) => (i * 37) % 256);
}

function rgbaFromGrey(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 4);
  grey.forEach((g, i) => out.set([g, g, g, 255], i * 4));
  return out;
}

function setPngSize(png: Uint8Array, width: number, height: number): Uint8Array {
  const copy = png.slice();
  const view = new DataView(copy.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return copy;
}

describe('decodeImage: PNG', () => {
  it('reads 8-bit grey exactly', () => {
    const grey = ramp8();
    const img = decodeImage(encodePng({ width: W, height: H, data: grey, channels: 1, depth: 8 }));
    expect([img.width, img.height, img.bitsStored, img.isColour, img.meta?.format]).toEqual([W, H, 8, false, 'png']);
    for (let i = 0; i < grey.length; i++) expect(img.data[i]).toBeCloseTo(grey[i] / 255, 6);
  });

  it('reads 16-bit grey on the full 16-bit scale', () => {
    const grey = Uint16Array.from({ length: W * H }, (_, i) => (i * 1237) % 65536);
    const img = decodeImage(encodePng({ width: W, height: H, data: grey, channels: 1, depth: 16 }));
    expect(img.bitsStored).toBe(16);
    for (let i = 0; i < grey.length; i++) expect(img.data[i]).toBeCloseTo(grey[i] / 65535, 6);
  });

  it('reads 16-bit grey holding 12-bit values (a DICOM saved as it is) on the 12-bit scale, and says so', () => {
    const raw12 = Uint16Array.from({ length: W * H }, (_, i) => (i * 1237) % 4096);
    const img = decodeImage(encodePng({ width: W, height: H, data: raw12, channels: 1, depth: 16 }), { keepValues: true });
    expect([img.bitsStored, img.meta?.transferSyntaxName]).toEqual([12, '16-bit PNG, values within 12 bits']);
    for (let i = 0; i < raw12.length; i++) expect(img.data[i]).toBeCloseTo(raw12[i] / 4095, 6);
    expect(Array.from(img.values!, Math.round)).toEqual(Array.from(raw12));
    // The same film as 8-bit and as 12-bit-in-16 reaches the model with the same grey values.
    const grey8 = Uint8Array.from({ length: W * H }, (_, i) => (i * 37) % 256);
    const as8 = decodeImage(encodePng({ width: W, height: H, data: grey8, channels: 1, depth: 8 }));
    const as12 = decodeImage(encodePng({ width: W, height: H, data: Uint16Array.from(grey8, (v) => v * 16 + (v >> 4)), channels: 1, depth: 16 }));
    for (let i = 0; i < grey8.length; i++) expect(Math.abs(as12.data[i] - as8.data[i])).toBeLessThan(1 / 4095); // bit replication
    // A dark 16-bit film whose top bit is used keeps the 16-bit scale; so do 8-bit and low-bit PNGs.
    const wide = Uint16Array.from({ length: W * H }, (_, i) => (i === 0 ? 40000 : 100));
    expect(decodeImage(encodePng({ width: W, height: H, data: wide, channels: 1, depth: 16 })).bitsStored).toBe(16);
  });

  it('keepValues also returns the samples on their own scale, and the same grey', () => {
    const grey = Uint16Array.from({ length: W * H }, (_, i) => (i * 1237) % 65536);
    const png = encodePng({ width: W, height: H, data: grey, channels: 1, depth: 16 });
    const img = decodeImage(png, { keepValues: true });
    expect(Array.from(img.values!, Math.round)).toEqual(Array.from(grey));
    expect(Array.from(img.data)).toEqual(Array.from(decodeImage(png).data));
    expect(decodeImage(png).values).toBeUndefined();
  });

  it('reads 1-bit grey (packed rows) as 0/1', () => {
    const rowBytes = Math.ceil(W / 8);
    const bits = Array.from({ length: W * H }, (_, i) => (((i % W) + Math.floor(i / W)) % 3 === 0 ? 1 : 0));
    const packed = new Uint8Array(rowBytes * H);
    bits.forEach((b, i) => {
      const x = i % W;
      const y = Math.floor(i / W);
      packed[y * rowBytes + (x >> 3)] |= b << (7 - (x & 7));
    });
    const img = decodeImage(encodePng({ width: W, height: H, data: packed, channels: 1, depth: 1 }));
    expect(img.bitsStored).toBe(1);
    expect(Array.from(img.data)).toEqual(bits);
  });

  it('converts RGB with BT.601 luma and flags real colour', () => {
    const rgb = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) rgb.set([(i * 11) % 256, (i * 29) % 256, (i * 53) % 256], i * 3);
    const img = decodeImage(encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 }));
    expect(img.isColour).toBe(true);
    for (let i = 0; i < W * H; i++) {
      const expected = (0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2]) / 255;
      expect(img.data[i]).toBeCloseTo(expected, 6);
    }
  });

  it('treats grey stored as RGB as grey (isColour false)', () => {
    const grey = ramp8();
    const rgb = new Uint8Array(W * H * 3);
    grey.forEach((g, i) => rgb.set([g, g, g], i * 3));
    const img = decodeImage(encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 }));
    expect(img.isColour).toBe(false);
    for (let i = 0; i < grey.length; i++) expect(img.data[i]).toBeCloseTo(grey[i] / 255, 6);
  });

  it('composites RGBA and grey+alpha over black', () => {
    const grey = ramp8();
    const rgba = rgbaFromGrey(grey);
    const ga = new Uint8Array(W * H * 2);
    for (let i = 0; i < W * H; i++) {
      const alpha = i % 2 === 0 ? 255 : 51;
      rgba[i * 4 + 3] = alpha;
      ga.set([grey[i], alpha], i * 2);
    }
    const fromRgba = decodeImage(encodePng({ width: W, height: H, data: rgba, channels: 4, depth: 8 }));
    const fromGa = decodeImage(encodePng({ width: W, height: H, data: ga, channels: 2, depth: 8 }));
    for (let i = 0; i < W * H; i++) {
      const expected = (grey[i] / 255) * (i % 2 === 0 ? 1 : 0.2);
      expect(fromRgba.data[i]).toBeCloseTo(expected, 5);
      expect(fromGa.data[i]).toBeCloseTo(expected, 5);
    }
  });

  it('reads a palette PNG through its colour table', () => {
    const palette = [
      [0, 0, 0],
      [255, 255, 255],
      [128, 128, 128],
      [255, 0, 0],
    ];
    const indices = Uint8Array.from({ length: W * H }, (_, i) => i % 3); // grey entries only
    const img = decodeImage(encodePng({ width: W, height: H, data: indices, channels: 1, depth: 8, palette }));
    expect(img.isColour).toBe(false);
    for (let i = 0; i < W * H; i++) expect(img.data[i]).toBeCloseTo(palette[i % 3][0] / 255, 6);
  });
});

describe('decodeImage: JPEG', () => {
  it('reads a grey JPEG within compression error, not flagged as colour', () => {
    const grey = Uint8Array.from({ length: 64 * 64 }, (_, i) => 40 + ((i % 64) + Math.floor(i / 64)) * 1.4);
    const jpeg = new Uint8Array(encodeJpeg({ width: 64, height: 64, data: rgbaFromGrey(grey) }, 95).data);
    expect(sniffFormat(jpeg)).toBe('jpeg');
    const img = decodeImage(jpeg);
    expect([img.width, img.height, img.bitsStored, img.isColour]).toEqual([64, 64, 8, false]);
    let err = 0;
    for (let i = 0; i < grey.length; i++) err += Math.abs(img.data[i] - grey[i] / 255);
    expect(err / grey.length).toBeLessThan(2 / 255);
  });

  it('flags a colourful JPEG (a photo) as colour', () => {
    const rgba = new Uint8Array(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) rgba.set([(i % 64) * 4, 200 - (i % 64) * 3, Math.floor(i / 64) * 4, 255], i * 4);
    const img = decodeImage(new Uint8Array(encodeJpeg({ width: 64, height: 64, data: rgba }, 90).data));
    expect(img.isColour).toBe(true);
    expect(img.meta?.colourFraction).toBeGreaterThan(0.5);
  });
});

describe('decodeImage: bad input', () => {
  const goodPng = encodePng({ width: W, height: H, data: ramp8(), channels: 1, depth: 8 });
  const goodJpeg = new Uint8Array(encodeJpeg({ width: 64, height: 64, data: rgbaFromGrey(new Uint8Array(4096).fill(90)) }, 90).data);

  it('rejects random bytes and other formats with the list of supported formats', () => {
    expect(() => decodeImage(randomBytes(5000))).toThrow(ImageFormatError);
    expect(() => decodeImage(new Uint8Array(0))).toThrow(/empty/);
    const gif = new TextEncoder().encode(`GIF89a${'x'.repeat(200)}`);
    expect(() => decodeImage(gif)).toThrow(/GIF.*PNG, JPEG, JPEG 2000, TIFF or DICOM/);
  });

  it('reports truncated or garbled PNG and JPEG as damaged', () => {
    expect(() => decodeImage(goodPng.subarray(0, Math.floor(goodPng.length / 2)))).toThrow(ImageCorruptError);
    expect(() => decodeImage(goodPng.subarray(0, 20))).toThrow(ImageCorruptError);
    expect(() => decodeImage(goodJpeg.subarray(0, Math.floor(goodJpeg.length * 0.6)))).toThrow(ImageCorruptError);
    const pngSignatureThenNoise = new Uint8Array([...goodPng.subarray(0, 8), ...randomBytes(300)]);
    expect(() => decodeImage(pngSignatureThenNoise)).toThrow(ImageCorruptError);
    expect(() => decodeImage(goodPng.subarray(0, 20))).toThrow(/export it again/);
  });

  it('rejects a 0×0 header', () => {
    expect(() => decodeImage(setPngSize(goodPng, 0, 0))).toThrow(ImageSizeError);
  });

  it('rejects a tiny image', () => {
    const tiny = encodePng({ width: 16, height: 16, data: new Uint8Array(256), channels: 1, depth: 8 });
    expect(() => decodeImage(tiny)).toThrow(/too small/);
  });

  it('rejects 20000×20000 from the header alone (the rest of the file is not even valid)', () => {
    const headerOnly = setPngSize(goodPng, 20000, 20000).subarray(0, 33); // signature + IHDR, no IDAT
    const err = (() => {
      try {
        decodeImage(headerOnly);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ImageSizeError);
    expect(err?.message).toContain(`${MAX_SIDE}×${MAX_SIDE}`);
    expect(err?.message).toMatch(/downscale/);

    const sof = goodJpeg.findIndex((b, i) => b === 0xff && goodJpeg[i + 1] === 0xc0);
    const bigJpeg = goodJpeg.slice(0, sof + 20);
    bigJpeg.set([20000 >> 8, 20000 & 255, 20000 >> 8, 20000 & 255], sof + 5);
    expect(() => decodeImage(bigJpeg)).toThrow(ImageSizeError);
  });

  it('respects caller limits', () => {
    expect(() => decodeImage(goodPng, { maxPixels: 1000 })).toThrow(ImageSizeError);
    expect(decodeImage(goodPng, { minSide: 8 }).width).toBe(W);
  });

  it('every error has a name', () => {
    const errors = [new ImageFormatError('x'), new ImageCorruptError('PNG', 'x'), new ImageSizeError(0, 0), new DicomUnsupportedError('x')];
    expect(errors.map((e) => e.name)).toEqual(['ImageFormatError', 'ImageCorruptError', 'ImageSizeError', 'DicomUnsupportedError']);
    for (const e of errors) expect(e).toBeInstanceOf(Error);
  });
});

describe('decodeImage: real radiographs from ../shared/data', () => {
  it.each([
    ['kermany/IM-0115-0001.jpeg', 224],
    ['covid_qu/COVID-1.jpg', 224],
    ['jsrt/JPCLN001.png', 224],
    ['nih64/00000001_000.png', 64],
  ])('%s decodes to %i×%i grey', (file, side) => {
    const img = decodeImage(new Uint8Array(fs.readFileSync(path.join(CXR_IMAGES, file))));
    expect([img.width, img.height, img.isColour]).toEqual([side, side, false]);
    let min = 1;
    let max = 0;
    for (const v of img.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max - min).toBeGreaterThan(0.3); // a real radiograph has contrast
  });
});
