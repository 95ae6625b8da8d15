// "Does this look like what the model was trained on?" Two checks, both warnings for a person, not errors:
//  - the detector (training/ood_detector.py), when the model folder has one: a small CNN's logit per view,
//    trained to tell frontal chest radiographs from documents, screenshots, photos, noise, other radiographs
//    and rotated, inverted, cropped or lateral chest images; above the manifest's threshold → warn;
//  - the embedding distance: the diagonal Mahalanobis distance of the view-averaged image_embeds (p_img) from
//    the training mean, sqrt(Σ_i (x_i − mean_i)² / var_i), exactly as training/manifest.py computes the stats.
// Plus the cheap colour check from decoding.
import { oneSidedBand, wideEdges } from '../image/blankBorder';
import type { OodStats } from './manifest';
import type { ImageTensor, InsideBorder, OodResult } from './types';

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

/** What the engine knows of each view: its file name and the view the person (or the DICOM header) gave it. */
export interface ViewLabel {
  name?: string;
  view?: 'frontal' | 'lateral' | 'unknown';
  inside?: Pick<InsideBorder, 'blankShare' | 'bands'>; // the view's blank border, when it has one (imageInput.ts)
}

/** How a message names a view: "View 2 (lat.png)" in a study of two, "This image (pa.png)" alone. */
export function viewName(label: Pick<ViewLabel, 'name'>, index: number, views: number): string {
  const file = label.name ? ` (${label.name})` : '';
  return views > 1 ? `View ${index + 1}${file}` : `This image${file}`;
}

interface FlaggedView extends ViewLabel {
  index: number;
  logit: number;
  byInside: boolean; // the whole image passed; the film inside its blank border did not
}

/** A view whose whole image passed but whose film inside the blank border did not: part of the chest is missing. */
export function partialFilmWarning(f: FlaggedView, threshold: number, views: number): string {
  const which = viewName(f, f.index, views);
  const wide = f.inside ? wideEdges(f.inside.bands) : [];
  const edges = wide.length ? `, along its ${wide.join(' and ')} edge${wide.length > 1 ? 's' : ''}` : '';
  const share = Math.round(100 * (f.inside?.blankShare ?? 0));
  return (
    `${which} is ${share} % blank (one flat grey value${edges}), and the film inside that border does not look like a whole frontal ` +
    `chest (detector score ${f.logit.toFixed(1)} > ${threshold.toFixed(1)}): part of the chest may be cut off or missing. ` +
    'The draft is unreliable: use the complete radiograph.'
  );
}

/** A view the detector passes, blank along one edge for a quarter or more of the image and not along the opposite
 *  one: the film may stop short there (a cut-off lung base hides an effusion). A note, not a reason to withhold. */
export function oneSidedBlankNote(label: ViewLabel, index: number, views: number): string | null {
  const band = label.inside ? oneSidedBand(label.inside.bands) : null;
  if (!band) return null;
  const which = viewName(label, index, views);
  const side = band.edge === 'top' || band.edge === 'bottom' ? 'height' : 'width';
  return (
    `${which} is blank along its ${band.edge} edge for ${Math.round(100 * band.share)} % of its ${side}, and not along the opposite one: ` +
    'if part of the film is missing there, the draft cannot describe it (a cut-off lung base hides an effusion). Check that the whole chest is on the film.'
  );
}

export function detectorWarning(flagged: FlaggedView[], threshold: number, views: number): string {
  const partial = flagged.filter((f) => f.byInside);
  if (partial.length === flagged.length) return partial.map((f) => partialFilmWarning(f, threshold, views)).join(' ');
  const which =
    views > 1
      ? flagged.map((f) => `view ${f.index + 1}${f.name ? ` (${f.name})` : ''}`).join(' and ')
      : `this image${flagged[0].name ? ` (${flagged[0].name})` : ''}`;
  const scores = flagged.map((f) => f.logit.toFixed(1)).join(', ');
  const lateral = flagged.some((f) => f.view === 'lateral')
    ? ' This model was trained on frontal views only: open the frontal image on its own for a draft from it alone.'
    : '';
  return (
    `${which.charAt(0).toUpperCase()}${which.slice(1)} ${flagged.length > 1 ? 'do' : 'does'} not look like a frontal chest radiograph ` +
    `(detector score ${scores} > ${threshold.toFixed(1)}): it may be a document, a photo or screenshot, a lateral view, ` +
    'another body part, or a rotated, inverted or cropped image. The draft is unreliable: use a frontal (PA or AP) chest X-ray.' +
    lateral
  );
}

/**
 * pImg [E]: image_embeds averaged over views; logits [V]: the detector's per view, or null without one;
 * labels: the views' file names, kinds and blank borders, for the message; insideLogits [V]: the detector on the film
 * inside each view's blank border (NaN where a view has none). A view's logit is the higher of the two.
 */
export function checkOod(
  pImg: Float32Array,
  stats: OodStats,
  logits: Float32Array | null = null,
  labels: readonly ViewLabel[] = [],
  insideLogits: Float32Array | null = null,
): OodResult {
  const score = diagMahalanobis(pImg, stats.mean, stats.var);
  if (!logits || !stats.detector)
    return { score, threshold: stats.threshold, detector: null, warning: score > stats.threshold ? oodWarning(score, stats.threshold) : null };
  const threshold = stats.detector.threshold;
  const views = Array.from(logits, (whole, index) => {
    const inside = insideLogits?.[index] ?? Number.NaN; // NaN: the view has no blank border
    const logit = Number.isNaN(inside) ? whole : Math.max(whole, inside);
    return { ...labels[index], index, logit, byInside: whole <= threshold && inside > threshold };
  });
  const flagged = views.filter((f) => f.logit > threshold);
  const detector = { logits: views.map((v) => v.logit), threshold };
  let warning: string | null = null;
  if (flagged.length) warning = detectorWarning(flagged, threshold, views.length);
  else if (score > stats.threshold) warning = oodWarning(score, stats.threshold);
  const notes = views.flatMap((v) => {
    const note = v.logit > threshold ? null : oneSidedBlankNote(v, v.index, views.length); // a flagged view has its own words
    return note ? [note] : [];
  });
  if (notes.length) warning = [warning, ...notes].filter(Boolean).join(' ');
  return { score, threshold: stats.threshold, detector, warning };
}

/** The detector says at least one view is not a frontal chest radiograph (the page then withholds the draft). */
export const detectorFlagged = (r: OodResult): boolean => !!r.detector && r.detector.logits.some((x) => x > r.detector!.threshold);

export function colourWarning(name: string | undefined): string {
  return (
    `The image${name ? ` ${name}` : ''} is in colour, but chest radiographs are grey. ` +
    'The draft is unreliable: check you chose an X-ray, not a photo or a screenshot.'
  );
}

/** A film smaller than the model's S×S input is enlarged to fill it, and enlarging adds no detail. */
export const isEnlarged = (width: number, height: number, inputSize: number): boolean => Math.max(width, height) < inputSize;

/** The evaluation's 64-pixel films (NIH) were drafted with almost none of their labelled findings (docs/RESULTS.md,
 *  per source), while the OOD checks pass them as radiographs. null when the film was not enlarged. */
export function lowResolutionWarning(name: string | undefined, width: number, height: number, inputSize: number): string | null {
  if (!isEnlarged(width, height, inputSize)) return null;
  return (
    `The image${name ? ` ${name}` : ''} is ${width}×${height} pixels, smaller than the ${inputSize}×${inputSize} the model reads, so it was ` +
    'enlarged, and enlarging adds no detail: on 64-pixel films the drafts named almost none of the findings. Use the original, full-size radiograph.'
  );
}

/** What one view's own file says about the draft: a colour image, a film enlarged to the model input. */
export function inputWarnings(im: Pick<ImageTensor, 'name' | 'isColour' | 'size' | 'sourceWidth' | 'sourceHeight'>): string[] {
  const small = im.sourceWidth && im.sourceHeight ? lowResolutionWarning(im.name, im.sourceWidth, im.sourceHeight, im.size) : null;
  return [...(im.isColour ? [colourWarning(im.name)] : []), ...(small ? [small] : [])];
}
