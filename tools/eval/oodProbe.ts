// Probing a model folder's out-of-distribution check without writing reports: the engine's own encode +
// detector + checkOod on decoded grey images, the image transforms that turn a frontal radiograph into something
// the model never saw (rotated, upside down, inverted, mirrored, a small crop), and synthetic non-images (flat, gradients,
// noise). Used by `npm run ood-check` and by the committed model's tests.
import type { GreyImage, OrientationFix } from '../../src/image';
import type { ModelManifest } from '../../src/engine/manifest';
import { loadModelFiles } from '../../src/engine/modelLoader';
import { nodeModelSource } from '../../src/engine/node/nodeEngine';
import { OnnxReportModel } from '../../src/engine/onnxModel';
import { imageTensorOf } from '../../src/engine/imageInput';
import { assessOod } from '../../src/engine/orientationCheck';
import { createSessions, releaseSessions, type OrtRuntime } from '../../src/engine/sessions';
import type { Backend, OodResult } from '../../src/engine/types';

export class OodProbe {
  private constructor(
    private readonly model: OnnxReportModel,
    readonly manifest: ModelManifest,
  ) {}

  static async open(modelDir: string, ort: OrtRuntime, backend: Backend): Promise<OodProbe> {
    const files = await loadModelFiles(nodeModelSource(modelDir), 'fp32');
    const sessions = await createSessions(ort, files.files, backend, files.manifest.architecture.n_layers);
    return new OodProbe(new OnnxReportModel(sessions, files.manifest), files.manifest);
  }

  /** The OOD result generate() would give this image as a single view; rejects with ImageBlankError, as the engine
   *  does, when the image is one grey value throughout. */
  async check(img: GreyImage, name?: string): Promise<OodResult> {
    const view = imageTensorOf(img, this.manifest.preprocessing, name).image;
    const encoded = await this.model.encode([view]);
    return assessOod(this.model, this.manifest, [view], encoded);
  }

  async dispose(): Promise<void> {
    await releaseSessions(this.model.sessions);
  }
}

export { detectorFlagged } from '../../src/engine/ood';
export const embeddingFlagged = (r: OodResult): boolean => r.score > r.threshold;

export function greyImage(width: number, height: number, f: (x: number, y: number) => number): GreyImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.min(1, Math.max(0, f(x, y)));
  return { width, height, data, bitsStored: 8, isColour: false };
}

const at = (img: GreyImage, x: number, y: number): number => img.data[y * img.width + x];

/** What a frontal radiograph becomes when it is handled wrongly; each should be warned about. */
export const RADIOGRAPH_TRANSFORMS: Record<string, (img: GreyImage) => GreyImage> = {
  rotated_quarter_turn: (img) => greyImage(img.height, img.width, (x, y) => at(img, y, img.height - 1 - x)),
  upside_down: (img) => greyImage(img.width, img.height, (x, y) => at(img, x, img.height - 1 - y)),
  inverted: (img) => greyImage(img.width, img.height, (x, y) => 1 - at(img, x, y)),
  mirrored: (img) => greyImage(img.width, img.height, (x, y) => at(img, img.width - 1 - x, y)),
  half_blanked: (img) => greyImage(img.width, img.height, (x, y) => (x >= img.width / 2 ? 0 : at(img, x, y))),
  lower_third_blanked: (img) => greyImage(img.width, img.height, (x, y) => (y >= (img.height * 2) / 3 ? 0 : at(img, x, y))),
  small_crop: (img) => {
    const side = Math.max(8, Math.round(Math.min(img.width, img.height) * 0.3));
    const x0 = Math.round(img.width * 0.15);
    const y0 = Math.round(img.height * 0.3);
    return greyImage(side, side, (x, y) => at(img, Math.min(img.width - 1, x0 + x), Math.min(img.height - 1, y0 + y)));
  },
};

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** The fix each transform calls for, where one sets it right (orientationCheck.ts). */
export const EXPECTED_FIX: Partial<Record<keyof typeof RADIOGRAPH_TRANSFORMS, OrientationFix>> = {
  rotated_quarter_turn: 'turn_left',
  upside_down: 'turn_half',
  inverted: 'invert',
  mirrored: 'flip',
};

/** Images that are not radiographs at all: flat grey (which the engine refuses as blank before the detector), linear and
 *  radial gradients, uniform noise. */
export function syntheticNonImages(seed = 7): Record<string, GreyImage> {
  const random = seeded(seed);
  return {
    flat: greyImage(300, 300, () => 0.5),
    linear_gradient: greyImage(400, 300, (x) => x / 400),
    radial_gradient: greyImage(256, 256, (x, y) => Math.hypot(x - 128, y - 128) / 180),
    uniform_noise: greyImage(256, 256, () => random()),
  };
}
