// TIFF, as film digitisers and research archives save radiographs: the first image of the file, 8- or 16-bit
// unsigned samples, grey (BlackIsZero or WhiteIsZero) or RGB(A), in strips or tiles, uncompressed, LZW, Deflate or
// PackBits, with or without the horizontal predictor. Its size is checked before any pixel memory is allocated; what
// it cannot read (JPEG-in-TIFF, fax codings, palettes, floats, BigTIFF) gets a message that says how to save it.
import { deflateDecode, lzwDecode, packBitsDecode } from './codecs/tiffCompression';
import { checkImageSize, ImageCorruptError, ImageFormatError } from './errors';
import { sampleValues, samplesToGrey, significantBits } from './grey';
import type { GreyImage } from './types';

const COMPRESSION: Record<number, string> = { 1: 'uncompressed', 5: 'LZW', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits' };
const UNSUPPORTED_COMPRESSION: Record<number, string> = { 2: 'CCITT fax', 3: 'CCITT fax', 4: 'CCITT fax', 6: 'old-style JPEG', 7: 'JPEG', 34712: 'JPEG 2000' };
const SAVE_AS = 'Save it again as an uncompressed, LZW or Deflate TIFF, or as PNG, and try again.';

interface Limits {
  minSide: number;
  maxPixels: number;
  keepValues: boolean;
}

/** The tags of one image file directory, each as its numbers. */
type Ifd = Map<number, number[]>;

class TiffReader {
  readonly view: DataView;
  readonly little: boolean;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = bytes[0] === 0x49;
  }
  u16 = (at: number): number => this.view.getUint16(at, this.little);
  u32 = (at: number): number => this.view.getUint32(at, this.little);

  /** The tags of the directory at `at`. */
  ifd(at: number): Ifd {
    const SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };
    const count = this.u16(at);
    const tags: Ifd = new Map();
    for (let e = 0; e < count; e++) {
      const o = at + 2 + e * 12;
      const tag = this.u16(o);
      const type = this.u16(o + 2);
      const n = this.u32(o + 4);
      const size = SIZES[type];
      if (!size || n > this.bytes.length) continue; // a type this reader has no use for
      const where = size * n <= 4 ? o + 8 : this.u32(o + 8);
      if (where + size * n > this.bytes.length) throw new RangeError(`tag ${tag} points past the end of the file`);
      const values: number[] = [];
      for (let i = 0; i < Math.min(n, 1 << 20); i++) {
        const p = where + i * size;
        values.push(size === 1 ? this.bytes[p] : size === 2 ? this.u16(p) : size === 4 ? this.u32(p) : this.u32(p) / (this.u32(p + 4) || 1));
      }
      tags.set(tag, values);
    }
    return tags;
  }

  /** The offset of the directory after the one at `at` (0: none), without reading its tags. */
  nextIfd(at: number): number {
    return this.u32(at + 2 + this.u16(at) * 12);
  }
}

/** Pages in the file (the first IFD and those chained after it), up to a bound. */
function countPages(r: TiffReader, first: number): number {
  let pages = 0;
  const seen = new Set<number>();
  for (let at = first; at && !seen.has(at) && at + 2 <= r.bytes.length && pages < 1000; pages++) {
    seen.add(at);
    if (at + 2 + r.u16(at) * 12 + 4 > r.bytes.length) return pages + 1; // a cut-short chain: this page counts, none after
    at = r.nextIfd(at);
  }
  return pages;
}

export function decodeTiff(bytes: Uint8Array, limits: Limits): GreyImage {
  try {
    return readTiff(bytes, limits);
  } catch (err) {
    if (err instanceof RangeError) throw new ImageCorruptError('TIFF', err.message);
    throw err;
  }
}

function readTiff(bytes: Uint8Array, limits: Limits): GreyImage {
  if (bytes.length < 8) throw new RangeError('the file ends inside its header');
  const r = new TiffReader(bytes);
  if (r.u16(2) === 43) throw new ImageFormatError(`This is a BigTIFF file, which is not supported. ${SAVE_AS}`);
  const firstAt = r.u32(4);
  if (firstAt < 8 || firstAt + 2 > bytes.length) throw new RangeError('its first image directory is outside the file');
  const tags = r.ifd(firstAt);
  const one = (tag: number, fallback?: number): number => {
    const v = tags.get(tag)?.[0] ?? fallback;
    if (v === undefined) throw new RangeError(`it has no tag ${tag}`);
    return v;
  };
  const width = one(256);
  const height = one(257);
  checkImageSize(width, height, limits.minSide, limits.maxPixels);
  const spp = one(277, 1);
  const bits = tags.get(258) ?? [1];
  const bps = bits[0];
  const compression = one(259, 1);
  const photometric = one(262, spp >= 3 ? 2 : 1);
  const predictor = one(317, 1);
  const sampleFormat = one(339, 1);
  if (UNSUPPORTED_COMPRESSION[compression])
    throw new ImageFormatError(`This TIFF is ${UNSUPPORTED_COMPRESSION[compression]}-compressed, which is not supported. ${SAVE_AS}`);
  if (!COMPRESSION[compression]) throw new ImageFormatError(`This TIFF uses compression ${compression}, which is not supported. ${SAVE_AS}`);
  if (photometric === 3) throw new ImageFormatError(`This TIFF is a palette (indexed colour) image, which is not supported. ${SAVE_AS}`);
  if (photometric > 2) throw new ImageFormatError(`This TIFF's colour model (photometric ${photometric}) is not supported. ${SAVE_AS}`);
  if ((bps !== 8 && bps !== 16) || bits.some((b) => b !== bps) || sampleFormat !== 1) {
    throw new ImageFormatError(
      `This TIFF holds ${sampleFormat === 3 ? 'floating-point' : sampleFormat === 2 ? 'signed' : `${bps}-bit`} samples; Serpent reads 8- and 16-bit unsigned ones. ${SAVE_AS}`,
    );
  }
  if (spp < 1 || spp > 4) throw new ImageFormatError(`This TIFF has ${spp} samples per pixel; Serpent reads grey and RGB(A). ${SAVE_AS}`);
  if (spp > 1 && one(284, 1) !== 1)
    throw new ImageFormatError(`This TIFF stores its colour planes apart (planar configuration 2), which is not supported. ${SAVE_AS}`);
  if (predictor !== 1 && predictor !== 2) throw new ImageFormatError(`This TIFF uses predictor ${predictor}, which is not supported. ${SAVE_AS}`);

  const bytesPer = bps / 8;
  const samples = bps === 8 ? new Uint8Array(width * height * spp) : new Uint16Array(width * height * spp); // [H, W, spp]
  const tiled = tags.has(322);
  const chunkW = tiled ? one(322) : width;
  const chunkH = tiled ? one(323) : Math.min(one(278, height), height);
  if (!(chunkW >= 1 && chunkH >= 1 && chunkW <= 2 * width + 256 && chunkW * chunkH <= limits.maxPixels + 65536)) {
    throw new RangeError(`its ${tiled ? 'tiles' : 'strips'} of ${chunkW}×${chunkH} do not fit a ${width}×${height} image`);
  }
  const offsets = tags.get(tiled ? 324 : 273) ?? [];
  const counts = tags.get(tiled ? 325 : 279) ?? [];
  const across = Math.ceil(width / chunkW);
  const chunks = across * Math.ceil(height / chunkH);
  if (offsets.length < chunks || counts.length < chunks) throw new RangeError(`it lists ${offsets.length} of its ${chunks} ${tiled ? 'tiles' : 'strips'}`);
  for (let c = 0; c < chunks; c++) {
    const x0 = (c % across) * chunkW;
    const y0 = Math.floor(c / across) * chunkH;
    const rows = tiled ? chunkH : Math.min(chunkH, height - y0);
    const rowBytes = chunkW * spp * bytesPer;
    const start = offsets[c];
    const stored = bytes.subarray(start, start + counts[c]);
    if (start + counts[c] > bytes.length) throw new RangeError(`${tiled ? 'tile' : 'strip'} ${c + 1} runs past the end of the file`);
    const raw = inflateChunk(compression, stored, rows * rowBytes);
    placeChunk(r.little, raw, samples, { x0, y0, rows, chunkW, width, height, spp, bps, predictor });
  }
  if (photometric === 0) for (let i = 0; i < samples.length; i++) samples[i] = 2 ** bps - 1 - samples[i]; // WhiteIsZero

  // 16-bit grey often holds a digitiser's 12-bit values: the scale follows the bits the samples use, as for PNG
  const used = spp === 1 && bps === 16 && photometric === 1 ? Math.min(16, significantBits(samples, 16)) : bps;
  const maxValue = 2 ** used - 1;
  const grey = samplesToGrey(samples, width, height, spp, maxValue);
  const values = limits.keepValues ? { values: sampleValues(grey.data, maxValue) } : {};
  const pages = countPages(r, firstAt);
  const name = `${bps}-bit TIFF, ${COMPRESSION[compression]}${used < bps ? `, values within ${used} bits` : ''}`;
  return {
    width,
    height,
    bitsStored: used,
    ...grey,
    ...values,
    meta: { format: 'tiff', colourFraction: grey.colourFraction, transferSyntaxName: name, ...(pages > 1 ? { frames: pages } : {}) },
  };
}

function inflateChunk(compression: number, stored: Uint8Array, expected: number): Uint8Array {
  if (compression === 1) {
    if (stored.length < expected) throw new RangeError(`a strip holds ${stored.length} of its ${expected} bytes`);
    return stored;
  }
  if (compression === 5) return lzwDecode(stored, expected);
  if (compression === 32773) return packBitsDecode(stored, expected);
  return deflateDecode(stored, expected);
}

interface Placement {
  x0: number;
  y0: number;
  rows: number;
  chunkW: number;
  width: number;
  height: number;
  spp: number;
  bps: number;
  predictor: number;
}

/** One strip or tile's bytes [rows, chunkW, spp] into the image's samples, undoing the horizontal predictor. */
function placeChunk(little: boolean, raw: Uint8Array, samples: Uint8Array | Uint16Array, p: Placement): void {
  const { x0, y0, rows, chunkW, width, height, spp, bps } = p;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const row = new Uint32Array(chunkW * spp);
  for (let y = 0; y < rows && y0 + y < height; y++) {
    for (let i = 0; i < chunkW * spp; i++) row[i] = bps === 8 ? raw[y * chunkW * spp + i] : view.getUint16((y * chunkW * spp + i) * 2, little);
    if (p.predictor === 2) for (let i = spp; i < chunkW * spp; i++) row[i] = (row[i] + row[i - spp]) & (bps === 8 ? 0xff : 0xffff);
    const n = Math.min(chunkW, width - x0) * spp;
    samples.set(row.subarray(0, n), ((y0 + y) * width + x0) * spp);
  }
}
