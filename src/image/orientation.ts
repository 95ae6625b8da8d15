// Quarter and half turns and the left–right mirror of a row-major pixel array, and the corrections a film handled
// wrongly needs: turned on its side or upside down, with its greys inverted, or saved mirrored. One function turns the engine's S×S tensors and the page's
// full-size images, so what the detector checked is what the page draws and drafts.

/** What to do to an image to set it right: turn it clockwise (right) or anticlockwise (left) a quarter turn, half a
 *  turn, invert its greys, or flip it left to right. */
export type OrientationFix = 'turn_right' | 'turn_left' | 'turn_half' | 'invert' | 'flip';

/** The corrections the OOD detector tries on a view it flags (src/engine/orientationCheck.ts). A mirrored film passes
 *  the detector, so the flip is the mirror check's to offer (src/engine/mirrorCheck.ts). */
export type DetectorFix = Exclude<OrientationFix, 'flip'>;

export const ORIENTATION_FIXES: readonly DetectorFix[] = ['turn_right', 'turn_left', 'turn_half', 'invert'];

/** How the page names each fix, as an action. */
export const FIX_ACTIONS: Record<OrientationFix, string> = {
  turn_right: 'turn it a quarter turn clockwise',
  turn_left: 'turn it a quarter turn anticlockwise',
  turn_half: 'turn it half a turn',
  invert: 'invert its greys',
  flip: 'flip it left to right',
};

/** What the page did, for the image's caption. */
export const FIX_DONE: Record<OrientationFix, string> = {
  turn_right: 'turned a quarter turn clockwise',
  turn_left: 'turned a quarter turn anticlockwise',
  turn_half: 'turned half a turn',
  invert: 'greys inverted',
  flip: 'flipped left to right',
};

type Pixels = Float32Array | Uint16Array;

/**
 * data [height*width] turned: 'turn_right' is clockwise (the top-left pixel goes to the top-right), 'turn_left'
 * anticlockwise; 'flip' mirrors each row. Returns the new array [width*height for a quarter turn] and its width and height.
 */
export function turnPixels<T extends Pixels>(
  data: T,
  width: number,
  height: number,
  turn: Exclude<OrientationFix, 'invert'>,
): { data: T; width: number; height: number } {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  if (turn === 'turn_half') {
    for (let i = 0, n = data.length; i < n; i++) out[n - 1 - i] = data[i];
    return { data: out, width, height };
  }
  if (turn === 'flip') {
    for (let y = 0; y < height; y++) for (let x = 0, row = y * width; x < width; x++) out[row + width - 1 - x] = data[row + x];
    return { data: out, width, height };
  }
  // a quarter turn: the output is height wide and width high
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const to = turn === 'turn_right' ? x * height + (height - 1 - y) : (width - 1 - x) * height + y;
      out[to] = data[y * width + x];
    }
  }
  return { data: out, width: height, height: width };
}
