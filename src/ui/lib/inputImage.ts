// One dropped file as the page holds it: its bytes (sent to the engine, which decodes them again for the
// model), the full-resolution decoded values for the viewer (zoom, window/level), and its view.
import { decodeImage, type ViewKind } from '../../image';

export const MAX_FILES = 2;

export interface InputImage {
  key: string;
  name: string;
  bytes: ArrayBuffer; // the file as dropped; copy before transferring to the worker
  format: 'png' | 'jpeg' | 'dicom';
  width: number;
  height: number;
  values: Float32Array; // [height*width] the file's own values (DICOM modality values; PNG/JPEG samples), full resolution
  fileWindow: { center: number; width: number } | null; // the DICOM file's own window, when it has one
  monochrome1: boolean; // DICOM MONOCHROME1: high values display dark
  view: ViewKind;
  viewFromFile: boolean; // DICOM ViewPosition said which view this is
  viewPosition?: string;
  isColour: boolean;
}

export class TooManyFilesError extends Error {
  override name = 'TooManyFilesError';
  constructor(count: number) {
    super(`${count} files were dropped; Serpent reads one study at a time: drop one frontal image, or a frontal and a lateral.`);
  }
}

let counter = 0;

/** Decode (throws the image module's typed errors) keeping the source's values, and read the view. */
export function prepareInputImage(name: string, bytes: ArrayBuffer): InputImage {
  const grey = decodeImage(new Uint8Array(bytes), { keepValues: true });
  const window = grey.meta?.window;
  const fileView = grey.meta?.view;
  return {
    key: `img-${++counter}`,
    name,
    bytes,
    format: grey.meta?.format ?? 'png',
    width: grey.width,
    height: grey.height,
    values: grey.values ?? grey.data,
    fileWindow: window?.fromFile ? { center: window.center, width: window.width } : null,
    monochrome1: grey.meta?.photometric === 'MONOCHROME1',
    view: fileView && fileView !== 'unknown' ? fileView : 'unknown',
    viewFromFile: !!fileView && fileView !== 'unknown',
    viewPosition: grey.meta?.viewPosition,
    isColour: grey.isColour,
  };
}

/**
 * Give every image without a view from its file one: the first such image becomes frontal unless a file
 * already claims frontal, the other lateral. The person can change them with the view selector.
 */
export function assignViews(images: InputImage[]): InputImage[] {
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
