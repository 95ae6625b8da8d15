// A full-size JPEG film made from one of the small shared radiographs, for the benches, the parity and EXIF tests and
// the decode fuzz (the shared data has no film larger than 224 px, and full-size JPEGs take another decoder).
import { readFileSync } from 'node:fs';
import { encode as encodeJpeg } from 'jpeg-js';
import { decodeImage } from '../../src/image';

/**
 * A full-size JPEG film (the size of a radiograph as exported, height × 5/6 of it) made from a small one by
 * nearest-neighbour enlargement. `storedTurned`: its pixels stored turned a quarter to the left, as a phone held
 * upright stores them (what EXIF orientation 6 puts back upright), so the file is height wide.
 */
export function enlargedJpeg(source: string, height: number, opts: { storedTurned?: boolean } = {}): Buffer {
  const img = decodeImage(new Uint8Array(readFileSync(source)));
  const width = Math.round((height * 5) / 6);
  const upright = (x: number, y: number) => img.data[Math.floor((y * img.height) / height) * img.width + Math.floor((x * img.width) / width)];
  const [outW, outH] = opts.storedTurned ? [height, width] : [width, height];
  const rgba = Buffer.alloc(outW * outH * 4, 255);
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++) {
      const v = opts.storedTurned ? upright(width - 1 - y, x) : upright(x, y); // stored (x, y) = upright (w−1−y, x)
      rgba.fill(Math.round(v * 255), (y * outW + x) * 4, (y * outW + x) * 4 + 3);
    }
  return encodeJpeg({ data: rgba, width: outW, height: outH }, 92).data;
}
