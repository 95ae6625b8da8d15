// A viewer's binning of an image's own values (GreyImage.values: DICOM modality values, PNG/JPEG samples): 65,536
// bins over min…max, one Uint16 per pixel, and their histogram. Made once per image, in the page's decode worker, so
// that a window/level change is one table lookup per pixel (src/ui/lib/windowLevel.ts). Display only.
import { decodeImageAsync } from './decode';
import type { GreyImage } from './types';

export const BINS = 65536;

export interface DisplayValues {
  bins: Uint16Array; // [n] bin of each pixel
  histogram: Uint32Array; // [BINS] pixel count per bin
  min: number;
  max: number;
  count: number;
}

/** [n] values → their bins and histogram; a flat image gets a range of 1 so every window is defined. */
export function prepareDisplay(values: Float32Array): DisplayValues {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) max = min + 1;
  const k = (BINS - 1) / (max - min);
  const bins = new Uint16Array(values.length);
  const histogram = new Uint32Array(BINS);
  for (let i = 0; i < values.length; i++) {
    const b = Math.round((values[i] - min) * k);
    bins[i] = b;
    histogram[b]++;
  }
  return { bins, histogram, min, max, count: values.length };
}

/** A file decoded for a viewer: the grey image the model reads (without its values) and the values binned. */
export interface ViewerImage {
  image: GreyImage;
  display: DisplayValues;
}

/** decodeImageAsync keeping the values only long enough to bin them (the page's decode worker runs this). */
export async function decodeForViewer(bytes: Uint8Array): Promise<ViewerImage> {
  const { values, ...image } = await decodeImageAsync(bytes, { keepValues: true });
  return { image, display: prepareDisplay(values ?? image.data) };
}
