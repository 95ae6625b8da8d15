// decodeImage: bytes (PNG, JPEG or DICOM, told apart by magic bytes) → one grey channel in [0,1].
// The pixel size is read from the header and checked BEFORE any pixel memory is allocated.
// Colour sources are converted with ITU-R BT.601 luma; alpha is composited over black. keepValues also
// returns the source's own values (see GreyImage.values) for the page's viewer; `data` is the same either way.
import { decode as decodePng, convertIndexedToRgb, type DecodedPng } from 'fast-png';
import { decode as decodeJpeg } from 'jpeg-js';
import { ImageCorruptError, ImageFormatError, MAX_PIXELS, MIN_SIDE, checkImageSize } from './errors';
import { decodeDicom } from './dicom';
import { readJpegHeader, readPngHeader, sniffFormat } from './sniff';
import type { DecodeOptions, GreyImage } from './types';

/** A pixel counts as coloured when max(R,G,B) − min(R,G,B) exceeds this (on a [0,1] scale). */
export const COLOUR_SPREAD = 0.1;
/** An image is flagged isColour when more than this fraction of its pixels are coloured. */
export const COLOUR_FRACTION = 0.05;

const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

export function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): GreyImage {
  const limits = { minSide: opts.minSide ?? MIN_SIDE, maxPixels: opts.maxPixels ?? MAX_PIXELS, keepValues: !!opts.keepValues };
  const format = sniffFormat(bytes);
  if (format === 'png') return decodePngGrey(bytes, limits);
  if (format === 'jpeg') return decodeJpegGrey(bytes, limits);
  return decodeDicom(bytes, limits);
}

interface Limits { minSide: number; maxPixels: number; keepValues: boolean }

/** The unit grey back on the source's sample scale: [n] data × maxValue. */
function sampleValues(data: Float32Array, maxValue: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round(data[i] * maxValue * 1000) / 1000;
  return out;
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
  const grey = samplesToGrey(samples, width, height, png.channels, 2 ** png.depth - 1);
  const values = limits.keepValues ? { values: sampleValues(grey.data, 2 ** png.depth - 1) } : {};
  return { width, height, bitsStored: png.depth, ...grey, ...values, meta: { format: 'png', colourFraction: grey.colourFraction } };
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

function decodeJpegGrey(bytes: Uint8Array, limits: Limits): GreyImage {
  const header = readJpegHeader(bytes);
  checkImageSize(header.width, header.height, limits.minSide, limits.maxPixels);
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

/**
 * Interleaved samples [height*width*channels] (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) with values in
 * [0, maxValue] → grey [height*width] in [0,1], plus how much of the image has real colour.
 */
export function samplesToGrey(
  samples: ArrayLike<number>, width: number, height: number, channels: number, maxValue: number,
): { data: Float32Array; isColour: boolean; colourFraction: number } {
  const n = width * height;
  const data = new Float32Array(n);
  const inv = 1 / maxValue;
  let coloured = 0;
  if (channels <= 2) {
    for (let i = 0; i < n; i++) {
      const g = samples[i * channels] * inv;
      data[i] = channels === 2 ? g * samples[i * 2 + 1] * inv : g;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = i * channels;
      const r = samples[o] * inv;
      const g = samples[o + 1] * inv;
      const b = samples[o + 2] * inv;
      const alpha = channels === 4 ? samples[o + 3] * inv : 1;
      data[i] = (LUMA_R * r + LUMA_G * g + LUMA_B * b) * alpha;
      if (Math.max(r, g, b) - Math.min(r, g, b) > COLOUR_SPREAD) coloured++;
    }
  }
  const colourFraction = n > 0 ? coloured / n : 0;
  return { data, isColour: colourFraction > COLOUR_FRACTION, colourFraction };
}
