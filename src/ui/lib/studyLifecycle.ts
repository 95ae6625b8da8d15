// The page's study lifecycle as data: one state per phase and a pure reducer over the engine's events.
//   empty (no images) → loading (the study waits for the model or for its views to be named) → drafting →
//   draft | withheld (the detector or the DICOM tags say this is no frontal chest film; shown on request) | error
//   (the draft failed or was cancelled; it can be asked again, unless the images themselves cannot be drafted).
// The reducer holds the draft of one study at a time (empty, drafting, draft, withheld, error); studyPhase adds
// empty and loading from the images on the page. useStudy runs the engine and dispatches.
import type { ProgressEvent, ReportResult } from '../../engine/types';
import type { InputImage } from './inputImage';
import { initialProgress, progressReducer, type ProgressState } from './progress';

export type StudyPhase = 'empty' | 'loading' | 'drafting' | 'draft' | 'withheld' | 'error';

interface OfStudy {
  runId: number;
  studyKey: string; // the study the run drafts (studyKeyOf): its draft is shown only beside that study
}

export type DraftState =
  | { phase: 'empty' }
  | (OfStudy & { phase: 'drafting'; progress: ProgressState; partial: string; notFrontalChest: boolean })
  | (OfStudy & { phase: 'draft' | 'withheld'; result: ReportResult; draftedAt: Date })
  | (OfStudy & { phase: 'error'; message: string | null; cancelled: boolean; retryable: boolean });

export type DraftAction =
  | { type: 'reset' } // a new study, or another backend: forget the draft
  | { type: 'start'; runId: number; studyKey: string }
  | { type: 'stage'; runId: number; event: ProgressEvent }
  | { type: 'token'; runId: number; text: string }
  | { type: 'finish'; runId: number; result: ReportResult; withheld: boolean; at: Date }
  | { type: 'fail'; runId: number; message: string; retryable: boolean } // retryable: not the images' own fault
  | { type: 'cancel'; runId: number }
  | { type: 'reveal' }; // the person asked to see a withheld draft

export const EMPTY_DRAFT: DraftState = { phase: 'empty' };

function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => /\w/.test(w)).length;
}

export function draftReducer(state: DraftState, action: DraftAction): DraftState {
  if (action.type === 'reset') return EMPTY_DRAFT;
  if (action.type === 'start') {
    return { phase: 'drafting', runId: action.runId, studyKey: action.studyKey, progress: initialProgress(), partial: '', notFrontalChest: false };
  }
  if (action.type === 'reveal') return state.phase === 'withheld' ? { ...state, phase: 'draft' } : state;
  // The rest are a run's own events: a run that was replaced or reset cannot write any more.
  if (state.phase !== 'drafting' || state.runId !== action.runId) return state;
  const run = { runId: state.runId, studyKey: state.studyKey };
  switch (action.type) {
    case 'stage':
      return { ...state, notFrontalChest: state.notFrontalChest || !!action.event.notFrontalChest, progress: progressReducer(state.progress, action.event) };
    case 'token':
      return { ...state, partial: action.text, progress: progressReducer(state.progress, { stage: 'decode', loaded: countWords(action.text) }) };
    case 'finish':
      return { ...run, phase: action.withheld ? 'withheld' : 'draft', result: action.result, draftedAt: action.at };
    case 'fail':
      return { ...run, phase: 'error', message: action.message, cancelled: false, retryable: action.retryable };
    case 'cancel':
      return { ...run, phase: 'error', message: null, cancelled: true, retryable: true };
  }
}

/** The page's phase: the draft's, when it belongs to the study on the page (a draft in progress always shows). */
export function studyPhase(draft: DraftState, studyKey: string, hasImages: boolean): StudyPhase {
  if (draft.phase === 'drafting') return 'drafting';
  if (!hasImages) return 'empty';
  return draft.phase !== 'empty' && draft.studyKey === studyKey ? draft.phase : 'loading';
}

/** Why the study's draft is withheld before any model output: the DICOM tags say "not a chest radiograph", or the
 *  study holds laterals only. Null when nothing in the images says so. */
export function withheldReasonOf(images: readonly InputImage[]): { reason: string | null; refusals: string[] } {
  const refusals = images.flatMap((im) => (im.notChestRadiograph ? [`${im.name}: ${im.notChestRadiograph}`] : []));
  if (refusals.length) return { reason: refusals.join(' '), refusals };
  const lateralOnly = images.length > 0 && images.every((im) => im.view === 'lateral');
  return { reason: lateralOnly ? 'This study holds only a lateral view, and the model was trained on frontal (PA/AP) radiographs only.' : null, refusals };
}

export type LoadPhase = 'loading' | 'ready' | 'no-model' | 'error';

/** What the report panel says while there is no draft to show. */
export function placeholderFor(load: LoadPhase, hasImages: boolean, needsViews: boolean, cancelled: boolean): string {
  if (load === 'no-model' || load === 'error') return 'No draft can be written until a model is loaded.';
  if (!hasImages) return 'Drop a radiograph on the left panel, or choose a file: the draft appears here.';
  if (needsViews)
    return 'Say which image is the frontal view and which the lateral (the View choice under each image): the draft is made from the frontal view.';
  if (load === 'loading') return 'The draft starts as soon as the model has loaded.';
  return cancelled ? 'Drafting was cancelled.' : '';
}
