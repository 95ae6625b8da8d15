// The engine as the page sees it: one worker made once (again only when the person switches backend),
// the model found through public/models/index.json and loaded with progress as data, and generate /
// cancel with the stages, the streaming draft and the result as React state (whisper-web style).
// Nothing is fetched before the service worker controls the page, so it keeps each file as it arrives.
import { useCallback, useEffect, useRef, useState } from 'react';
import { isCancelled } from '../../engine/errors';
import type { ModelManifest } from '../../engine/manifest';
import type { DecodingDefaults } from '../../engine/manifest';
import type { DeviceRequest, LoadInfo, ReportEngine, ReportResult } from '../../engine/types';
import { createWorkerEngine } from '../../worker/createWorkerEngine';
import { engineOrder, studyKeyOf, type InputImage } from '../lib/inputImage';
import { fetchModelIndex, modelFolderUrl, modelIndexUrl } from '../lib/modelIndex';
import { whenControlled } from '../lib/serviceWorker';
import { LOAD_STAGES, RUN_STAGES, completeStages, initialProgress, progressReducer, type ProgressState } from '../lib/progress';

export type LoadPhase = 'loading' | 'ready' | 'no-model' | 'error';

export interface LoadState {
  phase: LoadPhase;
  progress: ProgressState;
  info: LoadInfo | null;
  manifest: ModelManifest | null;
  modelUrl: string | null;
  error: string | null;
}

export interface RunState {
  running: boolean;
  progress: ProgressState;
  partial: string;
  notFrontalChest: boolean; // the detector fired: the streaming draft is not shown
  result: ReportResult | null;
  error: string | null;
  cancelled: boolean;
  runId: number;
  studyKey: string; // the study this run drafts (studyKeyOf): the page shows its result only beside that study
}

export interface UseEngine {
  load: LoadState;
  run: RunState;
  device: DeviceRequest;
  generate: (images: InputImage[], settings: Partial<DecodingDefaults>) => Promise<void>;
  cancel: () => void;
  reset: () => void; // a new study: stop any run and forget its draft
  switchDevice: (device: DeviceRequest) => void;
}

const initialLoad = (): LoadState => ({ phase: 'loading', progress: initialProgress(), info: null, manifest: null, modelUrl: null, error: null });
const initialRun = (): RunState => ({
  running: false,
  progress: initialProgress(),
  partial: '',
  notFrontalChest: false,
  result: null,
  error: null,
  cancelled: false,
  runId: 0,
  studyKey: '',
});

function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => /\w/.test(w)).length;
}

/** Asked fresh (`no-cache`): the service worker then keeps this version, and the engine worker loads the same one. */
async function fetchManifest(modelUrl: string): Promise<ModelManifest | null> {
  try {
    const res = await fetch(new URL('manifest.json', modelUrl), { cache: 'no-cache' });
    return res.ok ? ((await res.json()) as ModelManifest) : null;
  } catch {
    return null; // the engine's load reports a missing manifest with its own typed error
  }
}

export function useEngine(
  initialDevice: DeviceRequest,
  makeEngine: () => ReportEngine = createWorkerEngine,
  beforeLoad: () => Promise<unknown> = whenControlled,
): UseEngine {
  const [device, setDevice] = useState<DeviceRequest>(initialDevice);
  const [load, setLoad] = useState<LoadState>(initialLoad);
  const [run, setRun] = useState<RunState>(initialRun);
  const engineRef = useRef<ReportEngine | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const runIdRef = useRef(0);
  const makeEngineRef = useRef(makeEngine);
  const beforeLoadRef = useRef(beforeLoad);

  useEffect(() => {
    let live = true;
    let engine: ReportEngine | null = null;
    setLoad(initialLoad());
    const onProgress = (e: Parameters<typeof progressReducer>[1]): void => {
      if (live) setLoad((s) => ({ ...s, progress: progressReducer(s.progress, e) }));
    };
    (async () => {
      await beforeLoadRef.current();
      if (!live) return;
      engine = makeEngineRef.current();
      engineRef.current = engine;
      const indexUrl = modelIndexUrl(location.href);
      const index = await fetchModelIndex(indexUrl);
      const { url } = modelFolderUrl(index, indexUrl);
      const manifest = await fetchManifest(url);
      if (live) setLoad((s) => ({ ...s, manifest, modelUrl: url }));
      const info = await engine.load({ modelUrl: url, device }, onProgress);
      if (live) setLoad((s) => ({ ...s, phase: 'ready', info, progress: completeStages(s.progress, LOAD_STAGES) }));
    })().catch((err: Error) => {
      if (!live) return;
      setLoad((s) => ({ ...s, phase: err.name === 'NoModelInstalledError' ? 'no-model' : 'error', error: err.message }));
    });
    return () => {
      live = false;
      abortRef.current?.abort();
      if (!engine) return;
      if (engineRef.current === engine) engineRef.current = null;
      void engine.dispose().catch(() => undefined);
    };
  }, [device]);

  const generate = useCallback(async (images: InputImage[], settings: Partial<DecodingDefaults>): Promise<void> => {
    const engine = engineRef.current;
    if (!engine || images.length === 0) return;
    abortRef.current?.abort();
    const controller = new AbortController();
    abortRef.current = controller;
    const runId = ++runIdRef.current;
    const current = (): boolean => runIdRef.current === runId;
    setRun({ ...initialRun(), running: true, runId, studyKey: studyKeyOf(images) });
    try {
      const files = engineOrder(images).map((im) => ({ name: im.name, bytes: im.bytes.slice(0), view: im.view }));
      const result = await engine.generateFiles(
        files,
        { ...settings, signal: controller.signal },
        {
          onStage: (e) =>
            current() && setRun((s) => ({ ...s, notFrontalChest: s.notFrontalChest || !!e.notFrontalChest, progress: progressReducer(s.progress, e) })),
          onToken: (text) =>
            current() && setRun((s) => ({ ...s, partial: text, progress: progressReducer(s.progress, { stage: 'decode', loaded: countWords(text) }) })),
        },
      );
      if (current()) setRun((s) => ({ ...s, running: false, result, progress: completeStages(s.progress, [...RUN_STAGES, 'done']) }));
    } catch (err) {
      if (!current()) return;
      if (isCancelled(err)) setRun((s) => ({ ...s, running: false, cancelled: true }));
      else setRun((s) => ({ ...s, running: false, error: (err as Error).message }));
    } finally {
      if (abortRef.current === controller) abortRef.current = null;
    }
  }, []);

  const cancel = useCallback(() => abortRef.current?.abort(), []);

  const reset = useCallback(() => {
    abortRef.current?.abort();
    runIdRef.current++; // a run still finishing cannot write its result any more
    setRun(initialRun());
  }, []);

  const switchDevice = useCallback((next: DeviceRequest) => {
    const url = new URL(location.href);
    if (next === 'auto') url.searchParams.delete('device');
    else url.searchParams.set('device', next);
    history.replaceState(null, '', url);
    setRun(initialRun());
    setDevice(next);
  }, []);

  return { load, run, device, generate, cancel, reset, switchDevice };
}
