// A plain JPEG 2000 or HTJ2K file, as some PACS and archives export a film without its DICOM: a bare codestream
// (.j2k, .j2c) or a box file (.jp2, .jph) that keeps it in its contiguous-codestream box ('jp2c'). These find the
// codestream and tell High-Throughput (Part 15) from Part 1 by its CAP marker; codecs/index.ts decodes it with the
// decoder DICOM uses for the same syntax.
import { ImageCorruptError } from '../errors';

const SIGNATURE_BOX = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]; // length 12, 'jP  ', CR LF 0x87 LF

/** A bare codestream starts SOC (FF4F) SIZ (FF51). */
export const isJ2kCodestream = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51;

/** A JP2-family box file starts with the JPEG 2000 signature box. */
export const isJp2BoxFile = (b: Uint8Array): boolean => b.length >= 12 && SIGNATURE_BOX.every((v, i) => b[i] === v);

/** The codestream of a bare codestream or of a box file's 'jp2c' box (boxes walked by their lengths, XLBox included). */
export function jpeg2000Codestream(b: Uint8Array): Uint8Array {
  if (isJ2kCodestream(b)) return b;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  while (pos + 8 <= b.length) {
    let length = view.getUint32(pos);
    const type = String.fromCharCode(b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7]);
    let header = 8;
    if (length === 1) {
      if (pos + 16 > b.length) break;
      length = view.getUint32(pos + 8) * 2 ** 32 + view.getUint32(pos + 12);
      header = 16;
    }
    const end = length === 0 ? b.length : pos + length; // 0: the box runs to the end of the file
    if (type === 'jp2c') return b.subarray(pos + header, Math.min(end, b.length));
    if (length !== 0 && length < header) break;
    pos = end;
  }
  throw new ImageCorruptError('JPEG 2000', 'it holds no codestream box (jp2c)');
}

/** Whether the main header has a CAP marker (FF50), which only Part 15 (High-Throughput) codestreams carry here. */
export function isHighThroughput(codestream: Uint8Array): boolean {
  let i = 2; // after SOC
  while (i + 4 <= codestream.length && codestream[i] === 0xff) {
    const marker = codestream[i + 1];
    if (marker === 0x50) return true;
    if (marker === 0x90 || marker === 0x93) return false; // SOT / SOD: the main header is over
    i += 2 + ((codestream[i + 2] << 8) | codestream[i + 3]);
  }
  return false;
}
