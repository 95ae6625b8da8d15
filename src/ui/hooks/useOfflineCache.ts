// The offline copy: asks the service worker (lib/serviceWorker.ts) to keep the loaded model's files and the ONNX
// Runtime build the engine runs on, says what is still missing and what to do, asks
// the browser to keep them (persistent storage) once they are all there, and reports what is kept, how big,
// and how much space the site uses, for the "Offline use" panel; `clear` removes it all.
import { useCallback, useEffect, useState } from 'react';
import { askServiceWorker, serviceWorkersUsed, whenControlled, whyUncontrolled, type Uncontrolled } from '../lib/serviceWorker';
import { keepStorage, type StorageKeep } from '../lib/storageKeep';

export interface CachePart {
  files: number;
  bytes: number;
  complete: boolean;
}

export interface OfflineStatus {
  shell: CachePart & { version: string; runtimes: string[] };
  model: CachePart & { id: string | null; removed?: number };
  ready: boolean;
}

export type OfflinePhase = 'unsupported' | 'refused' | 'bypassed' | 'dev' | 'installing' | 'caching' | 'ready' | 'partial' | 'cleared' | 'error';

export interface OfflineState {
  phase: OfflinePhase;
  status: OfflineStatus | null;
  keep: StorageKeep | null;
  error: string | null;
}

type SwReply = { ok: true; status: OfflineStatus | null; runtimeError?: string } | { ok: false; error: string };

/** The ONNX Runtime builds' names as the page shows them. */
export const RUNTIME_NAME: Record<string, string> = { wasm: 'WASM', webgpu: 'WebGPU' };

/** After the service worker was asked to keep the loaded model: what is still missing from the offline copy and what
 *  to do, or null when nothing is. `runtime` is the ONNX Runtime build the engine runs on. */
export function missingHint(status: OfflineStatus | null, runtime: string | undefined, runtimeError?: string): string | null {
  if (!status || status.ready) return null;
  const build = `ONNX Runtime's ${runtime ? `${RUNTIME_NAME[runtime] ?? runtime} ` : ''}build`;
  if (runtimeError)
    return `${build} could not be saved (${runtimeError}). Drafts work while the page is online; reload it with the network on to finish the offline copy.`;
  const runtimeMissing = runtime ? !status.shell.runtimes.includes(runtime) : status.shell.runtimes.length === 0;
  const missing = [
    ...(status.model.complete ? [] : ["the model's files"]),
    ...(runtimeMissing ? [build] : []),
    ...(!status.shell.complete && !runtimeMissing ? ["the app's files"] : []),
  ];
  return `Not kept yet: ${missing.join(' and ') || 'part of the app'}. Reload the page with the network on to finish the offline copy.`;
}

const noWorkers = typeof navigator === 'undefined' || !('serviceWorker' in navigator);

/** The phase and the hint for a page that no service worker controls, by why it has none. */
export function uncontrolledState(u: Uncontrolled | null): Pick<OfflineState, 'phase' | 'error'> {
  if (u?.why === 'refused')
    return {
      phase: 'refused',
      error:
        `The browser refused the page's service worker (${u.error}). That happens in private windows of some browsers and where a ` +
        "site setting or an administrator's policy blocks service workers; allow them for this site to keep an offline copy.",
    };
  if (u?.why === 'bypassed')
    return { phase: 'bypassed', error: 'This load bypassed the offline copy (a hard reload, such as Shift+Reload). Reload the page normally to use it.' };
  const cause = u?.why === 'install-failed' && u.error ? `: ${u.error}` : '';
  return { phase: 'error', error: `The offline copy could not be set up (the service worker did not start${cause}). Reload the page to try again.` };
}

/** `loaded`: the loaded model's info (null while none is loaded); its runtimeBuild is kept with it. */
export function useOfflineCache(loaded: { runtimeBuild?: string } | null): OfflineState & { clear: () => Promise<void>; refresh: () => Promise<void> } {
  const modelLoaded = loaded !== null;
  const runtime = loaded?.runtimeBuild;
  const [state, setState] = useState<OfflineState>({
    phase: noWorkers ? 'unsupported' : import.meta.env.DEV ? 'dev' : 'installing',
    status: null,
    keep: null,
    error: null,
  });
  const [controlled, setControlled] = useState(false);

  useEffect(() => {
    if (!serviceWorkersUsed()) return;
    let live = true;
    void whenControlled().then((worker) => {
      if (!live) return;
      if (worker) setControlled(true);
      else setState((s) => ({ ...s, ...uncontrolledState(whyUncontrolled()) }));
    });
    return () => {
      live = false;
    };
  }, []);

  const apply = useCallback(
    async (reply: SwReply, askToKeep: boolean) => {
      if (!reply.ok) {
        setState((s) => ({ ...s, phase: 'error', error: `The offline copy is incomplete (${reply.error}).` }));
        return;
      }
      const ready = !!reply.status?.ready;
      const hint = askToKeep ? missingHint(reply.status, runtime, reply.runtimeError) : null;
      setState((s) => ({ ...s, phase: ready ? 'ready' : 'partial', status: reply.status, error: hint }));
      const keep = await keepStorage(askToKeep && ready);
      setState((s) => ({ ...s, keep }));
    },
    [runtime],
  );

  useEffect(() => {
    if (!controlled) return;
    let live = true;
    if (modelLoaded) setState((s) => ({ ...s, phase: s.status?.ready ? s.phase : 'caching' }));
    void askServiceWorker<SwReply>(modelLoaded ? 'cache-model' : 'status', runtime).then((r) => {
      if (live) void apply(r, modelLoaded);
    });
    return () => {
      live = false;
    };
  }, [controlled, modelLoaded, runtime, apply]);

  const refresh = useCallback(async () => {
    if (controlled) await apply(await askServiceWorker<SwReply>('status', runtime), false);
  }, [controlled, runtime, apply]);

  const clear = useCallback(async () => {
    if (!controlled) return;
    const reply = await askServiceWorker<SwReply>('clear');
    if (reply.ok) {
      setControlled(false);
      setState({ phase: 'cleared', status: null, keep: await keepStorage(false), error: null });
    } else await apply(reply, false);
  }, [controlled, apply]);

  return { ...state, clear, refresh };
}
