// Public API of src/image: the one decode + preprocess path shared by the page (worker), the corpus
// builder and the evaluation. Bytes in, no DOM and no Node-only APIs.
export { decodeImage, decodeImageAsync, samplesToGrey, COLOUR_FRACTION, COLOUR_SPREAD } from './decode';
export { applyWindow, viewFromPosition, notChestRadiograph } from './dicom';
export { preprocess, resample, axisWeights, toUint8, normalise, tensorToImage } from './preprocess';
export type { PreprocessOptions, Preprocessed, Rect } from './preprocess';
export { sniffFormat } from './sniff';
export { bandShares, blankBorder, insideBorder, oneSidedBand, wideEdges, BLANK_TOLERANCE } from './blankBorder';
export { turnPixels, ORIENTATION_FIXES, FIX_ACTIONS } from './orientation';
export type { DetectorFix, OrientationFix } from './orientation';
export type { BlankBorder, Edge } from './blankBorder';
export { dicomHasImage } from './dicomParse';
export { BINS, decodeForViewer, prepareDisplay } from './displayBins';
export type { DisplayValues, ViewerImage } from './displayBins';
export {
  ImageFormatError,
  ImageCorruptError,
  ImageSizeError,
  DicomUnsupportedError,
  ImageTimeoutError,
  ImageBlankError,
  checkImageSize,
  MAX_SIDE,
  MAX_PIXELS,
  MIN_SIDE,
  SUPPORTED_FORMATS,
} from './errors';
export type { GreyImage, ImageMeta, ImageFormat, PixelSpacing, StudyIdentity, ViewKind, DecodeOptions } from './types';
