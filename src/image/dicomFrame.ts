// The first frame's pixel bytes, as the file stores them: the native (uncompressed) sample bytes, or the
// encapsulated codestream of frame 1 (PS3.5 A.4), found through the basic offset table when there is one.
import type { DataSet, Element } from 'dicom-parser';
import { ImageCorruptError } from './errors';
import { describeError, dicomParser, type DicomHeader } from './dicomParse';

export function pixelElement(dataSet: DataSet): Element {
  const el = dataSet.elements.x7fe00010;
  if (!el) throw new ImageCorruptError('DICOM', 'it has no pixel data (7FE0,0010)');
  return el;
}

/** Native pixel data: the first frame's bytes, checked to be all there. */
export function nativeFrameBytes(dataSet: DataSet, header: DicomHeader): Uint8Array {
  const el = pixelElement(dataSet);
  if (el.encapsulatedPixelData) throw new ImageCorruptError('DICOM', 'its pixel data is encapsulated although its transfer syntax is uncompressed');
  const bytes = dataSet.byteArray;
  const perPixel = header.photometric === 'YBR_FULL_422' ? 2 : header.samplesPerPixel; // 4:2:2 stores Y1 Y2 Cb Cr per two pixels
  const frameBytes = header.rows * header.columns * perPixel * (header.bitsAllocated / 8);
  const available = Math.min(el.length, bytes.length - el.dataOffset);
  if (available < frameBytes) {
    const holds = `its pixel data holds ${Math.max(available, 0)} bytes`;
    throw new ImageCorruptError('DICOM', `${holds} but ${header.rows}×${header.columns} pixels need ${frameBytes}`);
  }
  return bytes.subarray(el.dataOffset, el.dataOffset + frameBytes);
}

/** Encapsulated pixel data: frame 1's codestream (all its fragments joined). */
export function encapsulatedFirstFrame(dataSet: DataSet, header: DicomHeader): Uint8Array {
  const el = pixelElement(dataSet);
  if (!el.encapsulatedPixelData) {
    throw new ImageCorruptError('DICOM', `its transfer syntax (${header.syntax.name}) needs encapsulated pixel data but the pixel data is native`);
  }
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new ImageCorruptError('DICOM', 'its encapsulated pixel data holds no fragments');
  try {
    if (header.frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, el, 0, fragments.length) as Uint8Array;
    if ((el.basicOffsetTable ?? []).length > 0) return dicomParser.readEncapsulatedImageFrame(dataSet, el, 0) as Uint8Array;
    if (fragments.length === header.frames) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, el, 0, 1) as Uint8Array;
    if (header.syntax.codec === 'jpeg' || header.syntax.codec === 'jpeg-lossless') {
      return dicomParser.readEncapsulatedImageFrame(dataSet, el, 0, dicomParser.createJPEGBasicOffsetTable(dataSet, el)) as Uint8Array;
    }
  } catch (err) {
    throw new ImageCorruptError('DICOM', `its first frame cannot be found in the pixel data: ${describeError(err)}`);
  }
  throw new ImageCorruptError('DICOM', `it has ${header.frames} frames in ${fragments.length} fragments and no offset table, so frame 1 cannot be found`);
}
