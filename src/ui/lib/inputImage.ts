// One dropped file as the page holds it, decoded once: the grey image the model reads (sent to the engine, which only
// preprocesses it), its own values binned for the viewer's window/level, and its view.
import {
  decodeForViewer,
  type DisplayValues,
  type GreyImage,
  type ImageFormat,
  type OrientationFix,
  type PixelSpacing,
  turnPixels,
  type ViewerImage,
  type ViewKind,
} from '../../image';

export const MAX_FILES = 2;

export interface InputImage {
  key: string;
  name: string;
  decoded: GreyImage; // the decode's [0,1] grey image without its values, for the engine; copy data before transferring
  format: ImageFormat;
  width: number;
  height: number;
  display: DisplayValues; // the file's own values (DICOM modality values; PNG/JPEG samples) binned, full resolution
  fileWindow: { center: number; width: number } | null; // the DICOM file's own window, when it has one
  monochrome1: boolean; // DICOM MONOCHROME1: high values display dark
  view: ViewKind;
  viewFromFile: boolean; // DICOM ViewPosition said which view this is
  viewPosition?: string;
  isColour: boolean;
  frames: number; // frames in the file; only the first is read
  exifOrientation?: number; // JPEG: the EXIF orientation (2–8) the decode applied to stand it upright
  notChestRadiograph?: string; // the DICOM tags say this is not a chest radiograph: the message to show
  transferSyntaxName?: string; // how the pixels were stored (DICOM: e.g. "JPEG 2000 lossless"; a plain 12-bit JPEG: "12-bit JPEG")
  pixelSpacing?: PixelSpacing; // DICOM: mm per pixel, for measurements (absent: lengths in the file's pixels)
  fixes?: OrientationFix[]; // what the page did to the file's pixels, in order, at the person's word (fixImage)
}

export class TooManyFilesError extends Error {
  override name = 'TooManyFilesError';
  constructor(count: number) {
    super(`${count} files were dropped; Serpent reads one study at a time: drop one frontal image, or a frontal and a lateral.`);
  }
}

let counter = 0;

/** Decode (throws the image module's typed errors; compressed DICOM loads its decoder) keeping the source's values, and read the view. */
export async function prepareInputImage(
  name: string,
  bytes: ArrayBuffer,
  // the page decodes off the main thread (decodeOffThread)
  decode: (bytes: Uint8Array) => Promise<ViewerImage> = decodeForViewer,
): Promise<InputImage> {
  const { image: grey, display } = await decode(new Uint8Array(bytes));
  const window = grey.meta?.window;
  const fileView = grey.meta?.view;
  return {
    key: `img-${++counter}`,
    name,
    decoded: grey,
    format: grey.meta?.format ?? 'png',
    width: grey.width,
    height: grey.height,
    display,
    fileWindow: window?.fromFile ? { center: window.center, width: window.width } : null,
    monochrome1: grey.meta?.photometric === 'MONOCHROME1',
    view: fileView && fileView !== 'unknown' ? fileView : 'unknown',
    viewFromFile: !!fileView && fileView !== 'unknown',
    viewPosition: grey.meta?.viewPosition,
    isColour: grey.isColour,
    frames: grey.meta?.frames ?? 1,
    exifOrientation: grey.meta?.exifOrientation,
    notChestRadiograph: grey.meta?.notChestRadiograph,
    transferSyntaxName: grey.meta?.transferSyntaxName,
    pixelSpacing: grey.meta?.pixelSpacing,
  };
}

/**
 * The image set right as the OOD or the mirror check proposed: turned, flipped, or its greys inverted, in what the
 * model reads and in what the viewer draws alike. A new key: it is a new study, drafted again, its measurements gone.
 */
export function fixImage(im: InputImage, fix: OrientationFix): InputImage {
  const fixes = [...(im.fixes ?? []), fix];
  const key = `img-${++counter}`;
  if (fix === 'invert') {
    const data = im.decoded.data.map((v) => 1 - v);
    // the viewer draws the values through the window; flipping the photometric inverts the drawing the same way
    return { ...im, key, fixes, decoded: { ...im.decoded, data }, monochrome1: !im.monochrome1 };
  }
  const grey = turnPixels(im.decoded.data, im.width, im.height, fix);
  const bins = turnPixels(im.display.bins, im.width, im.height, fix).data;
  const quarter = fix === 'turn_right' || fix === 'turn_left';
  const spacing = im.pixelSpacing && quarter ? { ...im.pixelSpacing, row: im.pixelSpacing.column, column: im.pixelSpacing.row } : im.pixelSpacing;
  return {
    ...im,
    key,
    fixes,
    width: grey.width,
    height: grey.height,
    decoded: { ...im.decoded, data: grey.data, width: grey.width, height: grey.height },
    display: { ...im.display, bins },
    pixelSpacing: spacing,
  };
}

/** Names one study as drafted: which files, in which views. A draft is shown only beside the study it was made from. */
export function studyKeyOf(images: readonly InputImage[]): string {
  return engineOrder([...images])
    .map((im) => `${im.key}:${im.view}`)
    .join('|');
}

/**
 * Views for images whose file does not state one (PNG, JPEG, DICOM without ViewPosition). One such image alone is
 * taken as frontal (the detector still withholds a draft of anything else); beside a view the file states, it gets
 * the other view. Two such images could each be either, so both stay 'unknown' and the person chooses: no draft is
 * made until they have (a lateral averaged into a frontal's draft changes it).
 */
export function assignViews(images: InputImage[]): InputImage[] {
  const untagged = images.filter((im) => im.view === 'unknown').length;
  if (untagged > 1) return images;
  const taken = new Set(images.filter((im) => im.view !== 'unknown').map((im) => im.view));
  return images.map((im) => {
    if (im.view !== 'unknown') return im;
    const view: ViewKind = taken.has('frontal') ? 'lateral' : 'frontal';
    taken.add(view);
    return { ...im, view };
  });
}

/** The order the engine gets them in: frontal first (its view 0 is the one the heatmaps and OOD check lead with). */
export function engineOrder(images: InputImage[]): InputImage[] {
  const rank = (v: ViewKind): number => (v === 'frontal' ? 0 : v === 'lateral' ? 1 : 2);
  return [...images].sort((a, b) => rank(a.view) - rank(b.view));
}
