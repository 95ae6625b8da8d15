// DICOM decoding through decodeImage, on files written by a minimal Part 10 writer below
// (explicit/implicit VR little endian, explicit big endian, 8/16-bit, windows, rescale, frames).
import { describe, expect, it } from 'vitest';
import { DicomUnsupportedError, ImageCorruptError, ImageSizeError, decodeImage, preprocess } from './index';

const TS = {
  explicitLE: '1.2.840.10008.1.2.1',
  implicitLE: '1.2.840.10008.1.2',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  rle: '1.2.840.10008.1.2.5',
};

type Value = string | number[] | Uint8Array | Uint16Array | Int16Array;
interface DicomElement {
  tag: number;
  vr: string;
  value: Value;
}

const LONG_LENGTH_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

class ByteWriter {
  private bytes: number[] = [];
  constructor(private littleEndian: boolean) {}
  u8(...values: number[]): void {
    this.bytes.push(...values);
  }
  u16(v: number): void {
    this.u8(...(this.littleEndian ? [v & 255, (v >> 8) & 255] : [(v >> 8) & 255, v & 255]));
  }
  u32(v: number): void {
    const b = [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
    this.u8(...(this.littleEndian ? b : b.reverse()));
  }
  get length(): number {
    return this.bytes.length;
  }
  toArray(): number[] {
    return this.bytes;
  }
}

/** Element value → bytes in the given byte order, padded to even length (UI with NUL, strings with space). */
function encodeValue(el: DicomElement, littleEndian: boolean): number[] {
  const w = new ByteWriter(littleEndian);
  const { value, vr } = el;
  if (typeof value === 'string') {
    w.u8(...new TextEncoder().encode(value));
    if (w.length % 2) w.u8(vr === 'UI' ? 0 : 0x20);
  } else if (value instanceof Uint8Array) {
    w.u8(...value);
    if (w.length % 2) w.u8(0);
  } else if (value instanceof Uint16Array || value instanceof Int16Array) {
    for (const v of value) w.u16(v & 0xffff);
  } else if (vr === 'UL') {
    for (const v of value) w.u32(v);
  } else {
    for (const v of value) w.u16(v); // US
  }
  return w.toArray();
}

function writeElement(w: ByteWriter, el: DicomElement, explicit: boolean, littleEndian: boolean): void {
  const body = encodeValue(el, littleEndian);
  w.u16(el.tag >>> 16);
  w.u16(el.tag & 0xffff);
  if (!explicit) w.u32(body.length);
  else if (LONG_LENGTH_VRS.has(el.vr)) {
    w.u8(...new TextEncoder().encode(el.vr), 0, 0);
    w.u32(body.length);
  } else {
    w.u8(...new TextEncoder().encode(el.vr));
    w.u16(body.length);
  }
  w.u8(...body);
}

/** A Part 10 file: preamble, DICM, explicit-LE meta group, then the data set in the given syntax. */
function writeDicom(elements: DicomElement[], transferSyntax = TS.explicitLE): Uint8Array {
  const meta = new ByteWriter(true);
  const metaElements: DicomElement[] = [
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.1.1' },
    { tag: 0x00020003, vr: 'UI', value: '1.2.3.4.5.6.7' },
    { tag: 0x00020010, vr: 'UI', value: transferSyntax },
  ];
  for (const el of metaElements) writeElement(meta, el, true, true);
  const head = new ByteWriter(true);
  writeElement(head, { tag: 0x00020000, vr: 'UL', value: [meta.length] }, true, true);

  const littleEndian = transferSyntax !== TS.explicitBE;
  const explicit = transferSyntax !== TS.implicitLE;
  const body = new ByteWriter(littleEndian);
  for (const el of [...elements].sort((a, b) => a.tag - b.tag)) writeElement(body, el, explicit, littleEndian);
  return Uint8Array.from([...new Array(128).fill(0), 0x44, 0x49, 0x43, 0x4d, ...head.toArray(), ...meta.toArray(), ...body.toArray()]);
}

interface ImageSpec {
  rows: number;
  columns: number;
  bitsAllocated: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  photometric?: string;
  pixels: Uint8Array | Uint16Array | Int16Array;
  extra?: DicomElement[];
}

function imageElements(spec: ImageSpec): DicomElement[] {
  return [
    { tag: 0x00080060, vr: 'CS', value: 'DX' },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, vr: 'CS', value: spec.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: [spec.rows] },
    { tag: 0x00280011, vr: 'US', value: [spec.columns] },
    { tag: 0x00280100, vr: 'US', value: [spec.bitsAllocated] },
    { tag: 0x00280101, vr: 'US', value: [spec.bitsStored ?? spec.bitsAllocated] },
    { tag: 0x00280102, vr: 'US', value: [(spec.bitsStored ?? spec.bitsAllocated) - 1] },
    { tag: 0x00280103, vr: 'US', value: [spec.signed ? 1 : 0] },
    { tag: 0x7fe00010, vr: spec.bitsAllocated === 16 ? 'OW' : 'OB', value: spec.pixels },
    ...(spec.extra ?? []),
  ];
}

const ROWS = 40;
const COLS = 48;
const N = ROWS * COLS;
const ds = (tag: number, value: string): DicomElement => ({ tag, vr: 'DS', value });
const cs = (tag: number, value: string): DicomElement => ({ tag, vr: 'CS', value });
const WINDOW_CENTER = 0x00281050;
const WINDOW_WIDTH = 0x00281051;

/** DICOM linear window (PS3.3 C.11.2.1.2), written out independently of the implementation. */
function linearWindow(x: number, c: number, w: number): number {
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return 1;
  return (x - (c - 0.5)) / (w - 1) + 0.5;
}

const pixels12 = Uint16Array.from({ length: N }, (_, i) => (i * 97) % 4096);

describe('decodeImage: DICOM', () => {
  it('16-bit MONOCHROME1 with a file window: windowed, then inverted', () => {
    const file = writeDicom(
      imageElements({
        rows: ROWS,
        columns: COLS,
        bitsAllocated: 16,
        bitsStored: 12,
        photometric: 'MONOCHROME1',
        pixels: pixels12,
        extra: [ds(WINDOW_CENTER, '1500'), ds(WINDOW_WIDTH, '2000'), cs(0x00185101, 'PA'), cs(0x00180015, 'CHEST')],
      }),
    );
    const img = decodeImage(file);
    expect([img.width, img.height, img.bitsStored, img.isColour]).toEqual([COLS, ROWS, 12, false]);
    expect(img.meta).toMatchObject({
      format: 'dicom',
      photometric: 'MONOCHROME1',
      view: 'frontal',
      viewPosition: 'PA',
      bodyPart: 'CHEST',
      modality: 'DX',
      window: { center: 1500, width: 2000, fromFile: true },
    });
    for (let i = 0; i < N; i++) expect(img.data[i]).toBeCloseTo(1 - linearWindow(pixels12[i], 1500, 2000), 5);
    // the inversion is real: the lowest stored value is the brightest pixel
    expect(img.data[0]).toBe(1);
  });

  it('8-bit MONOCHROME2 with a narrow window clips both ends', () => {
    const pixels = Uint8Array.from({ length: N }, (_, i) => i % 256);
    const img = decodeImage(
      writeDicom(
        imageElements({
          rows: ROWS,
          columns: COLS,
          bitsAllocated: 8,
          pixels,
          extra: [ds(WINDOW_CENTER, '100'), ds(WINDOW_WIDTH, '50'), cs(0x00185101, 'LL')],
        }),
      ),
    );
    expect([img.bitsStored, img.meta?.view]).toEqual([8, 'lateral']);
    for (let i = 0; i < N; i++) expect(img.data[i]).toBeCloseTo(linearWindow(pixels[i], 100, 50), 5);
    expect(img.data[50]).toBe(0);
    expect(img.data[200]).toBe(1);
  });

  it('applies RescaleSlope/Intercept to signed values before the window', () => {
    const stored = Int16Array.from({ length: N }, (_, i) => (i % 400) - 200); // −200 … 199
    const img = decodeImage(
      writeDicom(
        imageElements({
          rows: ROWS,
          columns: COLS,
          bitsAllocated: 16,
          signed: true,
          pixels: stored,
          extra: [ds(0x00281053, '4'), ds(0x00281052, '-100'), ds(WINDOW_CENTER, '-300'), ds(WINDOW_WIDTH, '1201')],
        }),
      ),
    );
    for (let i = 0; i < N; i++) expect(img.data[i]).toBeCloseTo(linearWindow(stored[i] * 4 - 100, -300, 1201), 5);
  });

  it('keepValues returns the modality values before the window and before MONOCHROME1 inversion', () => {
    const stored = Int16Array.from({ length: N }, (_, i) => (i % 400) - 200);
    const file = writeDicom(
      imageElements({
        rows: ROWS,
        columns: COLS,
        bitsAllocated: 16,
        signed: true,
        photometric: 'MONOCHROME1',
        pixels: stored,
        extra: [ds(0x00281053, '4'), ds(0x00281052, '-100'), ds(WINDOW_CENTER, '-300'), ds(WINDOW_WIDTH, '1201')],
      }),
    );
    const img = decodeImage(file, { keepValues: true });
    expect(Array.from(img.values!)).toEqual(Array.from(stored, (v) => v * 4 - 100));
    expect(Array.from(img.data)).toEqual(Array.from(decodeImage(file).data)); // the model's pixels are unchanged
  });

  it('uses the first value of a multi-valued window', () => {
    const img = decodeImage(
      writeDicom(
        imageElements({
          rows: ROWS,
          columns: COLS,
          bitsAllocated: 16,
          bitsStored: 12,
          pixels: pixels12,
          extra: [ds(WINDOW_CENTER, '2048\\600'), ds(WINDOW_WIDTH, '4096\\1200')],
        }),
      ),
    );
    expect(img.meta?.window).toEqual({ center: 2048, width: 4096, fromFile: true });
  });

  it('without a window, maps the pixel min → 0 and max → 1 linearly', () => {
    const pixels = Uint16Array.from({ length: N }, (_, i) => 1000 + (i % 301) * 10); // 1000 … 4000
    const img = decodeImage(writeDicom(imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 16, pixels })));
    expect(img.meta?.window?.fromFile).toBe(false);
    for (let i = 0; i < N; i++) expect(img.data[i]).toBeCloseTo((pixels[i] - 1000) / 3000, 5);
  });

  it('keeps only BitsStored bits (overlay bits above HighBit are ignored)', () => {
    const withOverlay = pixels12.map((v, i) => v | (i % 2 ? 0xf000 : 0));
    const clean = decodeImage(writeDicom(imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 16, bitsStored: 12, pixels: pixels12 })));
    const dirty = decodeImage(writeDicom(imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 16, bitsStored: 12, pixels: withOverlay })));
    expect(Array.from(dirty.data)).toEqual(Array.from(clean.data));
  });

  it('reads implicit VR little endian and explicit big endian the same as explicit little endian', () => {
    const elements = imageElements({
      rows: ROWS,
      columns: COLS,
      bitsAllocated: 16,
      bitsStored: 12,
      pixels: pixels12,
      extra: [ds(WINDOW_CENTER, '2000'), ds(WINDOW_WIDTH, '3000')],
    });
    const reference = Array.from(decodeImage(writeDicom(elements, TS.explicitLE)).data);
    expect(Array.from(decodeImage(writeDicom(elements, TS.implicitLE)).data)).toEqual(reference);
    expect(Array.from(decodeImage(writeDicom(elements, TS.explicitBE)).data)).toEqual(reference);
  });

  it('reads the first frame of a multi-frame file', () => {
    const frame0 = Uint16Array.from({ length: N }, (_, i) => i % 1000);
    const both = new Uint16Array(2 * N);
    both.set(frame0);
    both.fill(4000, N);
    const img = decodeImage(
      writeDicom(
        imageElements({
          rows: ROWS,
          columns: COLS,
          bitsAllocated: 16,
          pixels: both,
          extra: [{ tag: 0x00280008, vr: 'IS', value: '2' }],
        }),
      ),
    );
    expect(img.meta?.frames).toBe(2);
    for (let i = 0; i < N; i++) expect(img.data[i]).toBeCloseTo(frame0[i] / 999, 5);
  });

  it('rejects an unknown transfer syntax with how to convert, and a compressed one holding native pixels as damaged', () => {
    const elements = imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 8, pixels: new Uint8Array(N) });
    const err = (() => {
      try {
        decodeImage(writeDicom(elements, '1.2.840.10008.1.2.4.100'));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(DicomUnsupportedError);
    expect(err?.message).toMatch(/gdcmconv --raw/);
    expect(() => decodeImage(writeDicom(elements, TS.rle))).toThrow(/needs encapsulated pixel data/);
  });

  it('rejects a colour photometric with one sample per pixel, and odd bit depths', () => {
    const rgb = imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 8, photometric: 'RGB', pixels: new Uint8Array(3 * N) });
    expect(() => decodeImage(writeDicom(rgb))).toThrow(/RGB with 1 samples per pixel/);
    const bits32 = imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 16, pixels: new Uint16Array(2 * N) }).map((el) =>
      el.tag === 0x00280100 ? { ...el, value: [32] } : el,
    );
    expect(() => decodeImage(writeDicom(bits32))).toThrow(DicomUnsupportedError);
  });

  it('reports truncated pixel data as damaged', () => {
    const file = writeDicom(imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 16, pixels: pixels12 }));
    expect(() => decodeImage(file.subarray(0, file.length - 100))).toThrow(/truncated/);
    expect(() => decodeImage(file.subarray(0, 140))).toThrow(ImageCorruptError);
  });

  it('rejects 20000×20000 from Rows/Columns before reading pixels', () => {
    const file = writeDicom(imageElements({ rows: 20000, columns: 20000, bitsAllocated: 16, pixels: new Uint16Array(8) }));
    expect(() => decodeImage(file)).toThrow(ImageSizeError);
  });

  it('feeds preprocess like any other image', () => {
    const img = decodeImage(writeDicom(imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 16, pixels: pixels12 })));
    const p = preprocess(img, { size: 32, mean: 0.5, std: 0.25 });
    expect([p.resizedWidth, p.resizedHeight, p.offsetY]).toEqual([32, 27, 2]);
  });
});

describe('decodeImage: DICOM pixel spacing', () => {
  const spacingOf = (...extra: DicomElement[]) =>
    decodeImage(writeDicom(imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 8, pixels: new Uint8Array(N), extra }))).meta?.pixelSpacing;
  const IMAGER = 0x00181164;
  const PIXEL = 0x00280030;
  const MAGNIFICATION = 0x00181114;
  const CALIBRATION = 0x00280a02;

  it('reads the imager spacing as at the detector, and divides out the magnification when the file states it', () => {
    expect(spacingOf(ds(IMAGER, '0.15\\0.2'))).toEqual({ row: 0.15, column: 0.2, basis: 'detector' });
    const corrected = spacingOf(ds(IMAGER, '0.15\\0.2'), ds(MAGNIFICATION, '1.25'));
    expect(corrected).toMatchObject({ basis: 'magnification-corrected', magnification: 1.25 });
    expect(corrected?.row).toBeCloseTo(0.12, 12);
    expect(corrected?.column).toBeCloseTo(0.16, 12);
  });

  it('prefers a calibrated pixel spacing, and marks one whose calibration is not stated', () => {
    expect(spacingOf(ds(PIXEL, '0.1\\0.1'), cs(CALIBRATION, 'FIDUCIAL'), ds(IMAGER, '0.15\\0.15'))).toEqual({
      row: 0.1,
      column: 0.1,
      basis: 'calibrated',
      calibration: 'FIDUCIAL',
    });
    // without a calibration type, an imager spacing with its magnification is the better-founded of the two
    expect(spacingOf(ds(PIXEL, '0.1\\0.1'), ds(IMAGER, '0.15\\0.15'), ds(MAGNIFICATION, '1.5'))?.basis).toBe('magnification-corrected');
    expect(spacingOf(ds(PIXEL, '0.1\\0.1'), ds(IMAGER, '0.15\\0.15'))).toEqual({ row: 0.1, column: 0.1, basis: 'unstated' });
  });

  it('states no spacing when the file gives none, or one that is not two positive numbers', () => {
    expect(spacingOf()).toBeUndefined();
    expect(spacingOf(ds(IMAGER, '0.15'))).toBeUndefined();
    expect(spacingOf(ds(IMAGER, '0\\0.15'))).toBeUndefined();
    expect(spacingOf(ds(IMAGER, 'abc\\0.15'))).toBeUndefined();
    expect(spacingOf(ds(IMAGER, '0.15\\0.15'), ds(MAGNIFICATION, '0.5'))?.basis).toBe('detector'); // a factor < 1 is not a magnification
  });
});

describe('decodeImage: DICOM patient and study', () => {
  const metaOf = (...extra: DicomElement[]) =>
    decodeImage(writeDicom(imageElements({ rows: ROWS, columns: COLS, bitsAllocated: 8, pixels: new Uint8Array(N), extra }))).meta;

  it('reads PatientID, StudyInstanceUID (its NUL padding dropped) and StudyDate, and nothing when neither is named', () => {
    const meta = metaOf(
      { tag: 0x00100020, vr: 'LO', value: 'P-0001' },
      { tag: 0x0020000d, vr: 'UI', value: '1.2.826.0.1.1' },
      { tag: 0x00080020, vr: 'DA', value: '20190301' },
    );
    expect(meta?.study).toEqual({ patientId: 'P-0001', studyUid: '1.2.826.0.1.1', studyDate: '20190301' });
    expect(metaOf({ tag: 0x00080020, vr: 'DA', value: '20190301' })?.study).toBeUndefined();
    expect(metaOf({ tag: 0x00100020, vr: 'LO', value: '   ' })?.study).toBeUndefined();
  });
});
