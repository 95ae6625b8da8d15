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
import { ViewerOptions } from './components/ViewerOptions';
import { useEditableReport } from './hooks/useEditableReport';
import { useEngine } from './hooks/useEngine';
import { useImages } from './hooks/useImages';
import { useOfflineCache } from './hooks/useOfflineCache';
import { useViewsLinked } from './hooks/useViewState';
import { fnv1a } from './lib/checksum';
import { hottestCaption } from './lib/hotRegion';
import { engineOrder } from './lib/inputImage';
import { focusCaption, focusedMap, type MapFocus } from './lib/mapFocus';
import { LOAD_STAGES, RUN_STAGES } from './lib/progress';
import type { ExportContext } from './lib/reportExport';
import { segmentReport } from './lib/reportSegments';
import { ViewStore } from './lib/viewStore';
import { draftWarnings } from './lib/warnings';

const FALLBACK_SETTINGS = { beam: 3, beta: 1 };

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
  const editable = useEditableReport(run.result);
  const [settings, setSettings] = useState<{ beam: number; beta: number } | null>(null);
  const [opacity, setOpacity] = useState(0.6);
  const [hover, setHover] = useState<MapFocus | null>(null);
  const [pinned, setPinned] = useState<MapFocus | null>(null);
  const [draftedAt, setDraftedAt] = useState(new Date());

  const defaults = load.manifest?.decoding;
  const current = settings ?? (defaults ? { beam: defaults.beam, beta: defaults.beta } : FALLBACK_SETTINGS);
  const ordered = useMemo(() => engineOrder(images.images), [images.images]);
  const [viewStore] = useState(() => new ViewStore());
  viewStore.setKeys(ordered.map((im) => im.key));
  const linked = useViewsLinked(viewStore);

  const startRun = useCallback(() => {
    setHover(null);
    setPinned(null);
    void engine.generate(ordered, current).then(() => setDraftedAt(new Date()));
  }, [engine, ordered, current]);

  // A new study, a changed view or a freshly loaded model drafts again by itself.
  const studyKey = `${ordered.map((im) => `${im.key}:${im.view}`).join('|')}@${load.info?.backend ?? ''}`;
  const lastStudy = useRef('');
  useEffect(() => {
    if (load.phase !== 'ready' || ordered.length === 0 || lastStudy.current === studyKey) return;
    lastStudy.current = studyKey;
    startRun();
  }, [load.phase, ordered.length, studyKey, startRun]);

  const result = run.running ? null : run.result;
  const segments = useMemo(() => (result ? segmentReport(result.tokens) : null), [result]);
  const warnings = useMemo(() => draftWarnings(result), [result]);
  const [revealed, setRevealed] = useState<typeof result>(null); // a withheld draft the person chose to see
  const withheld = !!result && detectorFlagged(result.ood) && revealed !== result;
  const focus = hover ?? pinned;
  const caption = [focusCaption(segments, focus), hottestCaption(result, focus, ordered.map((im) => im.view))].filter(Boolean).join(' ') || null;
  const modelInputs = useMemo(() => result?.views?.map((v) => fnv1a(v.grey)) ?? [], [result]);
  const maps = useMemo(() => ordered.map((_, v) => focusedMap(result, focus, v)), [ordered, result, focus]);

  const exportContext: ExportContext | null =
    result && load.info
      ? { report: editable.report, result, model: load.info, images: ordered.map((im) => ({ name: im.name, view: im.view })), timestamp: draftedAt }
      : null;

  const placeholder =
    load.phase === 'no-model' || load.phase === 'error'
      ? 'No draft can be written until a model is loaded.'
      : ordered.length === 0
        ? 'Drop a radiograph on the left panel, or choose a file: the draft appears here.'
        : load.phase === 'loading'
          ? 'The draft starts as soon as the model has loaded.'
          : run.cancelled
            ? 'Drafting was cancelled.'
            : '';

  return (
    <div className="app">
      <Header probe={probe} info={load.info} offline={offline.phase} />
      <ClinicalNotice />
      <main className="workspace">
        <section className="image-panel" aria-label="Images">
          <ImageInput onFiles={(files) => void images.addFiles(files)} busy={images.busy} compact={ordered.length > 0}>
            {ordered.length ? <ViewerOptions views={ordered.length} linked={linked} onLinked={viewStore.setLinked} /> : null}
            {ordered.length ? (
              <div className={`views views-${ordered.length}`}>
                {ordered.map((im, v) => (
                  <ImageView
                    key={im.key}
                    image={im}
                    store={viewStore}
                    map={maps[v]}
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
          <ErrorMessage message={images.error} title="This file cannot be read." testId="input-error" />
          <HeatmapLegend caption={caption} opacity={opacity} onOpacity={setOpacity} hasReport={!!result} />
        </section>
        <div className="side-panel">
          {load.phase === 'no-model' ? <ErrorMessage message={load.error} testId="model-error" /> : null}
          {load.phase === 'error' ? <ErrorMessage message={load.error} title="The model could not be loaded." testId="model-error" /> : null}
          {load.phase === 'loading' ? <ProgressPanel title="Loading the model" stages={LOAD_STAGES} progress={load.progress} testId="load-progress" /> : null}
          {run.running ? <ProgressPanel title="Drafting" stages={RUN_STAGES} progress={run.progress} onCancel={engine.cancel} testId="run-progress" /> : null}
          <ErrorMessage message={run.error} title="The draft could not be written." testId="run-error" />
          <ReportPanel
            result={result}
            segments={segments}
            running={run.running}
            partial={run.partial}
            notFrontalChest={run.notFrontalChest}
            warnings={warnings}
            editable={editable}
            exportContext={exportContext}
            pinned={pinned}
            onHover={setHover}
            onPin={setPinned}
            placeholder={placeholder}
            onRetry={(run.cancelled || run.error) && load.phase === 'ready' && ordered.length > 0 ? startRun : undefined}
            withheld={withheld}
            onReveal={() => setRevealed(result)}
          />
          <details className="panel" open={!!result}>
            <summary>Self-refinement{result ? `: ${result.candidates.length} candidates` : ''}</summary>
            <section aria-label="Self-refinement">
              <DecodingSettings
                beam={current.beam}
                beta={current.beta}
                onBeam={(beam) => setSettings({ ...current, beam })}
                onBeta={(beta) => setSettings({ ...current, beta })}
                onRerun={startRun}
                canRun={load.phase === 'ready' && ordered.length > 0 && !run.running}
              />
              {result && !withheld ? <CandidatesPanel result={result} /> : null}
            </section>
          </details>
          <details className="panel">
            <summary>Backend and timings</summary>
            <BackendPanel info={load.info} about={load.manifest ? { intendedUse: load.manifest.intended_use, licence: load.manifest.licence } : null} probe={probe} device={engine.device} result={result} busy={run.running} onSwitch={engine.switchDevice} />
          </details>
          <details className="panel">
            <summary>Offline use</summary>
            <OfflinePanel offline={offline} onClear={() => void offline.clear()} />
          </details>
        </div>
      </main>
    </div>
  );
}
