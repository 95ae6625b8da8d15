// The one owner of the study on the page: drafts it with the loaded engine (by itself when a new study, a changed
// view or a freshly loaded model calls for it; again on request), streams progress and the partial draft into the
// lifecycle reducer (lib/studyLifecycle.ts), decides withheld or shown, and keeps the word the person hovers or pins.
// A new study or another backend forgets the draft, its heatmaps and candidates at once.
import { type RefObject, useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { DecodingDefaults } from '../../engine/manifest';
import { isCancelled, isInputError } from '../../engine/errors';
import { detectorFlagged } from '../../engine/ood';
import type { ReportEngine, ReportResult } from '../../engine/types';
import type { LoadState } from './useEngine';
import { engineOrder, type InputImage, studyKeyOf } from '../lib/inputImage';
import type { MapFocus } from '../lib/mapFocus';
import type { ProgressState } from '../lib/progress';
import { draftReducer, EMPTY_DRAFT, placeholderFor, type StudyPhase, studyPhase, withheldReasonOf } from '../lib/studyLifecycle';

export interface Study {
  phase: StudyPhase;
  result: ReportResult | null; // the draft of this study, shown or withheld
  draftedAt: Date | null;
  progress: ProgressState | null; // while drafting
  partial: string; // the best beam so far, while drafting
  notFrontalChest: boolean; // the detector or the tags say so: the streaming draft is not shown
  withheldReason: string | null; // the images' own reason to withhold (tags, laterals only); null for the detector
  refusals: string[]; // per image, the DICOM tags' reason
  error: string | null; // phase error, when the draft failed (not when it was cancelled)
  placeholder: string;
  canDraft: boolean; // a model is loaded and the study can be drafted now
  focus: { hover: MapFocus | null; pinned: MapFocus | null; onHover: (f: MapFocus | null) => void; onPin: (f: MapFocus | null) => void };
  draft: () => void; // draft (again) with the current settings
  retry?: () => void; // offered after a cancelled or failed draft, unless the images themselves were the trouble
  cancel: () => void;
  reveal: () => void; // show a withheld draft
  reset: () => void; // a new study or another backend: stop any run and forget its draft
}

/** `images` in the engine's order (engineOrder); `settings` the decoding settings a draft uses. */
export function useStudy(engine: RefObject<ReportEngine | null>, load: LoadState, images: InputImage[], settings: Partial<DecodingDefaults>): Study {
  const [draft, dispatch] = useReducer(draftReducer, EMPTY_DRAFT);
  const [hover, setHover] = useState<MapFocus | null>(null);
  const [pinned, setPinned] = useState<MapFocus | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const runIdRef = useRef(0);
  const autoDrafted = useRef(''); // the study@backend last drafted by itself

  const ordered = images; // in the engine's order (engineOrder)
  const studyKey = studyKeyOf(ordered);
  const hasImages = ordered.length > 0;
  const needsViews = ordered.some((im) => im.view === 'unknown'); // two untagged images: the person says which is which
  const { reason: withheldReason, refusals } = withheldReasonOf(ordered);
  const ready = load.phase === 'ready';

  const run = useCallback(
    async (study: InputImage[], decoding: Partial<DecodingDefaults>, withheldByImages: boolean): Promise<void> => {
      const current = engine.current;
      if (!current || study.length === 0) return;
      abortRef.current?.abort();
      const controller = new AbortController();
      abortRef.current = controller;
      const runId = ++runIdRef.current;
      setHover(null);
      setPinned(null);
      dispatch({ type: 'start', runId, studyKey: studyKeyOf(study) });
      try {
        const files = engineOrder(study).map((im) => ({ name: im.name, image: { ...im.decoded, data: im.decoded.data.slice() }, view: im.view }));
        const result = await current.generateFiles(
          files,
          { ...decoding, signal: controller.signal },
          { onStage: (event) => dispatch({ type: 'stage', runId, event }), onToken: (text) => dispatch({ type: 'token', runId, text }) },
        );
        dispatch({ type: 'finish', runId, result, withheld: detectorFlagged(result.ood) || withheldByImages, at: new Date() });
      } catch (err) {
        dispatch(isCancelled(err) ? { type: 'cancel', runId } : { type: 'fail', runId, message: (err as Error).message, retryable: !isInputError(err) });
      } finally {
        if (abortRef.current === controller) abortRef.current = null;
      }
    },
    [engine],
  );

  const draftNow = useCallback(() => void run(ordered, settings, !!withheldReason), [run, ordered, settings, withheldReason]);

  // A new study, a changed view or a freshly loaded model drafts again by itself.
  const autoKey = `${studyKey}@${load.info?.backend ?? ''}`;
  useEffect(() => {
    if (!ready || !hasImages || needsViews || autoDrafted.current === autoKey) return;
    autoDrafted.current = autoKey;
    draftNow();
  }, [ready, hasImages, needsViews, autoKey, draftNow]);

  const reset = useCallback(() => {
    abortRef.current?.abort();
    runIdRef.current++; // a run still finishing cannot write its result any more
    setHover(null);
    setPinned(null);
    dispatch({ type: 'reset' });
  }, []);

  const phase = studyPhase(draft, studyKey, hasImages);
  const shown = (phase === 'draft' || phase === 'withheld') && 'result' in draft ? draft : null;
  const cancelled = draft.phase === 'error' && draft.cancelled;
  return {
    phase,
    result: shown?.result ?? null,
    draftedAt: shown?.draftedAt ?? null,
    progress: draft.phase === 'drafting' ? draft.progress : null,
    partial: draft.phase === 'drafting' ? draft.partial : '',
    notFrontalChest: (draft.phase === 'drafting' && draft.notFrontalChest) || !!withheldReason,
    withheldReason,
    refusals,
    error: phase === 'error' && draft.phase === 'error' ? draft.message : null,
    placeholder: placeholderFor(load.phase, hasImages, needsViews, cancelled),
    canDraft: ready && hasImages && !needsViews && phase !== 'drafting',
    focus: { hover, pinned, onHover: setHover, onPin: setPinned },
    draft: draftNow,
    retry: phase === 'error' && draft.phase === 'error' && draft.retryable && ready && hasImages ? draftNow : undefined,
    cancel: () => abortRef.current?.abort(),
    reveal: () => dispatch({ type: 'reveal' }),
    reset,
  };
}
