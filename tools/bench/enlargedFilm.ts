// A full-size JPEG film made from one of the small shared radiographs, for the benches, the parity test and the
// decode fuzz (the shared data has no film larger than 224 px, and full-size JPEGs take another decoder).
import { readFileSync } from 'node:fs';
import { encode as encodeJpeg } from 'jpeg-js';
import { decodeImage } from '../../src/image';

/** A full-size JPEG film (the size of a radiograph as exported) made from a small one by nearest-neighbour enlargement. */
export function enlargedJpeg(source: string, height: number): Buffer {
  const img = decodeImage(new Uint8Array(readFileSync(source)));
  const width = Math.round((height * 5) / 6);
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = Math.round(img.data[Math.floor((y * img.height) / height) * img.width + Math.floor((x * img.width) / width)] * 255);
      rgba.fill(v, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }
  return encodeJpeg({ data: rgba, width, height }, 92).data;
}
