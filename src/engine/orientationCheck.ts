// "Would it pass if it were the right way up?" For each view the OOD detector flags on its own (not for a blank
// border), the detector scores the view turned a quarter turn either way, half a turn, and with its greys inverted
// (in one call; the detector is 32 k parameters). The correction with the lowest score below the threshold is the
// fix the page offers. On val, each of 204 radiographs turned on its side, upside down or inverted was given its
// right fix, and 3 of 300 other images (icons, photos) a spurious one (docs/RESULTS.md).
import { type DetectorFix, ORIENTATION_FIXES, type OrientationFix, turnPixels, FIX_ACTIONS } from '../image';
import type { ModelManifest } from './manifest';
import { mirrorFixes, withMirrorFixes } from './mirrorCheck';
import { checkOod, viewName, type ViewLabel } from './ood';
import type { EncodedImages, OnnxReportModel } from './onnxModel';
import type { ImageTensor, OodResult, ViewFix } from './types';

/** A fix the detector found: a turn or an inversion (the mirror check's flip has its own words, mirrorCheck.ts). */
type DetectorViewFix = ViewFix & { fix: DetectorFix };

/** view.data [S*S] (normalised) corrected: turned, or its film's greys inverted inside the black padding. */
export function fixedTensor(
  view: Pick<ImageTensor, 'data' | 'size' | 'content'>,
  fix: OrientationFix,
  pre: Pick<ModelManifest['preprocessing'], 'pixel_mean' | 'pixel_std'>,
): Float32Array {
  const S = view.size;
  if (fix !== 'invert') return turnPixels(view.data, S, S, fix).data;
  const { pixel_mean: mean, pixel_std: std } = pre;
  const out = view.data.slice();
  const { x, y, width, height } = view.content ?? { x: 0, y: 0, width: S, height: S };
  const flip = (1 - 2 * mean) / std; // unit u → 1 − u, in normalised terms: v → (1 − 2·mean)/std − v
  for (let r = y; r < y + height; r++) for (let c = x; c < x + width; c++) out[r * S + c] = flip - out[r * S + c];
  return out;
}

/**
 * The fixes for the views the detector flags as given: whole [V], its logit on each whole view (a view flagged only
 * inside a blank border is left out: no turn mends a missing half). detect scores tensors [S*S], one logit each.
 */
export async function findFixes(
  images: readonly ImageTensor[],
  whole: Float32Array | null,
  threshold: number,
  pre: Pick<ModelManifest['preprocessing'], 'pixel_mean' | 'pixel_std'>,
  detect: (tensors: Float32Array[]) => Promise<Float32Array | null>,
): Promise<DetectorViewFix[]> {
  const flagged = whole ? images.flatMap((im, view) => (whole[view] > threshold ? [{ im, view }] : [])) : [];
  if (!flagged.length) return [];
  const n = ORIENTATION_FIXES.length;
  const logits = await detect(flagged.flatMap(({ im }) => ORIENTATION_FIXES.map((fix) => fixedTensor(im, fix, pre)))); // [flagged × n]
  if (!logits) return [];
  return flagged.flatMap(({ view }, k) => {
    let best = 0;
    for (let f = 1; f < n; f++) if (logits[k * n + f] < logits[k * n + best]) best = f;
    const logit = logits[k * n + best];
    return logit <= threshold ? [{ view, fix: ORIENTATION_FIXES[best], logit }] : [];
  });
}

const LOOKS: Record<DetectorFix, string> = {
  turn_right: 'lying on its side',
  turn_left: 'lying on its side',
  turn_half: 'upside down',
  invert: 'with its greys inverted (bone dark, lungs light: a MONOCHROME1 film saved without its photometric interpretation looks like this)',
};

const OR_ELSE: Record<DetectorFix, string> = {
  turn_right: 'export the film the right way up',
  turn_left: 'export the film the right way up',
  turn_half: 'export the film the right way up',
  invert: 'export it again from the DICOM file, whose photometric interpretation the viewer applies',
};

/** What to tell the person about one fixable view. */
export function fixWarning(fix: DetectorViewFix, label: ViewLabel, given: number, threshold: number, views: number): string {
  const which = viewName(label, fix.view, views);
  return (
    `${which} looks like a frontal chest radiograph ${LOOKS[fix.fix]}: ${FIX_ACTIONS[fix.fix]} and the detector passes it ` +
    `(score ${fix.logit.toFixed(1)} ≤ ${threshold.toFixed(1)}; as given, ${given.toFixed(1)}). The draft as given is unreliable: ` +
    `${FIX_ACTIONS[fix.fix]} and draft again, or ${OR_ELSE[fix.fix]}.`
  );
}

/** The engine's OOD verdict on encoded views: checkOod (each image, and the film inside a blank border), the fixes for
 *  the views flagged as given, then the flip for the views the mirror check finds mirrored. generateReport and the
 *  eval's OOD probe both call this one. */
export async function assessOod(
  model: Pick<OnnxReportModel, 'detectPixels'>,
  manifest: Pick<ModelManifest, 'ood' | 'preprocessing' | 'mirror_check'>,
  images: readonly ImageTensor[],
  encoded: Pick<EncodedImages, 'pImg' | 'oodLogits' | 'oodInsideLogits' | 'mirrorLogits'>,
): Promise<OodResult> {
  const checked = checkOod(encoded.pImg, manifest.ood, encoded.oodLogits, images, encoded.oodInsideLogits);
  const fixes = checked.detector
    ? await findFixes(images, encoded.oodLogits, checked.detector.threshold, manifest.preprocessing, (t) => model.detectPixels(t))
    : [];
  const ood = withFixes(checked, fixes, images);
  const mirror = manifest.mirror_check;
  if (!mirror) return ood;
  return withMirrorFixes(ood, mirrorFixes(encoded.mirrorLogits, mirror.threshold, images, ood), mirror.threshold, images, images.length);
}

/** The OOD result with the fixes, and its warning naming them: in place of the general words when every flagged view
 *  has a fix, after them otherwise. */
export function withFixes(ood: OodResult, fixes: DetectorViewFix[], labels: readonly ViewLabel[]): OodResult {
  if (!fixes.length || !ood.detector) return ood;
  const d = ood.detector;
  const said = fixes.map((f) => fixWarning(f, labels[f.view] ?? {}, d.logits[f.view], d.threshold, d.logits.length)).join(' ');
  const flagged = d.logits.filter((l) => l > d.threshold).length;
  return { ...ood, fixes, warning: flagged === fixes.length ? said : `${ood.warning ?? ''} ${said}`.trim() };
}
