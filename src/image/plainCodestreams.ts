// Plain files that hold a codestream the browser cannot read, as some PACS and archives export a film without its
// DICOM: JPEG at 12 or 16 bits, lossless JPEG, JPEG-LS (a .jpg or .jls file), and JPEG 2000 or HTJ2K (.j2k, .j2c,
// .jp2, .jph). Each goes to the decoder DICOM uses for the same syntax (codecs/index.ts), its errors said of the
// plain file. A plain file has no Bits Stored, and encoders write 12-bit films into 16-bit streams (dcmtk's lossless
// JPEG does): on the stream's own scale such a film would reach the model at 1/16 of its brightness, so the grey
// scale is 0 … 2^b − 1 for the bits b the samples use (significantBits), and the viewer says so.
import { decodeJpeg2000Codestream, decodeJpegFileVariant, type DecodedFrame, endsWithEoi, reworded } from './codecs/index';
import { j2kHeader } from './codecs/frameHeader';
import { isHighThroughput, jpeg2000Codestream } from './codecs/jpeg2000File';
import type { Limits } from './decode';
import { checkImageSize, ImageCorruptError, ImageFormatError } from './errors';
import { sampleValues, samplesToGrey, significantBits } from './grey';
import type { JpegHeader } from './sniff';
import { FORMAT_NAMES, type GreyImage, type ImageFormat } from './types';

/** A JPEG that jpeg-js and the 8-bit libjpeg-turbo cannot read: more than 8 bits a sample, lossless, or JPEG-LS. */
export const needsCodec = (header: JpegHeader): boolean => header.precision > 8 || header.sof === 0xc3 || header.sof === 0xf7;

/** e.g. "12-bit lossless JPEG": the viewer shows it where a DICOM shows its transfer syntax. */
export function codingName(header: JpegHeader): string {
  return `${header.precision}-bit ${header.sof === 0xf7 ? 'JPEG-LS' : header.sof === 0xc3 ? 'lossless JPEG' : 'JPEG'}`;
}

/** A 12-bit, lossless or JPEG-LS file (its header already size-checked). */
export async function decodeJpegVariant(bytes: Uint8Array, header: JpegHeader, limits: Limits): Promise<GreyImage> {
  return greyOf(await decodeJpegFileVariant(bytes, header), 'jpeg', codingName(header), limits);
}

/** A JPEG 2000 or HTJ2K file: its size read from the SIZ marker and checked before the decoder allocates. */
export async function decodeJpeg2000(bytes: Uint8Array, limits: Limits): Promise<GreyImage> {
  const codestream = jpeg2000Codestream(bytes);
  let header: ReturnType<typeof j2kHeader>;
  try {
    header = j2kHeader(codestream);
  } catch (err) {
    throw reworded(err, 'JPEG 2000');
  }
  if (!header) throw new ImageCorruptError('JPEG 2000', 'its codestream has no readable SIZ header');
  // OpenJPH decodes a cut-short HTJ2K stream without a word, at a lower quality: the end marker says it is whole.
  if (!endsWithEoi(codestream)) throw new ImageCorruptError('JPEG 2000', 'its codestream has no end marker (EOC), so it is cut short');
  checkImageSize(header.width, header.height, limits.minSide, limits.maxPixels);
  if (header.signed) throw new ImageFormatError("This JPEG 2000 file stores signed samples (as CT does), not a radiograph's.");
  const highThroughput = isHighThroughput(codestream);
  const frame = await decodeJpeg2000Codestream(codestream, highThroughput);
  if (frame.width !== header.width || frame.height !== header.height) {
    throw new ImageCorruptError('JPEG 2000', `it decodes to ${frame.width}×${frame.height} but its header says ${header.width}×${header.height}`);
  }
  return greyOf(frame, 'jpeg2000', `${header.precision}-bit ${highThroughput ? 'HTJ2K' : 'JPEG 2000'}`, limits);
}

/** Decoded samples → grey on the scale of the bits they use, with the coding the viewer shows. */
function greyOf(frame: DecodedFrame, format: ImageFormat, coding: string, limits: Limits): GreyImage {
  const { width, height, components, bitsPerSample, samples } = frame;
  if (components !== 1 && components !== 3) throw new ImageFormatError(`This file is ${coding} with ${components} components; grey or RGB can be read.`);
  if (samples.length < width * height * components) throw new ImageCorruptError(FORMAT_NAMES[format], 'it holds fewer samples than its size says');
  // significantBits trusts a precision of 8 or less; a damaged header can declare 1 bit over 8-bit samples (a fuzz finding)
  const overLowPrecision = bitsPerSample < 8 && samples.some((v) => v > 2 ** bitsPerSample - 1);
  const bits = significantBits(samples, bitsPerSample);
  if (bits > bitsPerSample || overLowPrecision) throw new ImageCorruptError(FORMAT_NAMES[format], `it decodes to samples beyond its own ${bitsPerSample} bits`);
  const maxValue = 2 ** bits - 1;
  const grey = samplesToGrey(samples, width, height, components, maxValue);
  const values = limits.keepValues ? { values: sampleValues(grey.data, maxValue) } : {};
  const transferSyntaxName = bits < bitsPerSample ? `${coding}, values within ${bits} bits` : coding;
  return { width, height, bitsStored: bits, ...grey, ...values, meta: { format, colourFraction: grey.colourFraction, transferSyntaxName } };
}
