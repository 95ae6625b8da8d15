// decodeImage: bytes (PNG, JPEG, JPEG 2000, TIFF or DICOM, told apart by magic bytes) → one grey channel in [0,1]; decodeImageAsync
// also reads the compressed DICOM syntaxes whose WebAssembly decoders load on demand, large plain JPEGs with
// libjpeg-turbo (TURBO_MIN_PIXELS), and plain 12-bit, lossless, JPEG-LS and JPEG 2000 files with DICOM's decoders
// (plainCodestreams.ts).
// The pixel size is read from the header and checked BEFORE any pixel memory is allocated.
// Colour sources are converted with ITU-R BT.601 luma; alpha is composited over black. A JPEG's EXIF orientation is
// applied, so its pixels stand as a viewer shows them. keepValues also returns the source's own values (see
// GreyImage.values) for the page's viewer; `data` is the same either way.
import { decode as decodePng, convertIndexedToRgb, type DecodedPng } from 'fast-png';
import { decode as decodeJpeg } from 'jpeg-js';
import { ImageCorruptError, ImageFormatError, MAX_PIXELS, MIN_SIDE, checkImageSize } from './errors';
import { decodeJpegFile, type DecodedFrame } from './codecs/index';
import { decodeDicom, decodeDicomAsync } from './dicom';
import { orientUpright } from './exifOrientation';
import { sampleValues, samplesToGrey, significantBits } from './grey';
import { codingName, decodeJpeg2000, decodeJpegVariant, needsCodec } from './plainCodestreams';
import { type JpegHeader, readJpegHeader, readPngHeader, sniffFormat } from './sniff';
import { decodeTiff } from './tiff';
import type { DecodeOptions, GreyImage } from './types';

export { COLOUR_FRACTION, COLOUR_SPREAD, samplesToGrey } from './grey';

export function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): GreyImage {
  const limits = { minSide: opts.minSide ?? MIN_SIDE, maxPixels: opts.maxPixels ?? MAX_PIXELS, keepValues: !!opts.keepValues };
  const format = sniffFormat(bytes);
  if (format === 'png') return decodePngGrey(bytes, limits);
  if (format === 'tiff') return decodeTiff(bytes, limits);
  if (format === 'jpeg2000') throw new ImageFormatError('This file is JPEG 2000, which only decodeImageAsync reads.');
  if (format === 'jpeg') {
    const header = checkedJpegHeader(bytes, limits);
    if (needsCodec(header)) throw new ImageFormatError(`This file is ${codingName(header)}, which only decodeImageAsync reads.`);
    return orientUpright(decodeJpegGrey(bytes, limits, header), header.orientation);
  }
  return decodeDicom(bytes, limits);
}

/**
 * decodeImage, plus the compressed DICOM transfer syntaxes (JPEG, JPEG-LS, JPEG 2000, HTJ2K) whose decoders
 * load on first use, and large plain JPEGs through libjpeg-turbo (decodeImage reads every JPEG with jpeg-js).
 * The page, the worker, the corpus builder, the eval and the CLIs call this one.
 */
export async function decodeImageAsync(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<GreyImage> {
  const limits = { minSide: opts.minSide ?? MIN_SIDE, maxPixels: opts.maxPixels ?? MAX_PIXELS, keepValues: !!opts.keepValues };
  const format = sniffFormat(bytes);
  if (format === 'dicom') return decodeDicomAsync(bytes, limits);
  if (format === 'jpeg2000') return decodeJpeg2000(bytes, limits);
  if (format === 'jpeg') {
    const header = checkedJpegHeader(bytes, limits);
    if (needsCodec(header)) return orientUpright(await decodeJpegVariant(bytes, header, limits), header.orientation);
    return orientUpright((await decodeLargeJpeg(bytes, header, limits)) ?? decodeJpegGrey(bytes, limits, header), header.orientation);
  }
  return decodeImage(bytes, opts);
}

/**
 * Plain JPEG files of at least this many pixels are decoded by libjpeg-turbo (WebAssembly, the decoder DICOM's
 * JPEG baseline already uses) in decodeImageAsync: a 2083 × 2500 film takes about 130 ms there against 700 ms in
 * jpeg-js (Node, this VM). Below it jpeg-js is about as fast as loading the decoder (about 30 ms, once per thread),
 * so the small films of the corpus and the eval keep jpeg-js. The two differ by at most one grey level.
 */
export const TURBO_MIN_PIXELS = 512 * 512;

/** A large 1- or 3-component JPEG through libjpeg-turbo; null (jpeg-js decides) when it is small, another kind
 *  (CMYK, 12-bit), or libjpeg-turbo cannot load or read it: jpeg-js then decodes it or says why not. */
async function decodeLargeJpeg(bytes: Uint8Array, header: JpegHeader, limits: Limits): Promise<GreyImage | null> {
  if (header.width * header.height < TURBO_MIN_PIXELS) return null;
  let frame: DecodedFrame;
  try {
    frame = await decodeJpegFile(bytes);
  } catch {
    return null;
  }
  const { width, height, components, samples } = frame;
  if (width !== header.width || height !== header.height || (components !== 1 && components !== 3) || frame.bitsPerSample !== 8) return null;
  const grey = samplesToGrey(samples, width, height, components, 255);
  const values = limits.keepValues ? { values: sampleValues(grey.data, 255) } : {};
  return { width, height, bitsStored: 8, ...grey, ...values, meta: { format: 'jpeg', colourFraction: grey.colourFraction } };
}

export interface Limits {
  minSide: number;
  maxPixels: number;
  keepValues: boolean;
}

function decodePngGrey(bytes: Uint8Array, limits: Limits): GreyImage {
  const header = readPngHeader(bytes);
  checkImageSize(header.width, header.height, limits.minSide, limits.maxPixels);
  let png: DecodedPng;
  try {
    png = decodePng(bytes);
  } catch (err) {
    throw new ImageCorruptError('PNG', (err as Error).message ?? String(err));
  }
  const { width, height } = png;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const grey = samplesToGrey(rgb, width, height, png.palette[0].length, 255);
    const values = limits.keepValues ? { values: sampleValues(grey.data, 255) } : {};
    return { width, height, bitsStored: 8, ...grey, ...values, meta: { format: 'png', colourFraction: grey.colourFraction } };
  }
  const samples = png.depth < 8 ? unpackLowBitGrey(png) : png.data;
  const expected = width * height * png.channels;
  if (samples.length < expected) throw new ImageCorruptError('PNG', 'its pixel data is shorter than its size says');
  // A 16-bit grey PNG often holds a film's raw 12-bit values (a DICOM's pixels saved as they are): on the 16-bit scale
  // the model would see it at 1/16 of its brightness, so the scale follows the bits the samples use.
  const bits = png.channels === 1 ? Math.min(png.depth, significantBits(samples, png.depth)) : png.depth;
  const maxValue = 2 ** bits - 1;
  const grey = samplesToGrey(samples, width, height, png.channels, maxValue);
  const values = limits.keepValues ? { values: sampleValues(grey.data, maxValue) } : {};
  const stored = bits < png.depth ? { transferSyntaxName: `${png.depth}-bit PNG, values within ${bits} bits` } : {};
  return { width, height, bitsStored: bits, ...grey, ...values, meta: { format: 'png', colourFraction: grey.colourFraction, ...stored } };
}

/** Grey PNGs of 1, 2 or 4 bits keep their rows packed in fast-png's output: one sample per byte here. */
function unpackLowBitGrey(png: DecodedPng): Uint8Array {
  const { width, height, depth } = png;
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = png.data[y * rowBytes + (bit >> 3)];
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** The JPEG's header (size, EXIF orientation), its size checked before any pixel memory is allocated. */
function checkedJpegHeader(bytes: Uint8Array, limits: Limits): JpegHeader {
  const header = readJpegHeader(bytes);
  checkImageSize(header.width, header.height, limits.minSide, limits.maxPixels);
  return header;
}

/** jpeg-js, as stored (the caller applies the orientation). */
function decodeJpegGrey(bytes: Uint8Array, limits: Limits, header: JpegHeader): GreyImage {
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    rgba = decodeJpeg(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: true,
      maxResolutionInMP: limits.maxPixels / 1e6,
      maxMemoryUsageInMB: Math.ceil((limits.maxPixels * 8) / 2 ** 20) + 64, // RGBA output + component planes
    });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/unsupported|not supported/i.test(message)) throw new ImageFormatError(`This JPEG variant is not supported (${message}).`);
    throw new ImageCorruptError('JPEG', message);
  }
  const { width, height } = rgba;
  if (width !== header.width || height !== header.height || rgba.data.length < width * height * 4) {
    throw new ImageCorruptError('JPEG', 'its decoded size does not match its header');
  }
  const grey = samplesToGrey(rgba.data, width, height, 4, 255);
  const values = limits.keepValues ? { values: sampleValues(grey.data, 255) } : {};
  return { width, height, bitsStored: 8, ...grey, ...values, meta: { format: 'jpeg', colourFraction: grey.colourFraction } };
}
