// DICOM Part 10 → GreyImage, parsed with dicom-parser. Handles uncompressed little-endian (explicit and
// implicit VR) and explicit big-endian, 8/16-bit samples (signed or unsigned), the modality LUT
// (RescaleSlope/Intercept), the file's linear VOI window (min/max of the pixels when absent) and
// MONOCHROME1 inversion. Only the first frame is read. Compressed syntaxes → DicomUnsupportedError.
import * as dicomParserModule from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { DicomUnsupportedError, ImageCorruptError, checkImageSize } from './errors';
import tables from './dicomTables.json' with { type: 'json' };
import type { GreyImage, ViewKind } from './types';

// dicom-parser ships as UMD: Node's ESM loader exposes it only as `default`, bundlers also as named exports.
type DicomParserApi = typeof dicomParserModule & {
  readPart10Header: (bytes: Uint8Array, options?: { untilTag?: string }) => DataSet;
};
const dicomParser: DicomParserApi =
  ((dicomParserModule as unknown as { default?: DicomParserApi }).default ?? dicomParserModule) as DicomParserApi;

const TAG = {
  transferSyntax: 'x00020010',
  modality: 'x00080060',
  bodyPart: 'x00180015',
  viewPosition: 'x00185101',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  frames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  pixelData: 'x7fe00010',
} as const;

const UNCOMPRESSED: Record<string, string> = tables.uncompressed;
const COMPRESSED_NAMES: Record<string, string> = tables.compressedNames;
const BIG_ENDIAN = '1.2.840.10008.1.2.2';

export function viewFromPosition(viewPosition: string | undefined): ViewKind {
  const key = (viewPosition ?? '').trim().toUpperCase();
  if (tables.viewPositions.frontal.includes(key)) return 'frontal';
  if (tables.viewPositions.lateral.includes(key)) return 'lateral';
  return 'unknown';
}

function describeError(err: unknown): string {
  const inner = (err as { exception?: unknown })?.exception ?? err;
  const message = inner instanceof Error ? inner.message : String(inner);
  return /overrun|beyond|outside the bounds/i.test(message) ? 'the file ends early (truncated)' : message;
}

function parse(bytes: Uint8Array): { dataSet: DataSet; transferSyntax: string } {
  let transferSyntax: string;
  try {
    const metaHeader = dicomParser.readPart10Header(bytes);
    transferSyntax = (metaHeader.string(TAG.transferSyntax) ?? '').trim();
  } catch (err) {
    throw new ImageCorruptError('DICOM', `its file meta header cannot be read: ${describeError(err)}`);
  }
  if (!transferSyntax) throw new ImageCorruptError('DICOM', 'its file meta header names no transfer syntax (0002,0010)');
  if (!(transferSyntax in UNCOMPRESSED)) {
    const name = COMPRESSED_NAMES[transferSyntax] ?? 'an unsupported';
    throw new DicomUnsupportedError(`This DICOM file uses ${name} transfer syntax (${transferSyntax}); only uncompressed DICOM can be read here.`);
  }
  try {
    return { dataSet: dicomParser.parseDicom(bytes), transferSyntax };
  } catch (err) {
    throw new ImageCorruptError('DICOM', describeError(err));
  }
}

function requireNumber(dataSet: DataSet, tag: string, what: string): number {
  const value = dataSet.uint16(tag);
  if (value === undefined) throw new ImageCorruptError('DICOM', `the ${what} tag is missing`);
  return value;
}

export function decodeDicom(bytes: Uint8Array, limits: { minSide: number; maxPixels: number; keepValues?: boolean }): GreyImage {
  const { dataSet, transferSyntax } = parse(bytes);
  const rows = requireNumber(dataSet, TAG.rows, 'Rows (0028,0010)');
  const columns = requireNumber(dataSet, TAG.columns, 'Columns (0028,0011)');
  checkImageSize(columns, rows, limits.minSide, limits.maxPixels);

  const samplesPerPixel = dataSet.uint16(TAG.samplesPerPixel) ?? 1;
  const photometric = (dataSet.string(TAG.photometric) ?? 'MONOCHROME2').trim().toUpperCase();
  if (samplesPerPixel !== 1 || (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2')) {
    throw new DicomUnsupportedError(`This DICOM image is ${photometric} with ${samplesPerPixel} samples per pixel; only greyscale (MONOCHROME1/2) radiographs are supported.`);
  }
  const bitsAllocated = requireNumber(dataSet, TAG.bitsAllocated, 'BitsAllocated (0028,0100)');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new DicomUnsupportedError(`This DICOM image stores ${bitsAllocated} bits per sample; only 8 and 16 are supported.`);
  }
  const bitsStored = Math.min(dataSet.uint16(TAG.bitsStored) ?? bitsAllocated, bitsAllocated);
  const highBit = dataSet.uint16(TAG.highBit) ?? bitsStored - 1;
  const signed = (dataSet.uint16(TAG.pixelRepresentation) ?? 0) === 1;

  const pixelElement = dataSet.elements[TAG.pixelData];
  if (!pixelElement) throw new ImageCorruptError('DICOM', 'it has no pixel data (7FE0,0010)');
  if (pixelElement.encapsulatedPixelData) {
    throw new DicomUnsupportedError('This DICOM file holds compressed (encapsulated) pixel data.');
  }
  const pixelCount = rows * columns;
  const frameBytes = pixelCount * (bitsAllocated / 8);
  const available = Math.min(pixelElement.length, bytes.length - pixelElement.dataOffset);
  if (available < frameBytes) {
    throw new ImageCorruptError('DICOM', `its pixel data holds ${Math.max(available, 0)} bytes but ${rows}×${columns} pixels need ${frameBytes}`);
  }

  // values: [rows*columns] modality values (stored value × slope + intercept)
  const slope = dataSet.floatString(TAG.rescaleSlope) ?? 1;
  const intercept = dataSet.floatString(TAG.rescaleIntercept) ?? 0;
  const values = readSamples(bytes, pixelElement.dataOffset, pixelCount, {
    bitsAllocated, bitsStored, highBit, signed, littleEndian: transferSyntax !== BIG_ENDIAN,
  });
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixelCount; i++) {
    const v = values[i] * slope + intercept;
    values[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }

  const fileCenter = dataSet.floatString(TAG.windowCenter, 0);
  const fileWidth = dataSet.floatString(TAG.windowWidth, 0);
  const fromFile = fileCenter !== undefined && fileWidth !== undefined && Number.isFinite(fileCenter) && fileWidth >= 1;
  // Without a window, centre/width are chosen so the DICOM linear formula maps min → 0 and max → 1.
  const center = fromFile ? fileCenter : (min + max + 1) / 2;
  const width = fromFile ? fileWidth : max - min + 1;
  const kept = limits.keepValues ? { values: values.slice() } : {}; // before applyWindow overwrites them
  const data = applyWindow(values, center, width, photometric === 'MONOCHROME1');

  const viewPosition = dataSet.string(TAG.viewPosition)?.trim() || undefined;
  return {
    width: columns,
    height: rows,
    data,
    bitsStored,
    isColour: false,
    ...kept,
    meta: {
      format: 'dicom',
      colourFraction: 0,
      viewPosition,
      view: viewFromPosition(viewPosition),
      bodyPart: dataSet.string(TAG.bodyPart)?.trim() || undefined,
      modality: dataSet.string(TAG.modality)?.trim() || undefined,
      photometric,
      window: { center, width, fromFile },
      transferSyntax,
      frames: dataSet.intString(TAG.frames) ?? 1,
    },
  };
}

interface SampleLayout { bitsAllocated: number; bitsStored: number; highBit: number; signed: boolean; littleEndian: boolean }

/** Reads the first frame's stored values, keeping bits [highBit−bitsStored+1, highBit] and sign-extending. */
function readSamples(bytes: Uint8Array, offset: number, count: number, layout: SampleLayout): Float32Array {
  const { bitsAllocated, bitsStored, highBit, signed, littleEndian } = layout;
  const shift = Math.max(highBit + 1 - bitsStored, 0);
  const mask = bitsStored >= 32 ? 0xffffffff : (1 << bitsStored) - 1;
  const signBit = 1 << (bitsStored - 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * (bitsAllocated / 8));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const raw = bitsAllocated === 8 ? view.getUint8(i) : view.getUint16(i * 2, littleEndian);
    let v = (raw >>> shift) & mask;
    if (signed && (v & signBit) !== 0) v -= mask + 1;
    out[i] = v;
  }
  return out;
}

/**
 * DICOM PS3.3 C.11.2.1.2 linear VOI window: x ≤ c−½−(w−1)/2 → 0, x > c−½+(w−1)/2 → 1,
 * else ((x − (c−½))/(w−1) + ½). MONOCHROME1 (white = low values) is inverted afterwards.
 * values: [n] modality values → [n] in [0,1], written in place.
 */
export function applyWindow(values: Float32Array, center: number, width: number, invert: boolean): Float32Array {
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  const span = Math.max(width - 1, 1e-6);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    let y: number;
    if (x <= low) y = 0;
    else if (x > high) y = 1;
    else y = (x - (center - 0.5)) / span + 0.5;
    values[i] = invert ? 1 - y : y;
  }
  return values;
}
