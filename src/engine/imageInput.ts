// Image files → what the model takes (normalised S×S tensors) and what the page draws (the grey S×S image and its
// placement), through src/image's one decode + preprocess path (compressed DICOM decoders load on first use). A file
// the caller already decoded is checked and preprocessed, not decoded again. Errors name the file.
import { bandShares, blankBorder, checkImageSize, decodeImageAsync, ImageBlankError, insideBorder, preprocess, toUint8, type GreyImage } from '../image';
import { InvalidInputError } from './errors';
import type { ModelManifest } from './manifest';
import type { ImageFile, ImageTensor, InsideBorder, PreparedView } from './types';

export const MAX_VIEWS = 2;

export function checkViewCount(n: number): void {
  if (n < 1 || n > MAX_VIEWS) {
    throw new InvalidInputError(`Give one or two radiographs of one study (a frontal view, optionally a lateral); got ${n}.`);
  }
}

/** Images must match the model's input size; a mismatch means the wrong preprocessing. */
export function checkImageTensors(images: readonly ImageTensor[], size: number): void {
  checkViewCount(images.length);
  images.forEach((im, i) => {
    if (im.size !== size || im.data.length !== size * size) {
      throw new InvalidInputError(
        `Image ${im.name ?? i + 1} is a ${im.size}×${im.size} tensor (${im.data.length} values) but this model takes ${size}×${size}; ` +
          "preprocess with the model's image_size, or pass the files to generateFiles.",
      );
    }
  });
}

/** A decoded image handed in by the caller, as decodeImageAsync makes it: a size the decoder accepts, one grey value
 *  in [0,1] per pixel. Anything else would be a silently wrong draft, so it is refused. */
export function checkDecodedImage(img: GreyImage): GreyImage {
  const { width, height, data } = img;
  checkImageSize(width, height);
  if (!Number.isInteger(width) || !Number.isInteger(height) || !(data instanceof Float32Array) || data.length !== width * height) {
    throw new InvalidInputError(
      `the decoded image is not ${width}×${height} grey values (${data?.length ?? 'no'} values); pass the file's bytes instead, or decode it with decodeImageAsync.`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0 && v <= 1)) {
      throw new InvalidInputError(
        `the decoded image has a value ${v} outside [0, 1] at pixel ${i}; pass the file's bytes instead, or decode it with decodeImageAsync.`,
      );
    }
  }
  return img;
}

/** A border this large (a share of the area) gets the film inside it scored by the OOD detector as well. */
export const INSIDE_CHECK_SHARE = 0.1;

/** The image's blank border: a blank image is refused; past INSIDE_CHECK_SHARE, the film inside the border is
 *  preprocessed for the detector; a thinner border (or none) changes nothing. */
export function insideOf(img: GreyImage, pre: ModelManifest['preprocessing']): InsideBorder | undefined {
  const border = blankBorder(img);
  if (border.blankShare >= 1) throw new ImageBlankError(img.data[0]);
  if (border.blankShare < INSIDE_CHECK_SHARE) return undefined;
  const crop = insideBorder(img, border);
  const inside = preprocess(img, { size: pre.image_size, mean: pre.pixel_mean, std: pre.pixel_std, quantise: true, crop });
  return { data: inside.pixels, blankShare: border.blankShare, bands: bandShares(img, border) };
}

/** One decoded image as the engine reads it: the model input (quantised to the corpus's 8-bit steps, as training saw
 *  it), the film inside its blank border, and what the warnings need; and the preprocessing it came from. */
export function imageTensorOf(
  img: GreyImage,
  pre: ModelManifest['preprocessing'],
  name?: string,
  view: ImageTensor['view'] = 'unknown',
): { image: ImageTensor; preprocessed: ReturnType<typeof preprocess> } {
  const p = preprocess(img, { size: pre.image_size, mean: pre.pixel_mean, std: pre.pixel_std, quantise: true });
  const image: ImageTensor = {
    data: p.pixels,
    size: p.size,
    name,
    isColour: img.isColour,
    view,
    sourceWidth: img.width,
    sourceHeight: img.height,
    inside: insideOf(img, pre),
    content: { x: p.offsetX, y: p.offsetY, width: p.resizedWidth, height: p.resizedHeight },
  };
  return { image, preprocessed: p };
}

export async function prepareFiles(
  files: readonly ImageFile[],
  pre: ModelManifest['preprocessing'],
): Promise<{ images: ImageTensor[]; views: PreparedView[] }> {
  checkViewCount(files.length);
  const images: ImageTensor[] = [];
  const views: PreparedView[] = [];
  for (const file of files) {
    try {
      const img = 'image' in file ? checkDecodedImage(file.image) : await decodeImageAsync(new Uint8Array(file.bytes));
      const tagged = img.meta?.view ?? 'unknown';
      const view = tagged !== 'unknown' ? tagged : (file.view ?? 'unknown');
      const { image, preprocessed: p } = imageTensorOf(img, pre, file.name, view);
      images.push(image);
      views.push({
        name: file.name,
        size: p.size,
        grey: toUint8(p.unit),
        isColour: img.isColour,
        view,
        width: img.width,
        height: img.height,
        offsetX: p.offsetX,
        offsetY: p.offsetY,
        resizedWidth: p.resizedWidth,
        resizedHeight: p.resizedHeight,
        frames: img.meta?.frames,
        notChestRadiograph: img.meta?.notChestRadiograph,
        ...(img.meta?.study ? { study: img.meta.study } : {}),
      });
    } catch (err) {
      if (err instanceof Error) err.message = `${file.name}: ${err.message}`;
      throw err;
    }
  }
  return { images, views };
}
