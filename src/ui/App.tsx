// The page: images on a dark panel (drop, a zoomable, windowable viewer per view, heatmap overlay), the draft report on a light panel
// beside it (progress, warnings, grounded words, edit, export), then self-refinement, backend and offline.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { deviceOverrideFromUrl, probeWebGpu, type BackendChoice } from '../engine/webgpuProbe';
import { BackendPanel } from './components/BackendPanel';
import { CandidatesPanel } from './components/CandidatesPanel';
import { ClinicalNotice } from './components/ClinicalNotice';
import { DecodingSettings } from './components/DecodingSettings';
import { ErrorMessage } from './components/ErrorMessage';
import { Header } from './components/Header';
import { HeatmapLegend } from './components/HeatmapLegend';
import { ImageInput } from './components/ImageInput';
import { ImageView } from './components/ImageView';
import { OfflinePanel } from './components/OfflinePanel';
import { ProgressPanel } from './components/ProgressPanel';
import { ReplacePrompt } from './components/ReplacePrompt';
import { ReportPanel } from './components/ReportPanel';
import { UpdateNotice } from './components/UpdateNotice';
import { ViewerOptions } from './components/ViewerOptions';
import { useEditableReport } from './hooks/useEditableReport';
import { useEngine } from './hooks/useEngine';
import { useStudy } from './hooks/useStudy';
import { useImages } from './hooks/useImages';
import { useOfflineCache } from './hooks/useOfflineCache';
import { useUnsavedWork } from './hooks/useUnsavedWork';
import { useUpdates } from './hooks/useUpdates';
import { useViewsLinked } from './hooks/useViewState';
import { fnv1a } from './lib/checksum';
import { modelLabel } from './lib/format';
import { hottestCaption } from './lib/hotRegion';
import { engineOrder } from './lib/inputImage';
import { refinementDefaults, type RefinementSettings } from './lib/refinementSettings';
import { findingName } from './lib/refinementSummary';
import { focusCaption, focusedMap } from './lib/mapFocus';
import { LOAD_STAGES, RUN_STAGES } from './lib/progress';
import type { Measurement } from './lib/measure';
import { downloadReportText } from './lib/download';
import type { ExportContext } from './lib/reportExport';
import { segmentReport } from './lib/reportSegments';
import { measurementCount, type WorkPart } from './lib/unsavedWork';
import { ViewStore } from './lib/viewStore';
import { draftWarnings } from './lib/warnings';
import type { ReportResult } from '../engine/types';
import { FIX_ACTIONS } from '../image/orientation';

/** A re-run, another view or another backend writes a new draft: the edits go, the measurements stay with the images. */
const EDITS: WorkPart[] = ['edits'];

/** Where view v of the study sits in the draft's heatmaps (-1: the draft was not made from it). */
const draftIndex = (result: ReportResult | null, v: number): number => (result?.draftViews ? result.draftViews.indexOf(v) : v);
/** View v is a frontal film the draft left out for another frontal one, and the detector has not flagged it. */
const anotherFrontal = (result: ReportResult | null, views: readonly { view: string }[], v: number): boolean =>
  !!result?.draftViews && !result.draftViews.includes(v) && views[v].view === 'frontal' && !result.flaggedViews?.includes(v);

export function App() {
  const forced = useMemo(() => deviceOverrideFromUrl(location.search), []);
  const [probe, setProbe] = useState<BackendChoice | null>(null);
  useEffect(() => {
    if (forced) setProbe({ backend: forced, reason: `chosen with ?device=${forced}` });
    else void probeWebGpu().then(setProbe);
  }, [forced]);

  const { load, engine, device, switchDevice, remeasure } = useEngine(forced ?? 'auto');
  const images = useImages();
  const offline = useOfflineCache(load.phase === 'ready' ? load.info : null);
  const updates = useUpdates();
  const [settings, setSettings] = useState<RefinementSettings | null>(null);
  const [opacity, setOpacity] = useState(0.6);

  const current = settings ?? refinementDefaults(load.info?.decoding);
  const ordered = useMemo(() => engineOrder(images.images), [images.images]);
  const [viewStore] = useState(() => new ViewStore());
  viewStore.setKeys(ordered.map((im) => im.key));
  const linked = useViewsLinked(viewStore);
  const [measured, setMeasured] = useState<Record<string, readonly Measurement[]>>({});
  const onMeasurements = useCallback((key: string, items: readonly Measurement[]) => setMeasured((m) => ({ ...m, [key]: items })), []);

  // One study at a time: a new drop forgets the previous draft, heatmaps and candidates at once, and a draft is
  // only ever shown beside the study it was made from (useStudy).
  const study = useStudy(engine, load, ordered, current);
  const { reset } = study;
  const result = study.result;
  const editable = useEditableReport(result);
  // Edits and measurements not yet copied or downloaded: an action that would drop them asks first.
  const shownMeasured = useMemo(() => Object.fromEntries(ordered.map((im) => [im.key, measured[im.key] ?? []])), [ordered, measured]);
  const work = useMemo(
    () => ({ edited: editable.edited, report: editable.report, measured: shownMeasured }),
    [editable.edited, editable.report, shownMeasured],
  );
  const unsaved = useUnsavedWork(work);
  const { guard } = unsaved;
  const onFiles = useCallback(
    (files: File[] | Promise<File[]>) =>
      guard('Replace this study with the new images', () => {
        reset();
        void images.addFiles(files);
      }, ['edits', 'measurements']),
    [guard, reset, images],
  );
  const segments = useMemo(() => (result ? segmentReport(result.tokens) : null), [result]);
  const withheld = study.phase === 'withheld';
  // The reason is said once: in the withheld box while the draft is hidden, in the warnings otherwise.
  const warnings = [...new Set([...study.refusals, ...draftWarnings(result)])].filter((w) => !(withheld && study.withheldReason?.includes(w)));
  const focus = study.focus.hover ?? study.focus.pinned;
  const views = ordered.map((im) => im.view);
  const secondLookNames = useMemo(() => result?.secondLookMap?.findings.map(findingName), [result]);
  const caption =
    [focusCaption(segments, focus, result?.sentenceMapSources, secondLookNames), hottestCaption(result, focus, views)].filter(Boolean).join(' ') || null;
  const modelInputs = useMemo(() => result?.views?.map((v) => fnv1a(v.grey)) ?? [], [result]);
  const maps = useMemo(() => ordered.map((_, v) => focusedMap(result, focus, draftIndex(result, v))), [ordered, result, focus]);

  // The detector passes a withheld image once turned or inverted, or the mirror check finds a film mirrored: one press
  // sets it right (a new study) and drafts it.
  const fixes = (result?.ood.fixes ?? []).flatMap((f) => {
    const im = ordered[f.view];
    if (!im) return [];
    const action = FIX_ACTIONS[f.fix];
    const label = `${ordered.length > 1 ? `View ${f.view + 1}: ${action}` : action.charAt(0).toUpperCase() + action.slice(1)} and draft again`;
    return [{ label, apply: () => guard('Set the image right and write the draft again', () => images.fix(im.key, f.fix), ['measurements']) }];
  });

  // A second frontal film left out of the draft: one press drafts from it instead (beside the note that says why).
  const draftFromOther = ordered.flatMap((im, v) =>
    anotherFrontal(result, ordered, v)
      ? [
          {
            key: im.key,
            label: `Draft from image ${v + 1} (${im.name}) instead`,
            apply: () => guard('Draft from this view instead', () => images.putFirst(im.key), EDITS),
          },
        ]
      : [],
  );

  const exportContext: ExportContext | null =
    result && load.info && study.draftedAt
      ? {
          report: editable.report,
          result,
          model: load.info,
          images: ordered.map((im) => ({ name: im.name, view: im.view, ...(im.fixes?.length ? { fixes: im.fixes } : {}) })),
          measurements: ordered.map((im) => ({ image: im.name, view: im.view, spacing: im.pixelSpacing, items: shownMeasured[im.key] })),
          timestamp: study.draftedAt,
        }
      : null;

  return (
    <div className="app">
      <Header probe={probe} info={load.info} offline={offline.phase} />
      <section className="notices" aria-label="Notices">
        <ClinicalNotice />
        <UpdateNotice updates={updates} />
      </section>
      <main className="workspace">
        <section className="image-panel" aria-label="Images">
          <ImageInput onFiles={onFiles} busy={images.busy} compact={ordered.length > 0}>
            {ordered.length ? <ViewerOptions views={ordered.length} linked={linked} onLinked={viewStore.setLinked} /> : null}
            {ordered.length ? (
              <div className={`views views-${ordered.length}`}>
                {ordered.map((im, v) => (
                  <ImageView
                    key={im.key}
                    image={im}
                    store={viewStore}
                    map={maps[v]}
                    drafted={!result?.draftViews || result.draftViews.includes(v)}
                    grid={result?.heatmap.grid ?? [1, 1]}
                    placement={result?.views?.[v] ?? null}
                    modelInput={modelInputs[v] ?? null}
                    opacity={opacity}
                    onViewChange={(view) => guard('Change the view and write the draft again', () => images.setView(im.key, view), EDITS)}
                    onDraftFromThis={draftFromOther.find((a) => a.key === im.key)?.apply}
                    onMeasurements={onMeasurements}
                    mapCaption={caption}
                    modelLabel={load.info ? modelLabel(load.info) : null}
                  />
                ))}
              </div>
            ) : null}
          </ImageInput>
          <HeatmapLegend caption={caption} opacity={opacity} onOpacity={setOpacity} hasReport={!!result} />
        </section>
        <div className="side-panel">
          {unsaved.pending ? (
            <ReplacePrompt
              pending={unsaved.pending}
              measurements={measurementCount(shownMeasured)}
              onSaveAndGo={
                exportContext
                  ? () => {
                      downloadReportText(exportContext);
                      unsaved.markSaved();
                      unsaved.confirm();
                    }
                  : null
              }
              onGo={unsaved.confirm}
              onKeep={unsaved.cancel}
            />
          ) : null}
          {load.phase === 'no-model' ? <ErrorMessage message={load.error} testId="model-error" /> : null}
          {load.phase === 'error' ? <ErrorMessage message={load.error} title="The model could not be loaded." testId="model-error" /> : null}
          {load.phase === 'loading' ? <ProgressPanel title="Loading the model" stages={LOAD_STAGES} progress={load.progress} testId="load-progress" /> : null}
          {study.progress ? (
            <ProgressPanel title="Drafting" stages={RUN_STAGES} progress={study.progress} onCancel={study.cancel} testId="run-progress" />
          ) : null}
          <ErrorMessage message={study.error} title="The draft could not be written." testId="run-error" />
          <ReportPanel
            study={study}
            segments={segments}
            warnings={warnings}
            editable={editable}
            exportContext={exportContext}
            inputError={images.error}
            secondLook={load.info?.secondLook}
            onSaved={unsaved.markSaved}
            fixes={fixes}
            viewActions={draftFromOther}
          />
          <details className="panel" open={!!result}>
            <summary>Self-refinement{result ? `: ${result.candidates.length} candidates` : ''}</summary>
            <section aria-label="Self-refinement">
              <DecodingSettings
                value={current}
                onChange={setSettings}
                onRerun={() => guard('Write a new draft in place of this one', study.draft, EDITS)}
                canRun={study.canDraft}
              />
              {result && !withheld ? <CandidatesPanel result={result} /> : null}
            </section>
          </details>
          <details className="panel">
            <summary>Backend and timings</summary>
            <BackendPanel
              info={load.info}
              probe={probe}
              device={device}
              result={result}
              busy={study.phase === 'drafting'}
              onSwitch={(next) =>
                guard(
                  'Switch the backend and write the draft again',
                  () => {
                    reset();
                    switchDevice(next);
                  },
                  EDITS,
                )
              }
              onRemeasure={() =>
                guard(
                  'Time the backends again and write the draft again',
                  () => {
                    reset();
                    remeasure();
                  },
                  EDITS,
                )
              }
            />
          </details>
          <details className="panel">
            <summary>Offline use</summary>
            <OfflinePanel offline={offline} updates={updates} onCheck={() => void updates.check()} onClear={() => void offline.clear()} />
          </details>
        </div>
      </main>
    </div>
  );
}
