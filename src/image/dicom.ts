// DICOM Part 10 → GreyImage. Every transfer syntax a PACS or viewer exports (dicomTables.json): native little
// and big endian, deflated, RLE, JPEG baseline / lossless, JPEG-LS, JPEG 2000 and HTJ2K. The first frame is read
// (meta.frames says how many there are); see dicomPixels.ts for the grey mapping and dicomIdentity.ts for the
// modality check. decodeDicom is synchronous and reads what needs no WebAssembly (native, deflated, RLE);
// decodeDicomAsync loads the codec a compressed file needs on first use.
import type { DataSet } from 'dicom-parser';
import { decodeCompressedFrame } from './codecs';
import { DicomUnsupportedError, ImageCorruptError, checkImageSize } from './errors';
import { encapsulatedFirstFrame, nativeFrameBytes } from './dicomFrame';
import { notChestRadiograph, viewFromPosition } from './dicomIdentity';
import { pixelSpacingOf } from './dicomSpacing';
import { TAG, describeError, parseDicom, readHeader, type DicomHeader } from './dicomParse';
import { frameToGrey, nativeSamples, type GreyFrame } from './dicomPixels';
import { decodeRle } from './dicomRle';
import type { GreyImage, StudyIdentity } from './types';

export { applyWindow } from './dicomPixels';
export { viewFromPosition, notChestRadiograph } from './dicomIdentity';

interface Limits {
  minSide: number;
  maxPixels: number;
  keepValues?: boolean;
}

function open(bytes: Uint8Array, limits: Limits): { dataSet: DataSet; header: DicomHeader } {
  const { dataSet, transferSyntax, syntax } = parseDicom(bytes);
  const header = readHeader(dataSet, transferSyntax, syntax);
  checkImageSize(header.columns, header.rows, limits.minSide, limits.maxPixels);
  return { dataSet, header };
}

/** Native, deflated and RLE frames need no codec download. */
function decodeSync(dataSet: DataSet, header: DicomHeader, keepValues = false): GreyFrame | null {
  const colourSpace = header.photometric.startsWith('YBR') ? 'ybr' : 'rgb';
  if (header.syntax.codec === 'native') {
    const samples = nativeSamples(nativeFrameBytes(dataSet, header), header);
    return frameToGrey(samples, header, dataSet, { shift: Math.max(header.highBit + 1 - header.bitsStored, 0), colourSpace, keepValues });
  }
  if (header.syntax.codec === 'rle') {
    const samples = decodeRle(encapsulatedFirstFrame(dataSet, header), header.rows, header.columns, header.samplesPerPixel, header.bitsAllocated);
    return frameToGrey(samples, header, dataSet, { shift: Math.max(header.highBit + 1 - header.bitsStored, 0), colourSpace, keepValues });
  }
  return null;
}

/** dicom-parser throws strings when an element's value runs past the end of the file (a truncated or damaged
 *  header can get that far); every such throw becomes the typed error the page shows. */
function asTypedError(err: unknown): unknown {
  if (err instanceof Error && /^(Image|Dicom)\w*Error$/.test(err.name)) return err;
  return new ImageCorruptError('DICOM', describeError(err));
}

export function decodeDicom(bytes: Uint8Array, limits: Limits): GreyImage {
  try {
    const { dataSet, header } = open(bytes, limits);
    const frame = decodeSync(dataSet, header, limits.keepValues);
    if (!frame) {
      throw new DicomUnsupportedError(
        `This DICOM file is ${header.syntax.name} (${header.transferSyntax}); its decoder loads on demand, so read it with decodeImageAsync.`,
      );
    }
    return toImage(dataSet, header, frame);
  } catch (err) {
    throw asTypedError(err);
  }
}

export async function decodeDicomAsync(bytes: Uint8Array, limits: Limits): Promise<GreyImage> {
  try {
    const { dataSet, header } = open(bytes, limits);
    let frame = decodeSync(dataSet, header, limits.keepValues);
    if (!frame) {
      const codec = header.syntax.codec as Exclude<DicomHeader['syntax']['codec'], 'native' | 'rle'>;
      const decoded = await decodeCompressedFrame(codec, encapsulatedFirstFrame(dataSet, header), header);
      frame = frameToGrey(decoded.samples, header, dataSet, { shift: 0, colourSpace: 'rgb', keepValues: limits.keepValues });
    }
    return toImage(dataSet, header, frame);
  } catch (err) {
    throw asTypedError(err);
  }
}

function toImage(dataSet: DataSet, header: DicomHeader, frame: GreyFrame): GreyImage {
  const viewPosition = dataSet.string(TAG.viewPosition)?.trim() || undefined;
  const modality = dataSet.string(TAG.modality)?.trim() || undefined;
  const bodyPart = dataSet.string(TAG.bodyPart)?.trim() || undefined;
  return {
    width: header.columns,
    height: header.rows,
    data: frame.data,
    bitsStored: header.bitsStored,
    isColour: frame.isColour,
    ...(frame.values ? { values: frame.values } : {}),
    meta: {
      format: 'dicom',
      colourFraction: frame.colourFraction,
      viewPosition,
      view: viewFromPosition(viewPosition),
      bodyPart,
      modality,
      notChestRadiograph: notChestRadiograph(modality, bodyPart) ?? undefined,
      photometric: header.photometric,
      window: frame.window,
      voi: frame.voi,
      transferSyntax: header.transferSyntax,
      transferSyntaxName: header.syntax.name,
      frames: header.frames,
      pixelSpacing: pixelSpacingOf(dataSet),
      ...studyIdentityOf(dataSet),
    },
  };
}

/** The film's patient and study, from the tags that name them; nothing when the file names neither. */
function studyIdentityOf(dataSet: DataSet): { study?: StudyIdentity } {
  const read = (tag: string): string | undefined => dataSet.string(tag)?.replace(/\0/g, '').trim() || undefined;
  const study: StudyIdentity = {};
  const patientId = read(TAG.patientId);
  const studyUid = read(TAG.studyUid);
  const studyDate = read(TAG.studyDate);
  if (patientId) study.patientId = patientId;
  if (studyUid) study.studyUid = studyUid;
  if (studyDate) study.studyDate = studyDate;
  return patientId || studyUid ? { study } : {};
}
