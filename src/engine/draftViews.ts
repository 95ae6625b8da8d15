// Which views of a study the draft is made from. The shipped models were trained on one frontal radiograph per
// report (no training source has a lateral or a second frontal), and averaging another film's tokens into the image
// prefix changes the draft: a normal film beside a COVID-19 film drafted "no acute cardiopulmonary process". So one
// frontal view is drafted (the first the detector passes), laterals only when the manifest's training.views lists
// 'lateral'. The other views are shown beside the draft, for reference, and the result says which views were used
// (ReportResult.draftViews).
import type { ModelManifest } from './manifest';
import type { OodResult, ReportResult, ViewFix } from './types';
import type { StudyIdentity, ViewKind } from '../image';

/** The manifest says the model saw lateral views in training (training.views includes "lateral"). */
export function trainedOnLaterals(manifest: Pick<ModelManifest, 'training'>): boolean {
  const views = (manifest.training as { views?: unknown } | undefined)?.views;
  return Array.isArray(views) && views.includes('lateral');
}

/**
 * The views a draft may be made from, in the order they are tried: each view that is not lateral (frontal ones
 * first, then those of unknown kind, each in the order given). A study of laterals only has one try, view 0 (it is
 * drafted from all of them, and the page withholds that draft with its reason).
 */
export function frontalCandidates(views: readonly (ViewKind | undefined)[]): number[] {
  const rank = (i: number): number => (views[i] === 'frontal' ? 0 : 1);
  const frontal = views.flatMap((v, i) => (v === 'lateral' ? [] : [i])).sort((a, b) => rank(a) - rank(b));
  return frontal.length > 0 ? frontal : views.length > 0 ? [0] : [];
}

/**
 * Indices of the views to draft from, given the one frontal view chosen (`frontal`): it alone, or it and every
 * lateral when the model knows laterals. A study of laterals only is drafted from all of them.
 */
export function draftViewIndices(views: readonly (ViewKind | undefined)[], frontal: number, lateralsKnown: boolean): number[] {
  if (views.every((v) => v === 'lateral')) return views.map((_, i) => i);
  const laterals = lateralsKnown ? views.flatMap((v, i) => (v === 'lateral' ? [i] : [])) : [];
  return [frontal, ...laterals];
}

export interface FrontalDraft {
  result: ReportResult;
  used: number[]; // input indices of the views drafted, in the order drafted
  flagged: number[]; // frontal views tried and flagged by the detector
  fixes: ViewFix[]; // every try's fixes, by input index
}

/**
 * Draft from one frontal view: the first of `frontalCandidates` that the OOD detector passes, each tried alone
 * (with the laterals when the model knows them) by `draft`. When every one is flagged, the first try stands (the
 * page withholds it, with the detector's reason).
 */
export async function draftOneFrontal(
  views: readonly (ViewKind | undefined)[],
  lateralsKnown: boolean,
  draft: (indices: number[]) => Promise<ReportResult>,
): Promise<FrontalDraft> {
  const flagged: number[] = [];
  const fixes: ViewFix[] = [];
  let first: { result: ReportResult; used: number[] } | null = null;
  for (const frontal of frontalCandidates(views)) {
    const used = draftViewIndices(views, frontal, lateralsKnown);
    const result = await draft(used);
    fixes.push(...(result.ood.fixes ?? []).map((f) => ({ ...f, view: used[f.view] })));
    if (!detectorFlaggedViews(result.ood, used).includes(frontal)) return { result, used, flagged, fixes };
    first ??= { result, used };
    flagged.push(frontal);
  }
  if (!first) throw new RangeError('draftOneFrontal: a study needs at least one view');
  return { ...first, flagged, fixes };
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
  const name = (i: number): string => imageLabel(views, i);
  const left = views.map((_, i) => i).filter((i) => !used.includes(i));
  const why = (i: number): string => {
    if (flagged.includes(i) && views[i].view !== 'lateral') return `${name(i)}, which does not look like a frontal chest radiograph,`;
    if (views[i].view === 'lateral') return `the lateral ${name(i)}`;
    return views[i].view === 'frontal' ? `${name(i)}, a second frontal view,` : `${name(i)}, another view,`;
  };
  const secondFrontal = left.some((i) => views[i].view !== 'lateral' && !flagged.includes(i));
  return (
    `The draft is made from ${secondFrontal ? 'one' : 'the'} frontal view only: ${used.map(name).join(' and ')}. ` +
    `${capital(left.map(why).join(' and '))} ${left.length > 1 ? 'are' : 'is'} shown for reference and did not change the draft: ` +
    (secondFrontal
      ? 'this model reads one frontal view per report. To draft from the other one instead, open it on its own or put it first.'
      : 'this model was trained on frontal views only.')
  );
}

/**
 * What the DICOM tags say about images given as one study that are not: another patient (a warning: the wrong film
 * may have been dropped), or another study of the same patient (a prior: the draft describes one film, not a
 * comparison). Null when they agree or a file does not say.
 */
export function studyMismatch(
  views: readonly { name?: string; study?: StudyIdentity }[],
  used: readonly number[],
): { patients: boolean; message: string } | null {
  if (views.length < 2) return null;
  const [a, b] = [views[0], views[1]];
  const both = (key: keyof StudyIdentity): boolean => !!a.study?.[key] && !!b.study?.[key];
  const differ = (key: keyof StudyIdentity): boolean => both(key) && a.study?.[key] !== b.study?.[key];
  const label = (i: number): string => imageLabel(views, i);
  const drafted = used.length === 1 ? `the draft is of ${label(used[0])} alone` : 'the draft is of both';
  if (differ('patientId')) {
    return {
      patients: true,
      message:
        `${capital(label(0))} and ${label(1)} are from different patients (their DICOM Patient IDs differ): Serpent reads one patient's ` +
        `study at a time, and ${drafted}. Check that the right films were opened.`,
    };
  }
  if (differ('studyUid')) {
    const dates =
      both('studyDate') && a.study?.studyDate !== b.study?.studyDate ? ` (study dates ${isoDate(a.study?.studyDate)} and ${isoDate(b.study?.studyDate)})` : '';
    return {
      patients: false,
      message: `${capital(label(0))} and ${label(1)} are from different studies${dates}: ${drafted}, and it describes that film, not a comparison.`,
    };
  }
  return null;
}

const isoDate = (d: string | undefined): string => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : (d ?? ''));

/** "image 2 (b.dcm)": a view as the notes name it. */
const imageLabel = (views: readonly { name?: string }[], i: number): string => `image ${i + 1}${views[i].name ? ` (${views[i].name})` : ''}`;

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
