// Reads a codestream's own size and precision before any decoder allocates: the JPEG / JPEG-LS SOF marker
// or the JPEG 2000 / HTJ2K SIZ marker. A codestream that disagrees with the DICOM header is refused here.
import { ImageCorruptError } from '../errors';

export interface StreamHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
  sof?: number; // JPEG frame marker (0xC0 baseline, 0xC1 extended, 0xC3 lossless, 0xF7 JPEG-LS …)
  signed?: boolean; // JPEG 2000: the first component's samples are signed (Ssiz bit 7)
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf, 0xf7]);

function jpegHeader(b: Uint8Array): StreamHeader | null {
  let i = 2; // after SOI
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    if (SOF_MARKERS.has(marker)) {
      if (i + 10 > b.length) return null;
      return { sof: marker, precision: b[i + 4], height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8], components: b[i + 9] };
    }
    if (length < 2) return null;
    i += 2 + length;
  }
  return null;
}

/** A JPEG 2000 / HTJ2K codestream's SIZ (a JP2 file's, found in its jp2c box); null when there is none. */
export function j2kHeader(b: Uint8Array): StreamHeader | null {
  // SOC (FF4F) then SIZ (FF51): Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, Csiz, then Ssiz per component.
  let start = 0;
  if (b.length > 12 && b[4] === 0x6a && b[5] === 0x50) {
    // a JP2 file: find the contiguous codestream box (jp2c)
    const at = findBytes(b, [0x6a, 0x70, 0x32, 0x63]);
    if (at < 0) return null;
    start = at + 4;
  }
  if (b[start] !== 0xff || b[start + 1] !== 0x4f || b[start + 2] !== 0xff || b[start + 3] !== 0x51 || b.length < start + 43) return null;
  const v = new DataView(b.buffer, b.byteOffset + start + 4);
  const width = v.getUint32(4) - v.getUint32(12);
  const height = v.getUint32(8) - v.getUint32(16);
  const components = v.getUint16(36);
  const precision = (v.getUint8(38) & 0x7f) + 1;
  if (b.length < start + 4 + 38 + 3 * components) return null;
  // DICOM allows no subsampled components, and a decoder given odd factors can spin for minutes (found by fuzzing).
  for (let c = 0; c < components; c++) {
    const [xr, yr] = [v.getUint8(39 + 3 * c), v.getUint8(40 + 3 * c)];
    if (xr !== 1 || yr !== 1) throw new ImageCorruptError('DICOM', `its JPEG 2000 component ${c + 1} is subsampled ${xr}×${yr}, which DICOM does not allow`);
  }
  if (v.getUint32(20) === 0 || v.getUint32(24) === 0) return null; // tile size
  return { width, height, components, precision, signed: (v.getUint8(38) & 0x80) !== 0 };
}

function findBytes(b: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= Math.min(b.length, 4096); i++) {
    for (let j = 0; j < needle.length; j++) if (b[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The codestream's header, checked against the DICOM image size. */
export function readStreamHeader(kind: 'jpeg' | 'j2k', frame: Uint8Array, rows: number, columns: number): StreamHeader {
  const isJpeg = frame.length > 2 && frame[0] === 0xff && frame[1] === 0xd8;
  const header = kind === 'jpeg' ? (isJpeg ? jpegHeader(frame) : null) : j2kHeader(frame);
  if (!header) throw new ImageCorruptError('DICOM', `its ${kind === 'jpeg' ? 'JPEG' : 'JPEG 2000'} codestream has no readable frame header`);
  if (header.width !== columns || header.height !== rows) {
    throw new ImageCorruptError('DICOM', `its codestream is ${header.width}×${header.height} but the DICOM header says ${columns}×${rows}`);
  }
  return header;
}
