// "Does this look like what the model was trained on?": the diagonal Mahalanobis distance of the
// view-averaged image_embeds (p_img) from the training mean, sqrt(Σ_i (x_i − mean_i)² / var_i), exactly as
// training/manifest.py computes the manifest's `ood` stats; plus the cheap colour check from decoding.
// Both become warnings for a person, not errors.
import type { OodStats } from './manifest';
import type { OodResult } from './types';

const MIN_VAR = 1e-12;

export function diagMahalanobis(x: Float32Array, mean: readonly number[], variance: readonly number[]): number {
  if (x.length !== mean.length || x.length !== variance.length) {
    throw new RangeError(`image_embeds has ${x.length} dimensions but the manifest's ood stats have ${mean.length}`);
  }
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean[i];
    s += (d * d) / Math.max(variance[i], MIN_VAR);
  }
  return Math.sqrt(s);
}

export function oodWarning(score: number, threshold: number): string {
  return (
    `This image does not look like the frontal chest radiographs the model was trained on ` +
    `(score ${score.toFixed(1)} > ${threshold.toFixed(1)}). The draft is unreliable: check the image is a frontal chest X-ray.`
  );
}

/** Scores p_img [E] (image_embeds averaged over views) against the manifest's stats. */
export function checkOod(pImg: Float32Array, stats: OodStats): OodResult {
  const score = diagMahalanobis(pImg, stats.mean, stats.var);
  return { score, threshold: stats.threshold, warning: score > stats.threshold ? oodWarning(score, stats.threshold) : null };
}

export function colourWarning(name: string | undefined): string {
  return (
    `The image${name ? ` ${name}` : ''} is in colour, but chest radiographs are grey. ` +
    'The draft is unreliable: check you chose an X-ray, not a photo or a screenshot.'
  );
}
