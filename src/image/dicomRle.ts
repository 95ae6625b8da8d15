// DICOM RLE lossless (PS3.5 Annex G): a 64-byte header with up to 15 segment offsets, one PackBits
// segment per byte plane (most significant byte first) of each sample. → interleaved samples.
import { ImageCorruptError } from './errors';

/** frame: the encapsulated frame → [rows*columns*samplesPerPixel] interleaved samples (8 or 16 bit). */
export function decodeRle(frame: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array | Uint16Array {
  const bytesPerSample = bitsAllocated / 8;
  const planes = samplesPerPixel * bytesPerSample;
  if (frame.length < 64) throw new ImageCorruptError('DICOM', 'its RLE frame is shorter than the 64-byte RLE header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
  const segments = view.getUint32(0, true);
  if (segments !== planes) {
    throw new ImageCorruptError('DICOM', `its RLE frame has ${segments} segments but ${samplesPerPixel} samples of ${bitsAllocated} bits need ${planes}`);
  }
  const n = rows * columns;
  const out = bytesPerSample === 1 ? new Uint8Array(n * samplesPerPixel) : new Uint16Array(n * samplesPerPixel);
  const plane = new Uint8Array(n);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > frame.length || end < start || end > frame.length) {
      throw new ImageCorruptError('DICOM', `its RLE segment ${s + 1} lies outside the frame`);
    }
    unpackBits(frame.subarray(start, end), plane);
    const sample = Math.floor(s / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample)); // MSB plane first
    for (let i = 0; i < n; i++) out[i * samplesPerPixel + sample] |= plane[i] << shift;
  }
  return out;
}

/** PackBits into out (fully overwritten; a short segment is an error, extra bytes are ignored). */
function unpackBits(src: Uint8Array, out: Uint8Array): void {
  let i = 0;
  let o = 0;
  while (o < out.length && i < src.length) {
    const header = (src[i++] << 24) >> 24; // as int8
    if (header >= 0) {
      const count = header + 1;
      if (i + count > src.length) break;
      out.set(src.subarray(i, i + Math.min(count, out.length - o)), o);
      o += count;
      i += count;
    } else if (header !== -128) {
      const count = 1 - header;
      if (i >= src.length) break;
      out.fill(src[i++], o, Math.min(o + count, out.length));
      o += count;
    }
  }
  if (o < out.length) throw new ImageCorruptError('DICOM', `an RLE segment ends after ${o} of ${out.length} bytes`);
}
