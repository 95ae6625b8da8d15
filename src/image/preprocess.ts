// The one resize + pad + normalise used by the page, the corpus builder and the evaluation.
//
// Resampling: separable convolution with a triangle (tent) filter, the same scheme as Pillow's
// BILINEAR resize: output pixel i samples the input around centre (i + ½)·(in/out); when shrinking, the
// filter support widens by the shrink factor (antialiasing: every input pixel contributes), when
// enlarging it is plain bilinear interpolation with half-pixel centres. Weights are renormalised at
// the borders, so a constant image stays constant.
//
// Two paths reach the model, and they differ by at most 0.5/255 per pixel before normalisation:
//   page:   pixels = (unit − mean) / std                    (float, from preprocess())
//   corpus: u8 = toUint8(unit); model input = (u8/255 − mean) / std   (normalise(u8, …), as training does)
// Pass `quantise: true` to make the page see exactly the corpus's pixels.
import type { GreyImage } from './types';

export interface PreprocessOptions {
  size: number; // S: the square side the model takes
  mean: number; // pixel_mean of the model (on the [0,1] scale)
  std: number; // pixel_std of the model
  quantise?: boolean; // round unit to 1/255 steps first (the corpus's uint8 pixels)
  crop?: Rect; // only this part of the image, as if it were the whole (read in place: no copy)
}

/** A rectangle of pixels: columns x … x+width−1, rows y … y+height−1. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Preprocessed {
  pixels: Float32Array; // [S*S] (unit − mean)/std, row-major
  unit: Float32Array; // [S*S] in [0,1]: resized image centred on black padding
  size: number; // S
  /** Original → tensor: xS = x·scale + offsetX (per axis exactly: resizedWidth/width, resizedHeight/height). */
  scale: number; // S / max(width, height)
  offsetX: number; // left padding in tensor pixels
  offsetY: number; // top padding in tensor pixels
  resizedWidth: number; // width of the image content inside the S×S square
  resizedHeight: number;
}

interface AxisWeights {
  start: Int32Array; // [out] first input index
  count: Int32Array; // [out] number of taps
  weights: Float64Array; // [out * maxTaps] normalised weights
  maxTaps: number;
}

/** Tent-filter weights for resampling one axis from inSize to outSize samples. */
export function axisWeights(inSize: number, outSize: number): AxisWeights {
  const ratio = inSize / outSize; // input pixels per output pixel
  const filterScale = Math.max(ratio, 1);
  const support = filterScale; // triangle filter radius 1, widened when shrinking
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * ratio;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    for (let x = lo; x < hi; x++) {
      const w = Math.max(0, 1 - Math.abs((x - center + 0.5) / filterScale));
      weights[i * maxTaps + (x - lo)] = w;
      total += w;
    }
    for (let k = 0; k < hi - lo; k++) weights[i * maxTaps + k] = total > 0 ? weights[i * maxTaps + k] / total : 0;
    start[i] = lo;
    count[i] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

/** Resamples a grey image [height*width] to [outHeight*outWidth]: rows first, then columns. The image may sit inside
 *  a larger one: row y starts at data[offset + y·stride]. */
export function resample(data: Float32Array, width: number, height: number, outWidth: number, outHeight: number, stride = width, offset = 0): Float32Array {
  const wx = axisWeights(width, outWidth);
  const wy = axisWeights(height, outHeight);
  const rows = new Float32Array(height * outWidth); // [height, outWidth]
  for (let y = 0; y < height; y++) {
    const inRow = offset + y * stride;
    for (let i = 0; i < outWidth; i++) {
      const base = i * wx.maxTaps;
      const x0 = inRow + wx.start[i];
      let acc = 0;
      for (let k = 0; k < wx.count[i]; k++) acc += data[x0 + k] * wx.weights[base + k];
      rows[y * outWidth + i] = acc;
    }
  }
  const out = new Float32Array(outHeight * outWidth); // [outHeight, outWidth]
  for (let j = 0; j < outHeight; j++) {
    const base = j * wy.maxTaps;
    const y0 = wy.start[j];
    const outRow = j * outWidth;
    for (let k = 0; k < wy.count[j]; k++) {
      const w = wy.weights[base + k];
      const inRow = (y0 + k) * outWidth;
      for (let i = 0; i < outWidth; i++) out[outRow + i] += rows[inRow + i] * w;
    }
  }
  return out;
}

export function preprocess(img: GreyImage, opts: PreprocessOptions): Preprocessed {
  const { size, mean, std } = opts;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`preprocess: size must be a positive integer, got ${size}`);
  if (!(std > 0)) throw new RangeError(`preprocess: std must be positive, got ${std}`);
  if (img.data.length !== img.width * img.height || img.width < 1 || img.height < 1) {
    throw new RangeError(`preprocess: image data has ${img.data.length} values for ${img.width}×${img.height}`);
  }
  const region = opts.crop ?? { x: 0, y: 0, width: img.width, height: img.height };
  const { x: cx, y: cy, width, height } = region;
  if (!(cx >= 0 && cy >= 0 && width >= 1 && height >= 1 && cx + width <= img.width && cy + height <= img.height)) {
    throw new RangeError(`preprocess: crop ${width}×${height} at (${cx}, ${cy}) is not inside the ${img.width}×${img.height} image`);
  }
  const scale = size / Math.max(width, height);
  const resizedWidth = Math.min(size, Math.max(1, Math.round(width * scale)));
  const resizedHeight = Math.min(size, Math.max(1, Math.round(height * scale)));
  const offsetX = Math.floor((size - resizedWidth) / 2);
  const offsetY = Math.floor((size - resizedHeight) / 2);

  const resized = resample(img.data, width, height, resizedWidth, resizedHeight, img.width, cy * img.width + cx);
  const unit = new Float32Array(size * size); // [S, S], black padding
  for (let y = 0; y < resizedHeight; y++) {
    for (let x = 0; x < resizedWidth; x++) {
      const v = resized[y * resizedWidth + x];
      const clamped = v < 0 ? 0 : Math.min(v, 1);
      unit[(y + offsetY) * size + x + offsetX] = opts.quantise ? Math.round(clamped * 255) / 255 : clamped;
    }
  }
  return { pixels: normalise(unit, mean, std), unit, size, scale, offsetX, offsetY, resizedWidth, resizedHeight };
}

/** [n] in [0,1] → [n] uint8, round(x·255), for the corpus's pixels.npy. */
export function toUint8(unit: Float32Array): Uint8Array {
  const out = new Uint8Array(unit.length);
  for (let i = 0; i < unit.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, unit[i])) * 255);
  return out;
}

/** Model input: (x − mean)/std with x = u8/255 for uint8 input, or x as given for a [0,1] float array. */
export function normalise(values: Uint8Array | Float32Array, mean: number, std: number): Float32Array {
  const out = new Float32Array(values.length);
  const isU8 = values instanceof Uint8Array;
  for (let i = 0; i < values.length; i++) {
    const x = isU8 ? values[i] / 255 : values[i];
    out[i] = (x - mean) / std;
  }
  return out;
}

/** Maps a point in the S×S tensor back to the original image's pixel coordinates (for heatmaps/boxes). */
export function tensorToImage(p: Preprocessed, img: { width: number; height: number }, x: number, y: number): [number, number] {
  return [((x - p.offsetX) * img.width) / p.resizedWidth, ((y - p.offsetY) * img.height) / p.resizedHeight];
}
