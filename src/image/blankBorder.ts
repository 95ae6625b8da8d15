// Blank borders: the flat bands along an image's edges (one grey value, to within a tolerance) and the film left
// inside them. A radiograph padded to a square has them, and so does a film with part of it missing (a half that
// never arrived, a stitched frame with a gap). The engine runs the OOD detector on what is inside as well, so a
// padded but whole chest passes and half a chest is caught; an image that is one value throughout has nothing in it.
import type { Rect } from './preprocess';
import type { GreyImage } from './types';

/** Two 8-bit steps: JPEG keeps flat padding within this, and no radiograph's anatomy is that flat across a line. */
export const BLANK_TOLERANCE = 2 / 255;

export type Edge = 'top' | 'bottom' | 'left' | 'right';

export interface BlankBorder {
  top: number; // rows, from the top edge, that are flat (and flat with each other)
  bottom: number;
  left: number; // columns
  right: number;
  /** Share of the image's area inside the bands (0…1; 1 = the whole image is one value). */
  blankShare: number;
  /** The edges with a band of at least a tenth of the side they cut, widest first (for messages). */
  edges: Edge[];
}

/**
 * How many lines from one edge inward are flat together: the band's values stay within `tolerance` of each other.
 * line(i, out) writes line i's [min, max] into out. Stops at the first line that would widen the range past it.
 */
function flatRun(lines: number, line: (i: number, out: Float64Array) => void, tolerance: number): number {
  const mm = new Float64Array(2);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < lines; i++) {
    line(i, mm);
    const nlo = Math.min(lo, mm[0]);
    const nhi = Math.max(hi, mm[1]);
    if (nhi - nlo > tolerance) return i;
    lo = nlo;
    hi = nhi;
  }
  return lines;
}

/** The image's flat edge bands. Each band is measured on its own from its edge (a padded film has black on two
 *  sides); a single-value image is blank from every edge. Cost: the bands' pixels plus one line each. */
export function blankBorder(img: Pick<GreyImage, 'width' | 'height' | 'data'>, tolerance = BLANK_TOLERANCE): BlankBorder {
  const { width: W, height: H, data } = img;
  const row = (y: number, out: Float64Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let x = 0, o = y * W; x < W; x++) {
      const v = data[o + x];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[0] = lo;
    out[1] = hi;
  };
  const column = (x: number, out: Float64Array) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0, o = x; y < H; y++, o += W) {
      const v = data[o];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[0] = lo;
    out[1] = hi;
  };
  const top = flatRun(H, row, tolerance);
  if (top === H) return { top: H, bottom: H, left: W, right: W, blankShare: 1, edges: ['top', 'bottom', 'left', 'right'] };
  const bottom = flatRun(H, (i, out) => row(H - 1 - i, out), tolerance);
  const left = flatRun(W, column, tolerance);
  const right = flatRun(W, (i, out) => column(W - 1 - i, out), tolerance);
  const innerW = Math.max(0, W - left - right);
  const innerH = Math.max(0, H - top - bottom);
  const blankShare = 1 - (innerW * innerH) / (W * H);
  const edges = wideEdges(bandShares(img, { top, bottom, left, right }));
  return { top, bottom, left, right, blankShare, edges };
}

/** The edges whose band is a tenth or more of the side it cuts, widest first (for messages). */
export function wideEdges(bands: Record<Edge, number>): Edge[] {
  return (Object.entries(bands) as [Edge, number][])
    .filter(([, s]) => s >= 0.1)
    .sort((a, b) => b[1] - a[1])
    .map(([e]) => e);
}

/** Each edge's band as a share of the side it cuts (0…1). */
export function bandShares(img: Pick<GreyImage, 'width' | 'height'>, border: Pick<BlankBorder, Edge>): Record<Edge, number> {
  return { top: border.top / img.height, bottom: border.bottom / img.height, left: border.left / img.width, right: border.right / img.width };
}

const OPPOSITE: Record<Edge, Edge> = { top: 'bottom', bottom: 'top', left: 'right', right: 'left' };

/** The edge blank for at least `least` of its side while the opposite edge is blank for under a third as much: a
 *  film that stops short on one side (padding to a square is even on both); null when there is none. */
export function oneSidedBand(bands: Record<Edge, number>, least = 0.25): { edge: Edge; share: number } | null {
  const [edge, share] = (Object.entries(bands) as [Edge, number][]).reduce((a, b) => (b[1] > a[1] ? b : a));
  return share >= least && bands[OPPOSITE[edge]] < share / 3 ? { edge, share } : null;
}

/** The rectangle inside the blank border (preprocess's crop). */
export function insideBorder(img: Pick<GreyImage, 'width' | 'height'>, border: BlankBorder): Rect {
  const width = img.width - border.left - border.right;
  const height = img.height - border.top - border.bottom;
  if (width < 1 || height < 1) throw new RangeError('the image is blank: nothing is inside its border');
  return { x: border.left, y: border.top, width, height };
}
