// A JPEG's EXIF orientation (APP1 "Exif", IFD0 tag 0x0112, read as readJpegHeader walks the file) and the turn or
// mirror that stands its pixels upright, as image viewers and the browser's own <img> show them. A PACS export rarely
// carries one; a phone photo of a film usually does, and without it the viewer and the model would both see the film
// on its side.
import type { GreyImage } from './types';

const ORIENTATION_TAG = 0x0112;

/** An APP1 segment's payload (after its length) → the orientation 1–8 it holds; null when it is not an EXIF block.
 *  An EXIF block without the tag, or with a malformed one, counts as 1 (as stored). readJpegHeader calls this. */
export function orientationFromApp1(payload: Uint8Array): number | null {
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  if (payload.length < 14 || !exif.every((b, i) => payload[i] === b)) return null;
  return orientationInTiff(payload.subarray(6));
}

/** The orientation entry of a TIFF block's first IFD (a SHORT, count 1), or 1. */
function orientationInTiff(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return 1;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + 12 * i;
    if (at + 12 > tiff.length) return 1;
    if (view.getUint16(at, little) !== ORIENTATION_TAG) continue;
    if (view.getUint16(at + 2, little) !== 3 || view.getUint32(at + 4, little) !== 1) return 1; // SHORT, one value
    const value = view.getUint16(at + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * The image as it should be seen. Orientations 5–8 turn it a quarter, so width and height swap. For output pixel
 * (x, y) of a W×H source, the source pixel is: 2 (W−1−x, y), 3 (W−1−x, H−1−y), 4 (x, H−1−y), 5 (y, x),
 * 6 (y, H−1−x), 7 (W−1−y, H−1−x), 8 (W−1−y, x); as a source index, `start + x·perX + y·perY`.
 */
export function orientUpright(image: GreyImage, orientation: number): GreyImage {
  if (orientation < 2 || orientation > 8) return image;
  const { width: W, height: H } = image;
  const last = (H - 1) * W; // index of the bottom row's first pixel
  const [start, perX, perY] = {
    2: [W - 1, -1, W],
    3: [last + W - 1, -1, -W],
    4: [last, 1, -W],
    5: [0, W, 1],
    6: [last, -W, 1],
    7: [last + W - 1, -W, -1],
    8: [W - 1, W, -1],
  }[orientation]!;
  const outW = orientation >= 5 ? H : W;
  const outH = orientation >= 5 ? W : H;
  const remap = (values: Float32Array): Float32Array => {
    const out = new Float32Array(outW * outH); // [outH*outW]
    for (let y = 0, i = 0; y < outH; y++) for (let x = 0, from = start + y * perY; x < outW; x++, i++, from += perX) out[i] = values[from];
    return out;
  };
  return {
    ...image,
    width: outW,
    height: outH,
    data: remap(image.data),
    ...(image.values ? { values: remap(image.values) } : {}),
    meta: { format: 'jpeg', ...image.meta, exifOrientation: orientation },
  };
}
