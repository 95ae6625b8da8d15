// DICOM Part 10 bytes (or a data set written without the Part 10 preamble) → dicom-parser DataSet and the header
// fields decoding needs. Deflated datasets are inflated here (fflate); every transfer syntax Serpent can decode is
// listed in dicomTables.json.
import * as dicomParserModule from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { inflateSync } from 'fflate';
import { DicomUnsupportedError, ImageCorruptError, ImageFormatError } from './errors';
import { hasPart10Preamble, rawDicomLayout } from './sniff';
import tables from './dicomTables.json' with { type: 'json' };

// dicom-parser ships as UMD: Node's ESM loader exposes it only as `default`, bundlers also as named exports.
type DicomParserApi = typeof dicomParserModule & {
  readPart10Header: (bytes: Uint8Array, options?: { untilTag?: string }) => DataSet;
};
export const dicomParser: DicomParserApi = ((dicomParserModule as unknown as { default?: DicomParserApi }).default ?? dicomParserModule) as DicomParserApi;

export const TAG = {
  transferSyntax: 'x00020010',
  modality: 'x00080060',
  bodyPart: 'x00180015',
  viewPosition: 'x00185101',
  patientId: 'x00100020',
  studyUid: 'x0020000d',
  studyDate: 'x00080020',
  magnification: 'x00181114', // Estimated Radiographic Magnification Factor
  imagerPixelSpacing: 'x00181164',
  pixelSpacing: 'x00280030',
  pixelSpacingCalibration: 'x00280a02',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
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
  voiLutFunction: 'x00281056',
  voiLutSequence: 'x00283010',
  lutDescriptor: 'x00283002',
  lutData: 'x00283006',
  pixelData: 'x7fe00010',
} as const;

export type CodecKind = 'native' | 'rle' | 'jpeg' | 'jpeg-lossless' | 'jpeg-ls' | 'j2k' | 'htj2k';

export interface SyntaxInfo {
  name: string;
  codec: CodecKind;
  bigEndian?: boolean;
  deflated?: boolean;
}

export const SYNTAXES: Record<string, SyntaxInfo> = tables.syntaxes as Record<string, SyntaxInfo>;

/** What decoding needs from the header; validated, with defaults where DICOM gives them. */
export interface DicomHeader {
  transferSyntax: string;
  syntax: SyntaxInfo;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: string;
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  frames: number;
}

export function describeError(err: unknown): string {
  const inner = (err as { exception?: unknown })?.exception ?? err;
  const message = inner instanceof Error ? inner.message : String(inner);
  return /overrun|beyond|outside the bounds|offset is out/i.test(message) ? 'the file ends early (truncated)' : message;
}

/** dicom-parser's hook for deflated explicit little endian: the bytes after the meta header are raw DEFLATE. */
function inflater(bytes: Uint8Array, position: number): Uint8Array {
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(bytes.subarray(position));
  } catch (err) {
    throw new ImageCorruptError('DICOM', `its deflated dataset cannot be inflated: ${(err as Error).message}`);
  }
  const full = new Uint8Array(position + inflated.length);
  full.set(bytes.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

/** Raw little-endian data sets (no Part 10 header): the transfer syntax their VR encoding implies. */
const RAW_SYNTAX = { explicit: '1.2.840.10008.1.2.1', implicit: '1.2.840.10008.1.2' } as const;

/** `untilTag`: stop at that element (its header read, not its value), e.g. the pixel data, to read only the header. */
export function parseDicom(input: Uint8Array, opts: { untilTag?: string } = {}): { dataSet: DataSet; transferSyntax: string; syntax: SyntaxInfo } {
  let bytes = input;
  const raw = hasPart10Preamble(bytes) ? null : rawDicomLayout(bytes);
  if (raw === 'meta') {
    // The file meta group without the 128-byte preamble and "DICM" before it: put them back.
    bytes = new Uint8Array(132 + input.length);
    bytes.set([0x44, 0x49, 0x43, 0x4d], 128);
    bytes.set(input, 132);
  } else if (raw) {
    const transferSyntax = RAW_SYNTAX[raw];
    return { dataSet: parseDataSet(bytes, { ...opts, TransferSyntaxUID: transferSyntax }), transferSyntax, syntax: SYNTAXES[transferSyntax] };
  }
  let transferSyntax: string;
  try {
    const metaHeader = dicomParser.readPart10Header(bytes);
    transferSyntax = (metaHeader.string(TAG.transferSyntax) ?? '').replace(/\0/g, '').trim();
  } catch (err) {
    throw new ImageCorruptError('DICOM', `its file meta header cannot be read: ${describeError(err)}`);
  }
  if (!transferSyntax) throw new ImageCorruptError('DICOM', 'its file meta header names no transfer syntax (0002,0010)');
  const syntax = SYNTAXES[transferSyntax];
  if (!syntax) {
    throw new DicomUnsupportedError(`This DICOM file uses a transfer syntax Serpent does not know (${transferSyntax}).`);
  }
  return { dataSet: parseDataSet(bytes, { ...opts, inflater }), transferSyntax, syntax };
}

function parseDataSet(bytes: Uint8Array, options: { inflater?: typeof inflater; TransferSyntaxUID?: string; untilTag?: string }): DataSet {
  try {
    return dicomParser.parseDicom(bytes, options as never);
  } catch (err) {
    if (err instanceof Error && err.name === 'ImageCorruptError') throw err;
    throw new ImageCorruptError('DICOM', describeError(err));
  }
}

/** Whether a DICOM file carries an image (pixel data): a CD's presentation states, key-object notes and structured
 *  reports are DICOM files too, but hold none. `head`: the file's first bytes, enough for its header (the pixel data
 *  element's header comes after every other element; its value is not needed), `wholeFile` when that is all of it.
 *  Only a whole file with no pixel data counts as none: a head that ends first, or a file that cannot be parsed,
 *  counts as an image, so that reading it says why. */
export function dicomHasImage(head: Uint8Array, wholeFile: boolean): boolean {
  try {
    return !!parseDicom(head, { untilTag: TAG.pixelData }).dataSet.elements[TAG.pixelData] || !wholeFile;
  } catch {
    return true;
  }
}

function requireNumber(dataSet: DataSet, tag: string, what: string): number {
  const value = dataSet.uint16(tag);
  if (value === undefined) throw new ImageCorruptError('DICOM', `the ${what} tag is missing`);
  return value;
}

/** The pixel-describing tags (PS3.3 C.7.6.3), checked enough that the decoders can trust them. */
export function readHeader(dataSet: DataSet, transferSyntax: string, syntax: SyntaxInfo): DicomHeader {
  if (!dataSet.elements[TAG.pixelData] && dataSet.uint16(TAG.rows) === undefined) {
    // A plan, a structure set, a report or another object with no image: not a damaged file.
    const modality = dataSet.string(TAG.modality)?.trim();
    throw new ImageFormatError(
      `This DICOM file holds no image${modality ? ` (Modality ${modality})` : ''}: it is a plan, a structure set or a report, not a radiograph.`,
    );
  }
  const rows = requireNumber(dataSet, TAG.rows, 'Rows (0028,0010)');
  const columns = requireNumber(dataSet, TAG.columns, 'Columns (0028,0011)');
  const samplesPerPixel = dataSet.uint16(TAG.samplesPerPixel) ?? 1;
  const photometric = (dataSet.string(TAG.photometric) ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).trim().toUpperCase();
  const bitsAllocated = requireNumber(dataSet, TAG.bitsAllocated, 'BitsAllocated (0028,0100)');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new DicomUnsupportedError(`This DICOM image stores ${bitsAllocated} bits per sample; only 8 and 16 are supported.`);
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new DicomUnsupportedError(`This DICOM image has ${samplesPerPixel} samples per pixel; only 1 (grey) or 3 (colour) can be read.`);
  }
  const known = tables.photometrics as Record<string, number>;
  if (known[photometric] !== samplesPerPixel) {
    throw new DicomUnsupportedError(`This DICOM image is ${photometric} with ${samplesPerPixel} samples per pixel, which Serpent cannot read.`);
  }
  const bitsStored = Math.max(1, Math.min(dataSet.uint16(TAG.bitsStored) ?? bitsAllocated, bitsAllocated));
  const highBit = Math.min(dataSet.uint16(TAG.highBit) ?? bitsStored - 1, bitsAllocated - 1);
  const frames = Math.max(1, dataSet.intString(TAG.frames) ?? 1);
  return {
    transferSyntax,
    syntax,
    rows,
    columns,
    samplesPerPixel,
    photometric,
    planarConfiguration: dataSet.uint16(TAG.planarConfiguration) ?? 0,
    bitsAllocated,
    bitsStored,
    highBit,
    signed: (dataSet.uint16(TAG.pixelRepresentation) ?? 0) === 1,
    frames: Number.isFinite(frames) ? frames : 1,
  };
}
