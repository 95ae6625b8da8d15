// Format detection from magic bytes (never the file name) and the cheap header reads that give the
// pixel size of a PNG or JPEG before anything is decoded or allocated.
import { ImageCorruptError, ImageFormatError } from './errors';
import { isJ2kCodestream, isJp2BoxFile } from './codecs/jpeg2000File';
import { orientationFromApp1 } from './exifOrientation';
import type { ImageFormat } from './types';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (isJ2kCodestream(bytes) || isJp2BoxFile(bytes)) return 'jpeg2000';
  // DICOM first: a Part 10 file's preamble may itself be a TIFF header (dual-personality files; pydicom's MR_small is one)
  if (hasPart10Preamble(bytes) || rawDicomLayout(bytes)) return 'dicom';
  if (isTiff(bytes)) return 'tiff';
  throw new ImageFormatError(describeUnknown(bytes));
}

/** TIFF: "II" and 42 (or 43, BigTIFF) little endian, or "MM" and 42 (43) big endian. */
export function isTiff(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const little = bytes[0] === 0x49 && bytes[1] === 0x49 && (bytes[2] === 42 || bytes[2] === 43) && bytes[3] === 0;
  const big = bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && (bytes[3] === 42 || bytes[3] === 43);
  return little || big;
}

/** DICOM Part 10: "DICM" after the 128-byte preamble. */
export function hasPart10Preamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/**
 * A DICOM data set written without the Part 10 preamble and "DICM" (older systems, raw exports): little endian, its
 * first element in group 0002 (the file meta group, then always explicit VR) or 0008, and the element after it in
 * the same or a later group. 'meta': the file meta group comes first; else the data set's VR encoding. null: not one.
 */
export function rawDicomLayout(bytes: Uint8Array): 'meta' | 'explicit' | 'implicit' | null {
  if (bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const group = view.getUint16(0, true);
  if (group !== 0x0002 && group !== 0x0008) return null;
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  const explicit = VRS.has(vr);
  if (group === 0x0002 && !explicit) return null;
  const longForm = explicit && ['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV'].includes(vr);
  const length = !explicit ? view.getUint32(4, true) : longForm ? view.getUint32(8, true) : view.getUint16(6, true);
  const next = (explicit ? (longForm ? 12 : 8) : 8) + length;
  if (length === 0xffffffff || next + 4 > bytes.length) return null;
  const nextGroup = view.getUint16(next, true);
  if (nextGroup < group || nextGroup > 0x7fe0) return null;
  return group === 0x0002 ? 'meta' : explicit ? 'explicit' : 'implicit';
}

function describeUnknown(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'The file is empty.';
  const ascii = String.fromCharCode(...bytes.subarray(0, 8));
  if (ascii.startsWith('GIF8')) return 'This is a GIF image, which is not supported.';
  if (ascii.startsWith('BM')) return 'This is a BMP image, which is not supported.';
  if (ascii.startsWith('RIFF')) return 'This is a WebP (or other RIFF) file, which is not supported.';
  if (ascii.startsWith('%PDF')) return 'This is a PDF document, not an image.';
  return 'This file is not a recognised image.';
}

export interface HeaderInfo {
  width: number;
  height: number;
}

/** PNG: width and height from the IHDR chunk, which the format requires to come first. */
export function readPngHeader(bytes: Uint8Array): HeaderInfo & { bitDepth: number; colourType: number } {
  const isIhdr = bytes.length >= 26 && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR';
  if (!isIhdr) throw new ImageCorruptError('PNG', 'its IHDR header is missing or cut short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: bytes[24], colourType: bytes[25] };
}

// SOF markers: C0..CF except C4 (DHT), C8 (JPG extension) and CC (DAC).
// Baseline, extended sequential, progressive (Huffman), lossless (process 14) and JPEG-LS (SOF55).
const SOF_DECODABLE = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xf7]);
const SOF_NAMES: Record<number, string> = {
  0xc5: 'hierarchical',
  0xc6: 'hierarchical progressive',
  0xc7: 'hierarchical lossless',
  0xc9: 'arithmetic-coded',
  0xca: 'arithmetic progressive',
  0xcb: 'arithmetic lossless',
  0xcd: 'hierarchical arithmetic',
  0xce: 'hierarchical arithmetic progressive',
  0xcf: 'hierarchical arithmetic lossless',
};

/** What a JPEG's first frame header says: its SOF marker (the coding process), sample precision and size. */
export interface JpegHeader extends HeaderInfo {
  sof: number; // 0xc0 baseline, 0xc1 extended, 0xc2 progressive, 0xc3 lossless, 0xf7 JPEG-LS
  precision: number; // bits per sample: 8, or 12 (extended), or 2–16 (lossless, JPEG-LS)
  components: number;
  orientation: number; // EXIF orientation, 1–8 (1 without one)
}

/** JPEG: walk the marker segments to the first SOF and read its size, precision and coding process, and the EXIF
 *  orientation on the way. Hierarchical and arithmetic coding are refused here; which decoder reads the rest is the
 *  caller's choice (needsCodec in plainCodestreams.ts). */
export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  let pos = 2;
  let orientation = 1;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) throw new ImageCorruptError('JPEG', `no marker where one was expected at byte ${pos}`);
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos += 1;
      continue;
    } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // EOI / SOS before any frame header
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) {
      if (pos + 10 > bytes.length) break;
      if (!SOF_DECODABLE.has(marker)) {
        throw new ImageFormatError(`This JPEG uses ${SOF_NAMES[marker] ?? 'an unusual'} coding, which Serpent cannot read.`);
      }
      return {
        sof: marker,
        precision: bytes[pos + 4],
        height: (bytes[pos + 5] << 8) | bytes[pos + 6],
        width: (bytes[pos + 7] << 8) | bytes[pos + 8],
        components: bytes[pos + 9],
        orientation,
      };
    }
    if (marker === 0xe1) orientation = orientationFromApp1(bytes.subarray(pos + 4, Math.min(bytes.length, pos + 2 + length))) ?? orientation;
    pos += 2 + length;
  }
  throw new ImageCorruptError('JPEG', 'its frame header (image size) is missing');
}
