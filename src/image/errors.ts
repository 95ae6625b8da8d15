// Typed errors for image input. Each message tells the person who dropped the file what to do next;
// the page shows `message` as is, so keep it free of stack-trace jargon.

/** Limits that decoding enforces before it allocates pixel memory. */
export const MAX_SIDE = 8192;
export const MAX_PIXELS = MAX_SIDE * MAX_SIDE;
export const MIN_SIDE = 32;

export const SUPPORTED_FORMATS = 'PNG, JPEG, JPEG 2000, TIFF or DICOM';

/** Not an image we can read at all (wrong type, unknown signature, unsupported variant of a format). */
export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
  constructor(detail: string) {
    super(`${detail} Serpent reads ${SUPPORTED_FORMATS} chest radiographs; export the image in one of those formats and try again.`);
  }
}

/** The format was recognised but the bytes are truncated or undecodable. */
export class ImageCorruptError extends Error {
  override name = 'ImageCorruptError';
  constructor(
    readonly format: string,
    readonly detail: string,
  ) {
    super(`The ${format} file looks damaged (${detail}); export it again from the viewer or PACS and retry.`);
  }
}

/** The declared pixel size is empty, too small to read, or too large to decode safely. */
export class ImageSizeError extends Error {
  override name = 'ImageSizeError';
  readonly width: number;
  readonly height: number;
  constructor(width: number, height: number, minSide = MIN_SIDE, maxPixels = MAX_PIXELS) {
    super(ImageSizeError.describe(width, height, minSide, maxPixels));
    this.width = width;
    this.height = height;
  }

  private static describe(width: number, height: number, minSide: number, maxPixels: number): string {
    const size = `${width}×${height}`;
    if (width <= 0 || height <= 0) return `The image declares a size of ${size} pixels, so it holds no picture; export it again.`;
    if (Math.min(width, height) < minSide) {
      return `The image is ${size} pixels, too small to read (at least ${minSide}×${minSide} is needed); use the original, full-size radiograph.`;
    }
    const maxSide = Math.floor(Math.sqrt(maxPixels));
    return (
      `The image is ${size} pixels, larger than the ${maxSide}×${maxSide} maximum; downscale it (for example to 2048 pixels on the long side) ` +
      `and try again.`
    );
  }
}

/** A DICOM file we recognise but cannot decode (compressed transfer syntax, colour, odd bit depth …). */
export class DicomUnsupportedError extends Error {
  override name = 'DicomUnsupportedError';
  constructor(readonly detail: string) {
    super(
      `${detail} Convert it to uncompressed DICOM (for example \`gdcmconv --raw in.dcm out.dcm\` or \`dcmdjpeg in.dcm out.dcm\`), ` +
        'or export the image as PNG from your viewer, and try again.',
    );
  }
}

/** The image decoded, but every pixel has one grey value: there is no picture to draft from. */
export class ImageBlankError extends Error {
  override name = 'ImageBlankError';
  constructor(readonly value: number) {
    super(
      `The image is blank: every pixel has the same grey value (${Math.round(value * 255)} of 255), so there is nothing to draft from. ` +
        'Export the radiograph again from the viewer or PACS (a DICOM file with a wrong stored window can come out flat).',
    );
  }
}

/** Decoding did not finish within the page's time limit: a damaged codestream can make a decoder spin. */
export class ImageTimeoutError extends Error {
  override name = 'ImageTimeoutError';
  constructor(name: string, seconds: number) {
    super(
      `${name} took longer than ${seconds} s to decode, so it was stopped; the file is probably damaged: export it again from the viewer or PACS and retry.`,
    );
  }
}

/** Throws ImageSizeError unless width×height is within [minSide², maxPixels]. Call before allocating. */
export function checkImageSize(width: number, height: number, minSide = MIN_SIDE, maxPixels = MAX_PIXELS): void {
  const ok = Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0 && Math.min(width, height) >= minSide && width * height <= maxPixels;
  if (!ok) throw new ImageSizeError(width, height, minSide, maxPixels);
}
