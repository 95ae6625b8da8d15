// One decoded DICOM frame → grey values in [0,1]. Grey images: stored bits (shift, mask, sign) → modality LUT
// (RescaleSlope/Intercept) → VOI (the window tags with their VOILUTFunction, else the VOI LUT sequence, else the
// pixel range) → MONOCHROME1 inversion. Colour (RGB, YBR_FULL, YBR_FULL_422 …) becomes BT.601 luma, as PNG and
// JPEG do, and is flagged when it holds real colour.
import type { DataSet } from 'dicom-parser';
import { TAG, type DicomHeader } from './dicomParse';
import { samplesToGrey } from './grey';
import type { ImageMeta } from './types';

export interface GreyFrame {
  data: Float32Array; // [rows*columns] in [0,1]
  isColour: boolean;
  colourFraction: number;
  window?: ImageMeta['window'];
  voi: NonNullable<ImageMeta['voi']>;
  values?: Float32Array; // [rows*columns] modality values before VOI and inversion (keepValues: the viewer's window/level)
}

/** Native pixel bytes of frame 1 → interleaved samples (8 or 16 bit, host order), YBR 4:2:2 expanded. */
export function nativeSamples(bytes: Uint8Array, header: DicomHeader): Uint8Array | Uint16Array {
  const n = header.rows * header.columns;
  const count = header.photometric === 'YBR_FULL_422' ? n * 2 : n * header.samplesPerPixel;
  let samples: Uint8Array | Uint16Array;
  if (header.bitsAllocated === 8) samples = bytes.slice(0, count);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
    samples = new Uint16Array(count);
    const little = !header.syntax.bigEndian;
    for (let i = 0; i < count; i++) samples[i] = view.getUint16(i * 2, little);
  }
  if (header.photometric === 'YBR_FULL_422') return expand422(samples, header.rows, header.columns);
  if (header.samplesPerPixel === 3 && header.planarConfiguration === 1) {
    const out = new (samples.constructor as Uint8ArrayConstructor | Uint16ArrayConstructor)(n * 3);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = samples[c * n + i];
    return out;
  }
  return samples;
}

/** PS3.3 C.7.6.3.1.2: each pair of pixels is stored Y1 Y2 Cb Cr. */
function expand422(s: Uint8Array | Uint16Array, rows: number, columns: number): Uint8Array | Uint16Array {
  const out = new (s.constructor as Uint8ArrayConstructor | Uint16ArrayConstructor)(rows * columns * 3);
  let o = 0;
  for (let i = 0; i + 3 < s.length && o < out.length; i += 4) {
    for (const y of [s[i], s[i + 1]]) {
      if (o >= out.length) break;
      out[o++] = y;
      out[o++] = s[i + 2];
      out[o++] = s[i + 3];
    }
  }
  return out;
}

/** colourSpace 'ybr': the samples are still YCbCr (native and RLE); codecs hand back RGB. */
export function frameToGrey(
  samples: Uint8Array | Uint16Array,
  header: DicomHeader,
  dataSet: DataSet,
  opts: { shift: number; colourSpace: 'rgb' | 'ybr'; keepValues?: boolean },
): GreyFrame {
  const { rows, columns } = header;
  if (header.samplesPerPixel === 3) {
    const max = 2 ** (header.bitsAllocated === 8 ? 8 : header.bitsStored) - 1;
    const rgb = opts.colourSpace === 'ybr' ? ybrToRgb(samples, max) : samples;
    const grey = samplesToGrey(rgb, columns, rows, 3, max);
    return { ...grey, voi: 'pixel-range', ...(opts.keepValues ? { values: grey.data.map((v) => Math.round(v * max * 1000) / 1000) } : {}) };
  }
  const n = rows * columns;
  const values = storedValues(samples, n, header, opts.shift);
  const slope = dataSet.floatString(TAG.rescaleSlope) ?? 1;
  const intercept = dataSet.floatString(TAG.rescaleIntercept) ?? 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] * slope + intercept;
    values[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const kept = opts.keepValues ? { values: values.slice() } : {}; // the VOI below overwrites `values`
  const invert = header.photometric === 'MONOCHROME1';
  const center = dataSet.floatString(TAG.windowCenter, 0);
  const width = dataSet.floatString(TAG.windowWidth, 0);
  const fn = (dataSet.string(TAG.voiLutFunction) ?? 'LINEAR').trim().toUpperCase();
  if (center !== undefined && width !== undefined && Number.isFinite(center) && Number.isFinite(width) && width >= (fn === 'LINEAR' ? 1 : 1e-6)) {
    const data =
      fn === 'SIGMOID'
        ? applySigmoid(values, center, width, invert)
        : fn === 'LINEAR_EXACT'
          ? applyLinearExact(values, center, width, invert)
          : applyWindow(values, center, width, invert);
    return { data, isColour: false, colourFraction: 0, window: { center, width, fromFile: true }, voi: 'window', ...kept };
  }
  const lut = readVoiLut(dataSet);
  if (lut) {
    for (let i = 0; i < n; i++) {
      const idx = Math.min(Math.max(Math.round(values[i]) - lut.first, 0), lut.data.length - 1);
      const y = lut.data[idx] / lut.max;
      values[i] = invert ? 1 - y : y;
    }
    return { data: values, isColour: false, colourFraction: 0, voi: 'voi-lut', ...kept };
  }
  // Without a window, centre/width are chosen so the DICOM linear formula maps min → 0 and max → 1.
  const c = (min + max + 1) / 2;
  const w = max - min + 1;
  return {
    data: applyWindow(values, c, w, invert),
    isColour: false,
    colourFraction: 0,
    window: { center: c, width: w, fromFile: false },
    voi: 'pixel-range',
    ...kept,
  };
}

/** Keeps bits [shift, shift+bitsStored) of each sample and sign-extends them when PixelRepresentation is 1. */
function storedValues(samples: Uint8Array | Uint16Array, n: number, header: DicomHeader, shift: number): Float32Array {
  const bits = Math.min(header.bitsStored, 16);
  const mask = bits >= 16 ? 0xffff : (1 << bits) - 1;
  const signBit = 1 << (bits - 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = (samples[i] >>> shift) & mask;
    if (header.signed && (v & signBit) !== 0) v -= mask + 1;
    out[i] = v;
  }
  return out;
}

function ybrToRgb(s: Uint8Array | Uint16Array, max: number): Float32Array {
  const half = (max + 1) / 2;
  const out = new Float32Array(s.length);
  const clamp = (v: number): number => (v < 0 ? 0 : Math.min(v, max));
  for (let i = 0; i + 2 < s.length; i += 3) {
    const y = s[i];
    const cb = s[i + 1] - half;
    const cr = s[i + 2] - half;
    out[i] = clamp(y + 1.402 * cr);
    out[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

/** The first item of the VOI LUT sequence (0028,3010): LUTDescriptor [entries, first mapped, bits] and LUTData. */
function readVoiLut(dataSet: DataSet): { first: number; max: number; data: Uint16Array } | null {
  const item = dataSet.elements[TAG.voiLutSequence]?.items?.[0]?.dataSet;
  if (!item?.elements[TAG.lutDescriptor] || !item.elements[TAG.lutData]) return null;
  const entries = item.uint16(TAG.lutDescriptor, 0) || 65536;
  let first = item.uint16(TAG.lutDescriptor, 1) ?? 0;
  if (first > 32767) first -= 65536; // SS when the pixels are signed
  const bits = Math.min(Math.max(item.uint16(TAG.lutDescriptor, 2) ?? 16, 1), 16);
  const el = item.elements[TAG.lutData];
  const wide = el.length >= entries * 2;
  const count = Math.min(entries, wide ? Math.floor(el.length / 2) : el.length);
  if (count < 1) return null;
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i++) data[i] = wide ? (item.uint16(TAG.lutData, i) ?? 0) : item.byteArray[el.dataOffset + i];
  return { first, max: 2 ** bits - 1, data };
}

/**
 * DICOM PS3.3 C.11.2.1.2 linear VOI window: x ≤ c−½−(w−1)/2 → 0, x > c−½+(w−1)/2 → 1,
 * else ((x − (c−½))/(w−1) + ½). MONOCHROME1 (white = low values) is inverted afterwards.
 * values: [n] modality values → [n] in [0,1], written in place.
 */
export function applyWindow(values: Float32Array, center: number, width: number, invert: boolean): Float32Array {
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  const span = Math.max(width - 1, 1e-6);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    let y: number;
    if (x <= low) y = 0;
    else if (x > high) y = 1;
    else y = (x - (center - 0.5)) / span + 0.5;
    values[i] = invert ? 1 - y : y;
  }
  return values;
}

/** C.11.2.1.3.2 LINEAR_EXACT: x ≤ c − w/2 → 0, x > c + w/2 → 1, else (x − c)/w + ½. */
function applyLinearExact(values: Float32Array, center: number, width: number, invert: boolean): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const y = Math.min(Math.max((values[i] - center) / width + 0.5, 0), 1);
    values[i] = invert ? 1 - y : y;
  }
  return values;
}

/** C.11.2.1.3.1 SIGMOID: 1 / (1 + exp(−4 (x − c) / w)). */
function applySigmoid(values: Float32Array, center: number, width: number, invert: boolean): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const y = 1 / (1 + Math.exp((-4 * (values[i] - center)) / width));
    values[i] = invert ? 1 - y : y;
  }
  return values;
}
