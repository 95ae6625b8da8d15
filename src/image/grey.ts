// Interleaved grey / RGB(A) samples → one grey channel (ITU-R BT.601 luma, alpha over black), and how much of
// the image has real colour. Shared by the PNG, JPEG and colour-DICOM decoders.

/** A pixel counts as coloured when max(R,G,B) − min(R,G,B) exceeds this (on a [0,1] scale). */
export const COLOUR_SPREAD = 0.1;
/** An image is flagged isColour when more than this fraction of its pixels are coloured. */
export const COLOUR_FRACTION = 0.05;

const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

/**
 * Interleaved samples [height*width*channels] (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) with values in
 * [0, maxValue] → grey [height*width] in [0,1], plus how much of the image has real colour.
 */
export function samplesToGrey(
  samples: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  maxValue: number,
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

/** The bits a file's samples use, for a file that cannot say (a plain JPEG or JPEG 2000, a PNG): above 8 declared
 *  bits, the fewest bits (at least 8) that hold its largest sample. A sample beyond the declared bits gives more than
 *  `declared`: a decoder that does not clamp (OpenJPH) can return such samples from a damaged stream. */
export function significantBits(samples: ArrayLike<number>, declared: number): number {
  if (declared <= 8) return declared;
  let max = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i] > max) max = samples[i];
  return Math.max(8, max > 0 ? Math.floor(Math.log2(max)) + 1 : 1);
}

/** The unit grey back on the source's sample scale: [n] data × maxValue. */
export function sampleValues(data: Float32Array, maxValue: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round(data[i] * maxValue * 1000) / 1000;
  return out;
}
