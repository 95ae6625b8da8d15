// TIFF files from an independent writer (Pillow with libtiff, Debian's /usr/bin/python3) in every compression the
// reader claims, each checked pixel for pixel against the same pixels as PNG; tiles, big-endian, WhiteIsZero and the
// 16-bit predictor from a small writer here; and the variants it refuses, each with a message that says what to do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeImageAsync } from './decode';
import { ImageCorruptError, ImageFormatError } from './errors';
import { sniffFormat } from './sniff';

const PYTHON = '/usr/bin/python3';
const PIL_SCRIPT = `
import sys
import numpy as np
from PIL import Image
d = sys.argv[1]
g8 = (np.arange(80 * 60).reshape(60, 80) * 7 % 251).astype(np.uint8)
Image.fromarray(g8).save(f'{d}/g8.png')
for name, kw in {'raw': {}, 'lzw': {'compression': 'tiff_lzw'}, 'lzwpred': {'compression': 'tiff_lzw', 'tiffinfo': {317: 2}},
                 'deflate': {'compression': 'tiff_adobe_deflate'}, 'packbits': {'compression': 'packbits'}}.items():
    Image.fromarray(g8).save(f'{d}/g8_{name}.tif', **kw)
g12 = ((np.arange(80 * 60).reshape(60, 80) * 37) % 4096).astype(np.uint16)
Image.fromarray(g12).save(f'{d}/g12.png')
Image.fromarray(g12).save(f'{d}/g12_lzw.tif', compression='tiff_lzw')
rgb = np.stack([g8, 255 - g8, g8 // 2], -1).astype(np.uint8)
Image.fromarray(rgb).save(f'{d}/rgb.png')
Image.fromarray(rgb).save(f'{d}/rgb_deflate.tif', compression='tiff_adobe_deflate')
Image.fromarray(g8).save(f'{d}/jpeg.tif', compression='jpeg')
Image.fromarray(g8).convert('P').save(f'{d}/palette.tif')
Image.fromarray(g8.astype(np.float32)).save(f'{d}/float.tif')
Image.fromarray(g8).save(f'{d}/pages.tif', save_all=True, append_images=[Image.fromarray(255 - g8)])
`;

let dir = '';
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(dir, name)));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'serpent-tiff-'));
  const run = spawnSync(PYTHON, ['-c', PIL_SCRIPT, dir], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
});

interface Written {
  width: number;
  height: number;
  spp?: number;
  bps?: 8 | 16;
  samples: number[]; // [H, W, spp]
  little?: boolean;
  photometric?: number;
  predictor?: 1 | 2;
  tile?: number; // square tiles of this side (else one strip)
}

/** An uncompressed TIFF, written here for the layouts Pillow does not write. */
function tiffBytes(t: Written): Uint8Array {
  const { width, height, spp = 1, bps = 8, little = true, photometric = 1, predictor = 1 } = t;
  const side = t.tile;
  const chunks: number[][] = [];
  const at = (x: number, y: number, s: number) => (x < width && y < height ? t.samples[(y * width + x) * spp + s] : 0);
  const encodeRow = (values: number[]) => (predictor === 2 ? values.map((v, i) => (i < spp ? v : (v - values[i - spp] + 65536) % 2 ** bps)) : values);
  if (side) {
    for (let ty = 0; ty < height; ty += side)
      for (let tx = 0; tx < width; tx += side) {
        const chunk: number[] = [];
        for (let y = 0; y < side; y++) chunk.push(...encodeRow(Array.from({ length: side * spp }, (_, i) => at(tx + Math.floor(i / spp), ty + y, i % spp))));
        chunks.push(chunk);
      }
  } else {
    const all: number[] = [];
    for (let y = 0; y < height; y++) all.push(...encodeRow(t.samples.slice(y * width * spp, (y + 1) * width * spp)));
    chunks.push(all);
  }
  const bytesPer = bps / 8;
  const tags: [number, number, number[]][] = [
    [256, 4, [width]],
    [257, 4, [height]],
    [258, 3, Array(spp).fill(bps)],
    [259, 3, [1]],
    [262, 3, [photometric]],
    [277, 3, [spp]],
    [317, 3, [predictor]],
    ...((side
      ? [
          [322, 4, [side]],
          [323, 4, [side]],
        ]
      : [[278, 4, [height]]]) as [number, number, number[]][]),
  ];
  const dataStart = 8;
  const chunkOffsets: number[] = [];
  let p = dataStart;
  for (const c of chunks) {
    chunkOffsets.push(p);
    p += c.length * bytesPer;
  }
  tags.push([side ? 324 : 273, 4, chunkOffsets], [side ? 325 : 279, 4, chunks.map((c) => c.length * bytesPer)]);
  tags.sort((a, b) => a[0] - b[0]);
  const ifdAt = p;
  const extraAt = ifdAt + 2 + tags.length * 12 + 4;
  const extras = tags.reduce((n, [, type, v]) => n + (v.length * (type === 3 ? 2 : 4) > 4 ? v.length * 4 : 0), 0);
  const buf = new DataView(new ArrayBuffer(extraAt + extras));
  const bytes = new Uint8Array(buf.buffer);
  bytes.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  buf.setUint16(2, 42, little);
  buf.setUint32(4, ifdAt, little);
  chunks.forEach((c, k) => c.forEach((v, i) => (bps === 8 ? buf.setUint8(chunkOffsets[k] + i, v) : buf.setUint16(chunkOffsets[k] + i * 2, v, little))));
  buf.setUint16(ifdAt, tags.length, little);
  let extra = extraAt;
  tags.forEach(([tag, type, v], e) => {
    const o = ifdAt + 2 + e * 12;
    buf.setUint16(o, tag, little);
    buf.setUint16(o + 2, v.length * (type === 3 ? 2 : 4) > 4 ? 4 : type, little);
    buf.setUint32(o + 4, v.length, little);
    if (v.length * (type === 3 ? 2 : 4) > 4) {
      buf.setUint32(o + 8, extra, little);
      for (const x of v) {
        buf.setUint32(extra, x, little);
        extra += 4;
      }
    } else if (type === 3) v.forEach((x, i) => buf.setUint16(o + 8 + i * 2, x, little));
    else buf.setUint32(o + 8, v[0], little);
  });
  buf.setUint32(ifdAt + 2 + tags.length * 12, 0, little);
  return bytes;
}

describe('TIFF', () => {
  it('is told apart by its first bytes, in both byte orders', () => {
    expect(sniffFormat(file('g8_raw.tif'))).toBe('tiff');
    expect(sniffFormat(tiffBytes({ width: 40, height: 40, samples: Array(1600).fill(9), little: false }))).toBe('tiff');
    // a DICOM file whose 128-byte preamble is a TIFF header (a dual-personality file) is DICOM
    const dual = new Uint8Array(200);
    dual.set(tiffBytes({ width: 40, height: 40, samples: Array(1600).fill(9) }).subarray(0, 8));
    dual.set([0x44, 0x49, 0x43, 0x4d], 128);
    expect(sniffFormat(dual)).toBe('dicom');
  });

  it.each(['raw', 'lzw', 'lzwpred', 'deflate', 'packbits'])('reads 8-bit grey, %s, exactly as the same pixels in a PNG', (name) => {
    const tif = decodeImage(file(`g8_${name}.tif`), { keepValues: true });
    const png = decodeImage(file('g8.png'), { keepValues: true });
    expect([tif.width, tif.height, tif.bitsStored, tif.isColour]).toEqual([80, 60, 8, false]);
    expect(tif.data).toEqual(png.data);
    expect(tif.values).toEqual(png.values);
    expect(tif.meta?.format).toBe('tiff');
  });

  it('reads 16-bit grey holding 12-bit values on the 12-bit scale, as the PNG path does, and names the storage', () => {
    const tif = decodeImage(file('g12_lzw.tif'));
    expect(tif.bitsStored).toBe(12);
    expect(tif.data).toEqual(decodeImage(file('g12.png')).data);
    expect(tif.meta?.transferSyntaxName).toBe('16-bit TIFF, LZW, values within 12 bits');
  });

  it('reads RGB as the PNG path does (luma, and the colour flag)', async () => {
    const tif = await decodeImageAsync(file('rgb_deflate.tif'));
    const png = decodeImage(file('rgb.png'));
    expect(tif.data).toEqual(png.data);
    expect(tif.isColour).toBe(png.isColour);
  });

  it('reads tiles (padded at the edges), big-endian 16-bit with the predictor, and WhiteIsZero', () => {
    const W = 45;
    const H = 38;
    const g16 = Array.from({ length: W * H }, (_, i) => (i * 997) % 65536);
    const want = decodeImage(tiffBytes({ width: W, height: H, bps: 16, samples: g16 })).data;
    expect(decodeImage(tiffBytes({ width: W, height: H, bps: 16, samples: g16, little: false, predictor: 2, tile: 16 })).data).toEqual(want);
    const g8 = Array.from({ length: W * H }, (_, i) => (i * 13) % 256);
    const white = decodeImage(tiffBytes({ width: W, height: H, samples: g8.map((v) => 255 - v), photometric: 0 }));
    expect(white.data).toEqual(decodeImage(tiffBytes({ width: W, height: H, samples: g8 })).data);
  });

  it('reads the first page of several and says how many there are', () => {
    const tif = decodeImage(file('pages.tif'));
    expect(tif.meta?.frames).toBe(2);
    expect(tif.data).toEqual(decodeImage(file('g8.png')).data);
  });

  it('refuses what it cannot read with a message that says how to save it', () => {
    expect(() => decodeImage(file('jpeg.tif'))).toThrow(ImageFormatError);
    expect(() => decodeImage(file('jpeg.tif'))).toThrow(
      /JPEG-compressed, which is not supported\. Save it again as an uncompressed, LZW or Deflate TIFF, or as PNG/,
    );
    expect(() => decodeImage(file('palette.tif'))).toThrow(/palette \(indexed colour\)/);
    expect(() => decodeImage(file('float.tif'))).toThrow(/floating-point samples/);
  });

  it('calls a cut or damaged file damaged, and checks the size before it allocates', () => {
    const lzw = file('g8_lzw.tif');
    const cut = lzw.slice(0, 200);
    expect(() => decodeImage(cut)).toThrow(ImageCorruptError);
    expect(() => decodeImage(cut)).toThrow(/The TIFF file looks damaged/);
    const big = tiffBytes({ width: 40, height: 40, samples: Array(1600).fill(9) });
    const view = new DataView(big.buffer);
    const ifd = view.getUint32(4, true);
    for (let e = 0; e < view.getUint16(ifd, true); e++)
      if (view.getUint16(ifd + 2 + e * 12, true) === 256) view.setUint32(ifd + 2 + e * 12 + 8, 2_000_000, true); // 80 M pixels declared
    expect(() => decodeImage(big)).toThrow(/2000000×40 pixels, larger than the 8192×8192 maximum/);
  });
});
