// The engine as the page sees it: one worker made once (again only when the person switches backend), the
// model found through public/models/index.json and loaded with progress as data. What the page shows about the
// model (decoding defaults, intended use, licence) comes from the load's LoadInfo; the study's drafts are run by
// useStudy through `engine`. Nothing is fetched before the service worker controls the page, so it keeps each file
// as it arrives.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import type { DeviceRequest, LoadInfo, ReportEngine } from '../../engine/types';
import { createWorkerEngine } from '../../worker/createWorkerEngine';
import { forgetTimings, readRememberedTimings, rememberTimings } from '../lib/backendMemory';
import { fetchModelIndex, modelFolderUrl, modelIndexUrl } from '../lib/modelIndex';
import { completeStages, initialProgress, LOAD_STAGES, type ProgressState, progressReducer } from '../lib/progress';
import { whenControlled } from '../lib/serviceWorker';
import type { LoadPhase } from '../lib/studyLifecycle';

export type { LoadPhase };

export interface LoadState {
  phase: LoadPhase;
  progress: ProgressState;
  info: LoadInfo | null;
  error: string | null;
}

export interface UseEngine {
  load: LoadState;
  device: DeviceRequest;
  engine: RefObject<ReportEngine | null>; // the loaded engine (null until made, and after it is disposed)
  switchDevice: (device: DeviceRequest) => void;
  remeasure: () => void; // forget this load's backend timings and load again, measuring both backends
}

const initialLoad = (): LoadState => ({ phase: 'loading', progress: initialProgress(), info: null, error: null });

export function useEngine(
  initialDevice: DeviceRequest,
  makeEngine: () => ReportEngine = createWorkerEngine,
  beforeLoad: () => Promise<unknown> = whenControlled,
): UseEngine {
  const [device, setDevice] = useState<DeviceRequest>(initialDevice);
  const [load, setLoad] = useState<LoadState>(initialLoad);
  const [loadCount, setLoadCount] = useState(0); // bumped to load again on the same device
  const engineRef = useRef<ReportEngine | null>(null);
  const makeEngineRef = useRef(makeEngine);
  const beforeLoadRef = useRef(beforeLoad);

  // biome-ignore lint/correctness/useExhaustiveDependencies: loadCount is what triggers a new load on the same device
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
      const info = await engine.load({ modelUrl: url, device, rememberedTimings: readRememberedTimings() }, onProgress);
      if (info.backendTimings) rememberTimings(info.backendTimings);
      if (live) setLoad((s) => ({ ...s, phase: 'ready', info, progress: completeStages(s.progress, LOAD_STAGES) }));
    })().catch((err: Error) => {
      if (!live) return;
      setLoad((s) => ({ ...s, phase: err.name === 'NoModelInstalledError' ? 'no-model' : 'error', error: err.message }));
    });
    return () => {
      live = false;
      if (!engine) return;
      if (engineRef.current === engine) engineRef.current = null;
      void engine.dispose().catch(() => undefined);
    };
  }, [device, loadCount]);

  const switchDevice = useCallback((next: DeviceRequest) => {
    const url = new URL(location.href);
    if (next === 'auto') url.searchParams.delete('device');
    else url.searchParams.set('device', next);
    history.replaceState(null, '', url);
    setDevice(next);
  }, []);

  const timingsKey = load.info?.backendTimings?.key;
  const remeasure = useCallback(() => {
    if (timingsKey) forgetTimings(timingsKey);
    setLoadCount((n) => n + 1);
  }, [timingsKey]);

  return { load, device, engine: engineRef, switchDevice, remeasure };
}
