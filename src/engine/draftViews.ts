// Which views of a study the draft is made from. The shipped models were trained on frontal radiographs only
// (no training source has a lateral), and averaging a lateral's tokens into the image prefix changes the frontal's
// draft, so laterals are left out unless the manifest's training.views lists 'lateral'. A lateral is still shown
// beside the draft, for reference, and the result says which views were used (ReportResult.draftViews).
import type { ModelManifest } from './manifest';
import type { OodResult } from './types';
import type { ViewKind } from '../image';

/** The manifest says the model saw lateral views in training (training.views includes "lateral"). */
export function trainedOnLaterals(manifest: Pick<ModelManifest, 'training'>): boolean {
  const views = (manifest.training as { views?: unknown } | undefined)?.views;
  return Array.isArray(views) && views.includes('lateral');
}

/**
 * Indices of the views to draft from: every view that is not lateral, or all of them when the model knows
 * laterals or when the study is laterals only (that draft is then withheld by the page, with its reason).
 */
export function draftViewIndices(views: readonly (ViewKind | undefined)[], lateralsKnown: boolean): number[] {
  const all = views.map((_, i) => i);
  if (lateralsKnown) return all;
  const frontal = all.filter((i) => views[i] !== 'lateral');
  return frontal.length > 0 ? frontal : all;
}

/** Input indices (from `used`, in the order drafted) of the views the OOD detector flagged. */
export function detectorFlaggedViews(ood: OodResult, used: readonly number[]): number[] {
  const d = ood.detector;
  return d ? used.filter((_, k) => (d.logits[k] ?? -Infinity) > d.threshold) : [];
}

/** The sentence that says how the views were used, or null when every view went into the draft. */
export function draftViewsNote(views: readonly { name?: string; view?: ViewKind }[], used: readonly number[], flagged: readonly number[] = []): string | null {
  if (used.length === views.length) {
    if (views.length > 0 && views.every((v) => v.view === 'lateral')) {
      return (
        'This study holds only a lateral view, and the model was trained on frontal (PA/AP) radiographs only: its draft would describe a view it ' +
        'has never seen.'
      );
    }
    return null;
  }
  const name = (i: number): string => `image ${i + 1}${views[i].name ? ` (${views[i].name})` : ''}`;
  const left = views.map((_, i) => i).filter((i) => !used.includes(i));
  const why = (i: number): string =>
    flagged.includes(i) && views[i].view !== 'lateral' ? `${name(i)}, which does not look like a frontal chest radiograph,` : `the lateral ${name(i)}`;
  return (
    `The draft is made from the frontal view only: ${used.map(name).join(' and ')}. ` +
    `${capital(left.map(why).join(' and '))} ${left.length > 1 ? 'are' : 'is'} shown for reference and did not change the draft: this model was ` +
    `trained on frontal views only.`
  );
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
