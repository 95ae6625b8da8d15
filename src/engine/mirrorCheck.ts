// "Is this film shown mirrored?" The mirror check (training/mirror_check.py) is a small network whose logit per view
// is antisymmetric: a film and its left–right mirror image score opposite. Above the manifest's threshold, the heart
// and the aortic knob sit on the image's left: either the film was saved flipped, and every side the draft names is
// the wrong one, or the patient has dextrocardia. So the page notes it and offers the flip; it never withholds.
import { FIX_ACTIONS } from '../image';
import { ModelManifestError } from './errors';
import { viewName, type ViewLabel } from './ood';
import type { OodResult, ViewFix } from './types';

/** The mirror check as the manifest keeps it (`mirror_check`): pixels [V,1,S,S] → mirror_logit [V]. */
export interface MirrorCheckEntry {
  path: string;
  bytes: number;
  sha256: string;
  threshold: number; // > threshold: the view looks mirrored (the val films' (1 − false_alarm) quantile)
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
}

export function checkMirrorCheck(entry: Partial<MirrorCheckEntry>): void {
  const ok = typeof entry.path === 'string' && Number.isInteger(entry.bytes) && typeof entry.sha256 === 'string' && Number.isFinite(entry.threshold);
  if (!ok)
    throw new ModelManifestError("manifest.json's mirror_check needs a path, bytes, sha256 and a numeric threshold; re-run `npm run mirror-check -- --write`.");
}

/**
 * The views to offer a flip: logits [V] the mirror check's, above threshold, for views that are not lateral (a lateral
 * film faces either way) and that the OOD detector passed (a view it flags has its own words). ViewFix.logit is the
 * mirror check's logit once flipped: −logit.
 */
export function mirrorFixes(logits: Float32Array | null, threshold: number, labels: readonly ViewLabel[], ood: Pick<OodResult, 'detector'>): ViewFix[] {
  if (!logits) return [];
  const flagged = (v: number) => !!ood.detector && ood.detector.logits[v] > ood.detector.threshold;
  return Array.from(logits).flatMap((logit, view) =>
    logit > threshold && labels[view]?.view !== 'lateral' && !flagged(view) ? [{ view, fix: 'flip' as const, logit: -logit }] : [],
  );
}

/** What to tell the person about one view that looks mirrored. */
export function mirrorNote(fix: ViewFix, label: ViewLabel, threshold: number, views: number): string {
  const which = viewName(label, fix.view, views);
  return (
    `${which} looks mirrored: the heart and the aortic arch are on the image's left (mirror check ${(-fix.logit).toFixed(1)} > ${threshold.toFixed(1)}). ` +
    `If the film was saved flipped, every side the draft names is the wrong one: ${FIX_ACTIONS.flip} and draft again. ` +
    'If the patient has dextrocardia, the film is right as it is: check the side marker.'
  );
}

/** The OOD result with the mirror fixes added to its fixes, and their notes after its warning. */
export function withMirrorFixes(ood: OodResult, fixes: ViewFix[], threshold: number, labels: readonly ViewLabel[], views: number): OodResult {
  if (!fixes.length) return ood;
  const notes = fixes.map((f) => mirrorNote(f, labels[f.view] ?? {}, threshold, views));
  return { ...ood, fixes: [...(ood.fixes ?? []), ...fixes], warning: [ood.warning, ...notes].filter(Boolean).join(' ') };
}
