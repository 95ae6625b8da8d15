// Test JPEGs for the EXIF orientation: a grey film-sized picture with one bright corner block, and the same file
// with an APP1 "Exif" block (a one-entry IFD0 holding the orientation) inserted after its SOI.
import { encode as encodeJpeg } from 'jpeg-js';

/** W×H grey JPEG, dark, with a bright block in its top-left quarter (so every turn and mirror looks different). */
export function cornerJpeg(W: number, H: number): Uint8Array {
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = x < W / 4 && y < H / 4 ? 230 : 40;
      rgba.fill(v, (y * W + x) * 4, (y * W + x) * 4 + 3);
      rgba[(y * W + x) * 4 + 3] = 255;
    }
  return new Uint8Array(encodeJpeg({ width: W, height: H, data: rgba }, 95).data);
}

/** The JPEG with an EXIF block saying `orientation`, its TIFF part little-endian ("II") or big-endian ("MM"). */
export function withExifOrientation(jpeg: Uint8Array, orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new Uint8Array(26);
  const view = new DataView(tiff.buffer);
  tiff.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, 8, littleEndian); // IFD0 right after the header
  view.setUint16(8, 1, littleEndian); // one entry
  view.setUint16(10, 0x0112, littleEndian); // Orientation
  view.setUint16(12, 3, littleEndian); // SHORT
  view.setUint32(14, 1, littleEndian); // one value
  view.setUint16(18, orientation, littleEndian);
  view.setUint32(22, 0, littleEndian); // no next IFD
  const length = 2 + 6 + tiff.length;
  const app1 = new Uint8Array(2 + length);
  app1.set([0xff, 0xe1, length >> 8, length & 0xff, 0x45, 0x78, 0x69, 0x66, 0, 0], 0);
  app1.set(tiff, 10);
  const out = new Uint8Array(jpeg.length + app1.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set(app1, 2);
  out.set(jpeg.subarray(2), 2 + app1.length);
  return out;
}
