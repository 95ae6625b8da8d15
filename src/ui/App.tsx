// The page: images on a dark panel (drop, a zoomable, windowable viewer per view, heatmap overlay), the draft report on a light panel
// beside it (progress, warnings, grounded words, edit, export), then self-refinement, backend and offline.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { detectorFlagged } from '../engine/ood';
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
import { ReportPanel } from './components/ReportPanel';
import { UpdateNotice } from './components/UpdateNotice';
import { ViewerOptions } from './components/ViewerOptions';
import { useEditableReport } from './hooks/useEditableReport';
import { useEngine } from './hooks/useEngine';
import { useImages } from './hooks/useImages';
import { useOfflineCache } from './hooks/useOfflineCache';
import { useUpdates } from './hooks/useUpdates';
import { useViewsLinked } from './hooks/useViewState';
import { fnv1a } from './lib/checksum';
import { hottestCaption } from './lib/hotRegion';
import { engineOrder, studyKeyOf } from './lib/inputImage';
import { refinementDefaults, type RefinementSettings } from './lib/refinementSettings';
import { focusCaption, focusedMap, type MapFocus } from './lib/mapFocus';
import { LOAD_STAGES, RUN_STAGES } from './lib/progress';
import type { ExportContext } from './lib/reportExport';
import { segmentReport } from './lib/reportSegments';
import { ViewStore } from './lib/viewStore';
import { draftWarnings } from './lib/warnings';
import type { ReportResult } from '../engine/types';

/** Where view v of the study sits in the draft's heatmaps (-1: the draft was not made from it). */
const draftIndex = (result: ReportResult | null, v: number): number => (result?.draftViews ? result.draftViews.indexOf(v) : v);

export function App() {
  const forced = useMemo(() => deviceOverrideFromUrl(location.search), []);
  const [probe, setProbe] = useState<BackendChoice | null>(null);
  useEffect(() => {
    if (forced) setProbe({ backend: forced, reason: `chosen with ?device=${forced}` });
    else void probeWebGpu().then(setProbe);
  }, [forced]);

  const engine = useEngine(forced ?? 'auto');
  const { load, run } = engine;
  const images = useImages();
  const offline = useOfflineCache(load.phase === 'ready');
  const updates = useUpdates();
  const editable = useEditableReport(run.result);
  const [settings, setSettings] = useState<RefinementSettings | null>(null);
  const [opacity, setOpacity] = useState(0.6);
  const [hover, setHover] = useState<MapFocus | null>(null);
  const [pinned, setPinned] = useState<MapFocus | null>(null);
  const [draftedAt, setDraftedAt] = useState(new Date());

  const current = settings ?? refinementDefaults(load.manifest?.decoding);
  const ordered = useMemo(() => engineOrder(images.images), [images.images]);
  const [viewStore] = useState(() => new ViewStore());
  viewStore.setKeys(ordered.map((im) => im.key));
  const linked = useViewsLinked(viewStore);

  // One study at a time: a new drop forgets the previous draft, heatmaps and candidates at once, and a draft is
  // only ever shown beside the study it was made from.
  const [revealed, setRevealed] = useState<ReportResult | null>(null); // a withheld draft the person chose to see
  const onFiles = useCallback(
    (files: File[]) => {
      engine.reset();
      setRevealed(null);
      setHover(null);
      setPinned(null);
      void images.addFiles(files);
    },
    [engine, images],
  );
  const currentStudy = studyKeyOf(ordered);
  const needsViews = ordered.some((im) => im.view === 'unknown'); // two untagged images: the person says which is which
  const sameStudy = run.studyKey === currentStudy;

  const startRun = useCallback(() => {
    setHover(null);
    setPinned(null);
    void engine.generate(ordered, current).then(() => setDraftedAt(new Date()));
  }, [engine, ordered, current]);

  // A new study, a changed view or a freshly loaded model drafts again by itself.
  const studyKey = `${currentStudy}@${load.info?.backend ?? ''}`;
  const lastStudy = useRef('');
  useEffect(() => {
    if (load.phase !== 'ready' || ordered.length === 0 || needsViews || lastStudy.current === studyKey) return;
    lastStudy.current = studyKey;
    startRun();
  }, [load.phase, ordered.length, needsViews, studyKey, startRun]);

  const result = run.running || !sameStudy ? null : run.result;
  const segments = useMemo(() => (result ? segmentReport(result.tokens) : null), [result]);
  // The DICOM tags say "not a chest radiograph", or the study is laterals only: say so before any draft.
  const refusals = ordered.flatMap((im) => (im.notChestRadiograph ? [`${im.name}: ${im.notChestRadiograph}`] : []));
  const lateralOnly = ordered.length > 0 && ordered.every((im) => im.view === 'lateral');
  const withheldReason = refusals.length
    ? refusals.join(' ')
    : lateralOnly
      ? 'This study holds only a lateral view, and the model was trained on frontal (PA/AP) radiographs only.'
      : null;
  const withheld = !!result && (detectorFlagged(result.ood) || !!withheldReason) && revealed !== result;
  // The reason is said once: in the withheld box while the draft is hidden, in the warnings otherwise.
  const warnings = [...new Set([...refusals, ...draftWarnings(result)])].filter((w) => !(withheld && withheldReason?.includes(w)));
  const focus = hover ?? pinned;
  const caption =
    [
      focusCaption(segments, focus),
      hottestCaption(
        result,
        focus,
        ordered.map((im) => im.view),
      ),
    ]
      .filter(Boolean)
      .join(' ') || null;
  const modelInputs = useMemo(() => result?.views?.map((v) => fnv1a(v.grey)) ?? [], [result]);
  const maps = useMemo(() => ordered.map((_, v) => focusedMap(result, focus, draftIndex(result, v))), [ordered, result, focus]);

  const exportContext: ExportContext | null =
    result && load.info
      ? { report: editable.report, result, model: load.info, images: ordered.map((im) => ({ name: im.name, view: im.view })), timestamp: draftedAt }
      : null;

  const placeholder =
    load.phase === 'no-model' || load.phase === 'error'
      ? 'No draft can be written until a model is loaded.'
      : ordered.length === 0
        ? 'Drop a radiograph on the left panel, or choose a file: the draft appears here.'
        : needsViews
          ? 'Say which image is the frontal view and which the lateral (the View choice under each image): the draft is made from the frontal view.'
          : load.phase === 'loading'
            ? 'The draft starts as soon as the model has loaded.'
            : run.cancelled
              ? 'Drafting was cancelled.'
              : '';

  return (
    <div className="app">
      <Header probe={probe} info={load.info} offline={offline.phase} />
      <ClinicalNotice />
      <UpdateNotice updates={updates} />
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
                    onViewChange={(view) => images.setView(im.key, view)}
                  />
                ))}
              </div>
            ) : null}
          </ImageInput>
          <HeatmapLegend caption={caption} opacity={opacity} onOpacity={setOpacity} hasReport={!!result} />
        </section>
        <div className="side-panel">
          {load.phase === 'no-model' ? <ErrorMessage message={load.error} testId="model-error" /> : null}
          {load.phase === 'error' ? <ErrorMessage message={load.error} title="The model could not be loaded." testId="model-error" /> : null}
          {load.phase === 'loading' ? <ProgressPanel title="Loading the model" stages={LOAD_STAGES} progress={load.progress} testId="load-progress" /> : null}
          {run.running ? <ProgressPanel title="Drafting" stages={RUN_STAGES} progress={run.progress} onCancel={engine.cancel} testId="run-progress" /> : null}
          <ErrorMessage message={sameStudy ? run.error : null} title="The draft could not be written." testId="run-error" />
          <ReportPanel
            result={result}
            segments={segments}
            running={run.running}
            partial={run.partial}
            notFrontalChest={run.notFrontalChest || !!withheldReason}
            inputError={images.error}
            viewsNote={result?.viewsNote ?? null}
            warnings={warnings}
            editable={editable}
            exportContext={exportContext}
            pinned={pinned}
            onHover={setHover}
            onPin={setPinned}
            placeholder={placeholder}
            onRetry={sameStudy && (run.cancelled || run.error) && load.phase === 'ready' && ordered.length > 0 ? startRun : undefined}
            withheld={withheld}
            withheldReason={withheldReason}
            onReveal={() => setRevealed(result)}
          />
          <details className="panel" open={!!result}>
            <summary>Self-refinement{result ? `: ${result.candidates.length} candidates` : ''}</summary>
            <section aria-label="Self-refinement">
              <DecodingSettings
                value={current}
                onChange={setSettings}
                onRerun={startRun}
                canRun={load.phase === 'ready' && ordered.length > 0 && !needsViews && !run.running}
              />
              {result && !withheld ? <CandidatesPanel result={result} /> : null}
            </section>
          </details>
          <details className="panel">
            <summary>Backend and timings</summary>
            <BackendPanel
              info={load.info}
              about={load.manifest ? { intendedUse: load.manifest.intended_use, licence: load.manifest.licence } : null}
              probe={probe}
              device={engine.device}
              result={result}
              busy={run.running}
              onSwitch={engine.switchDevice}
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
