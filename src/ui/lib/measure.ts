// Distance measurements on a view, as pure maths: a line between two points in the file's own pixels (so it stays
// on the anatomy through zoom and pan), its length in mm where the DICOM file states a pixel spacing, in the
// file's pixels where it does not, and a note that says which of the two a number is; and the cardiothoracic ratio
// of two lines (the heart's widest width over the chest's), which needs no spacing.
import type { PixelSpacing } from '../../image';
import { FORMAT_NAMES, type ImageFormat } from '../../image/types';

export interface Measurement {
  id: number;
  from: [number, number]; // image pixels (x, y)
  to: [number, number];
}

export interface Length {
  value: number;
  unit: 'mm' | 'px';
  text: string; // "23.4 mm" or "118 px"
}

/** Shorter than this many image pixels, a drag was a click: no measurement. */
export const MIN_LENGTH_PX = 2;

/** The length of a line: dx scaled by the column spacing (horizontal), dy by the row spacing (vertical). */
export function lengthOf(m: Pick<Measurement, 'from' | 'to'>, spacing?: PixelSpacing): Length {
  const dx = m.to[0] - m.from[0];
  const dy = m.to[1] - m.from[1];
  if (!spacing) {
    const px = Math.hypot(dx, dy);
    return { value: px, unit: 'px', text: `${Math.round(px)} px` };
  }
  const mm = Math.hypot(dx * spacing.column, dy * spacing.row);
  return { value: mm, unit: 'mm', text: `${mm.toFixed(1)} mm` };
}

/** "2: 23.4 mm": a measurement as its view's list numbers it (index from 0). */
export const numberedLength = (m: Pick<Measurement, 'from' | 'to'>, index: number, spacing?: PixelSpacing): string =>
  `${index + 1}: ${lengthOf(m, spacing).text}`;

/** What the lengths on this image are: said once beside the list, so a number is never read as more than it is. */
export function spacingNote(spacing: PixelSpacing | undefined, format: ImageFormat): string {
  if (!spacing) {
    return format === 'dicom'
      ? "This DICOM file states no pixel spacing, so lengths are in the file's pixels, not millimetres."
      : `A ${FORMAT_NAMES[format]} file carries no pixel spacing, so lengths are in its pixels, not millimetres. Open the DICOM file to measure in mm.`;
  }
  switch (spacing.basis) {
    case 'calibrated':
      return `Millimetres from the file's calibrated Pixel Spacing (${spacing.calibration}).`;
    case 'magnification-corrected':
      return `Millimetres in the patient: the detector's pixel spacing divided by the file's estimated magnification (×${spacing.magnification?.toFixed(2)}).`;
    case 'detector':
      return "Millimetres at the detector (the file's Imager Pixel Spacing): the body is projected larger than it is, so anatomy measures somewhat larger than its true size.";
    case 'unstated':
      return "Millimetres from the file's Pixel Spacing, which does not state how it was calibrated.";
  }
}

/** The measurement a drag makes, or null when it was too short to be one. */
export function measurementOf(id: number, from: [number, number], to: [number, number]): Measurement | null {
  return Math.hypot(to[0] - from[0], to[1] - from[1]) < MIN_LENGTH_PX ? null : { id, from, to };
}

/** The measurements made on one view, as a report's files record them beside the draft. */
export interface ViewMeasurements {
  image: string; // the file's name
  view: string;
  spacing?: PixelSpacing;
  items: readonly Measurement[];
}

/** Which spacing a length came from, in a few words for a report file (spacingNote says it in full on the page). */
export function spacingBasis(spacing: PixelSpacing | undefined): string {
  if (!spacing) return "the file's pixels; no pixel spacing stated";
  switch (spacing.basis) {
    case 'calibrated':
      return `calibrated Pixel Spacing, ${spacing.calibration}`;
    case 'magnification-corrected':
      return `Imager Pixel Spacing ÷ estimated magnification ×${spacing.magnification?.toFixed(2)}`;
    case 'detector':
      return 'Imager Pixel Spacing, at the detector: anatomy reads larger than it is';
    case 'unstated':
      return 'Pixel Spacing, calibration not stated';
  }
}

/** The cardiothoracic ratio of the last two lines: the narrower horizontal width over the wider, as a radiologist
 *  measures the heart's widest width against the chest's inner width. Horizontal widths in the file's pixels: the
 *  ratio needs no spacing. heart and chest: the lines' numbers in the list (from 1). Null under two lines. */
export interface CardiothoracicRatio {
  value: number;
  heart: number;
  chest: number;
}

export function cardiothoracicRatio(items: readonly Pick<Measurement, 'from' | 'to'>[]): CardiothoracicRatio | null {
  if (items.length < 2) return null;
  const [a, b] = [items.length - 2, items.length - 1];
  const width = (m: Pick<Measurement, 'from' | 'to'>): number => Math.abs(m.to[0] - m.from[0]);
  const [wa, wb] = [width(items[a]), width(items[b])];
  if (wa === 0 || wb === 0) return null; // a vertical line has no width to compare
  return wa <= wb ? { value: wa / wb, heart: a + 1, chest: b + 1 } : { value: wb / wa, heart: b + 1, chest: a + 1 };
}

/** "0.48: line 1's horizontal width over line 2's", as the page and the report's .txt both say it. */
export const ratioText = (ratio: CardiothoracicRatio): string => `${ratio.value.toFixed(2)}: line ${ratio.heart}'s horizontal width over line ${ratio.chest}'s`;

/** What the ratio is and how far it goes: the usual 0.5 holds for a PA film; an AP film (DICOM View Position AP)
 *  projects the heart larger. */
export function ratioNote(ratio: CardiothoracicRatio, viewPosition?: string): string {
  const base = `Cardiothoracic ratio ${ratioText(ratio)}, if they span the heart and the chest at their widest.`;
  return viewPosition?.trim().toUpperCase() === 'AP'
    ? `${base} This is an AP film, which projects the heart larger: a ratio over 0.50 does not by itself mean an enlarged heart.`
    : `${base} Over 0.50 on a PA film suggests an enlarged heart.`;
}
