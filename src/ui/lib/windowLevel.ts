// Window/level for the viewer, on the image's own values binned once by the decode worker (src/image/displayBins.ts:
// 65,536 bins over min…max, one Uint16 per pixel); a window is then a 65,536-entry lookup table of packed grey RGBA,
// so a window change costs one table lookup per pixel. Only the display changes: the model's pixels are the decoded
// grey image, never these.
import { applyWindow, BINS, type DisplayValues } from '../../image';
import presetData from '../data/windowPresets.json' with { type: 'json' };

export interface WindowState {
  center: number;
  width: number;
  invert: boolean; // the person's choice, on top of the file's photometric (MONOCHROME1 is already undone)
}

export interface WindowPreset {
  id: string;
  label: string;
  source?: 'file';
  from?: number; // percentile of the values in display order (dark → bright)
  to?: number;
}

export const WINDOW_PRESETS: WindowPreset[] = presetData.presets as WindowPreset[];

/** The value at percentile p (0…100) of the pixels. */
export function percentile(d: DisplayValues, p: number): number {
  const target = (Math.min(100, Math.max(0, p)) / 100) * d.count;
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    seen += d.histogram[b];
    if (seen >= target && seen > 0) return d.min + (b * (d.max - d.min)) / (BINS - 1);
  }
  return d.max;
}

/** The presets this image has: the file window only when the DICOM file carries one. */
export function availablePresets(fileWindow: { center: number; width: number } | null): WindowPreset[] {
  return WINDOW_PRESETS.filter((p) => p.source !== 'file' || fileWindow);
}

/**
 * A preset as centre/width on this image. monochrome1: high values display dark, so display-order
 * percentiles are counted from the top. The window spans the two percentiles (DICOM width = span + 1).
 */
export function presetWindow(
  preset: WindowPreset,
  d: DisplayValues,
  fileWindow: { center: number; width: number } | null,
  monochrome1: boolean,
): { center: number; width: number } {
  if (preset.source === 'file') {
    if (!fileWindow) throw new RangeError(`the ${preset.label} preset needs a DICOM window; this image has none`);
    return { center: fileWindow.center, width: fileWindow.width };
  }
  // One value throughout (a blank image, which the engine refuses): any window would draw it black or white, so it
  // is drawn mid-grey, which reads as "flat", not as "dark".
  if (d.histogram[0] === d.count) return { center: d.min + 0.5, width: 2 }; // every pixel in the first bin: at min
  const from = preset.from ?? 0;
  const to = preset.to ?? 100;
  const lo = percentile(d, monochrome1 ? 100 - to : from);
  const hi = percentile(d, monochrome1 ? 100 - from : to);
  const span = Math.max(hi - lo, (d.max - d.min) / 1000);
  return { center: lo + span / 2 + 0.5, width: span + 1 };
}

/** [BINS] packed little-endian RGBA grey (alpha 255) for the window, by the DICOM linear formula. */
export function windowLut(d: DisplayValues, w: WindowState, monochrome1: boolean): Uint32Array {
  const binValues = new Float32Array(BINS);
  for (let b = 0; b < BINS; b++) binValues[b] = d.min + (b * (d.max - d.min)) / (BINS - 1);
  const unit = applyWindow(binValues, w.center, w.width, monochrome1 !== w.invert);
  const lut = new Uint32Array(BINS);
  for (let b = 0; b < BINS; b++) {
    const g = Math.round(unit[b] * 255);
    lut[b] = (0xff000000 | (g << 16) | (g << 8) | g) >>> 0;
  }
  return lut;
}

/** Writes the windowed image into out ([n] packed RGBA, e.g. a Uint32Array view of ImageData). */
export function renderWindowed(d: DisplayValues, lut: Uint32Array, out: Uint32Array): void {
  const { bins } = d;
  for (let i = 0; i < bins.length; i++) out[i] = lut[bins[i]];
}

/** Slider bounds that always include the current window. */
export function windowBounds(d: DisplayValues, w: WindowState): { width: [number, number]; level: [number, number]; step: number } {
  const range = d.max - d.min;
  return {
    width: [Math.min(1, w.width), Math.max(2 * range, w.width)],
    level: [Math.min(d.min, w.center), Math.max(d.max, w.center)],
    step: range > 50 ? 1 : range / 500,
  };
}

/** A right-drag of (dx, dy) view fractions: right widens the window, down raises the level (as DICOM viewers do). */
export function dragWindow(w: WindowState, d: DisplayValues, dx: number, dy: number, sensitivity: number): WindowState {
  const range = d.max - d.min;
  return { ...w, width: Math.max(1, w.width + dx * range * sensitivity), center: w.center + dy * range * sensitivity };
}
