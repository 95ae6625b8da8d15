// Shapes shared by the image decoders and the preprocessor. No DOM, no Node APIs.

export type ImageFormat = 'png' | 'jpeg' | 'jpeg2000' | 'tiff' | 'dicom';

/** How the page names each format. */
export const FORMAT_NAMES: Record<ImageFormat, string> = { png: 'PNG', jpeg: 'JPEG', jpeg2000: 'JPEG 2000', tiff: 'TIFF', dicom: 'DICOM' };

/** The file name endings the page's picker offers and the CLIs look for in folders (the decoders go by the bytes). */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'jls', 'jp2', 'j2k', 'j2c', 'jph', 'tif', 'tiff', 'dcm', 'dicom'] as const;

export type ViewKind = 'frontal' | 'lateral' | 'unknown';

/** mm between pixel centres (DICOM only; dicomSpacing.ts says which tag each basis comes from). */
export interface PixelSpacing {
  row: number; // between rows: vertical
  column: number; // between columns: horizontal
  basis: 'calibrated' | 'magnification-corrected' | 'detector' | 'unstated';
  calibration?: string; // 'calibrated': the Pixel Spacing Calibration Type (GEOMETRY, FIDUCIAL)
  magnification?: number; // 'magnification-corrected': the factor divided out
}

export interface ImageMeta {
  format: ImageFormat;
  /** Fraction of pixels whose colour channels differ by more than COLOUR_SPREAD (0 for grey sources). */
  colourFraction?: number;
  /** DICOM only. */
  viewPosition?: string; // (0018,5101) as written, e.g. "PA"
  view?: ViewKind; // viewPosition mapped through viewPositions.json
  bodyPart?: string; // (0018,0015) BodyPartExamined
  modality?: string; // (0008,0060)
  notChestRadiograph?: string; // set when Modality / BodyPartExamined say this is not a chest radiograph: the message to show
  photometric?: string; // MONOCHROME1 / MONOCHROME2 / RGB / YBR_FULL …
  window?: { center: number; width: number; fromFile: boolean };
  voi?: 'window' | 'voi-lut' | 'pixel-range'; // what mapped the values to grey: the window tags, the VOI LUT sequence, or min–max
  transferSyntax?: string;
  transferSyntaxName?: string; // how the pixels were stored, e.g. "JPEG 2000 lossless" (DICOM) or "12-bit JPEG-LS" (a plain file)
  frames?: number; // number of frames in the file (only the first is decoded)
  exifOrientation?: number; // JPEG: the EXIF orientation (2–8) that was applied to stand the pixels upright
  pixelSpacing?: PixelSpacing; // DICOM: the physical size of a pixel, when the file states it
  study?: StudyIdentity; // DICOM: which patient and study the film belongs to, when the file says
}

/** DICOM (0010,0020) PatientID, (0020,000D) StudyInstanceUID and (0008,0020) StudyDate, each when present. */
export interface StudyIdentity {
  patientId?: string;
  studyUid?: string;
  studyDate?: string; // YYYYMMDD as written
}

/** A decoded image as one grey channel. */
export interface GreyImage {
  width: number;
  height: number;
  data: Float32Array; // [height*width] row-major, values in [0,1], 0 = black
  bitsStored: number; // bits per sample in the source (8, 16, 12 …)
  isColour: boolean; // the source had real colour (channels differ noticeably): likely a photo, not a radiograph
  meta?: ImageMeta;
  /** With keepValues: [height*width] the source's own values before any window (DICOM: modality values,
   *  MONOCHROME1 not inverted; PNG/JPEG: samples on 0…2^bits−1), for a viewer's window/level. */
  values?: Float32Array;
}

export interface DecodeOptions {
  maxPixels?: number; // default MAX_PIXELS (8192²)
  minSide?: number; // default MIN_SIDE (32)
  keepValues?: boolean; // also return `values` (one more float per pixel); the model path never needs it
}
