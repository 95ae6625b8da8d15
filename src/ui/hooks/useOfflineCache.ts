// The offline copy: asks the service worker (lib/serviceWorker.ts) to keep the loaded model's files, asks
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

type SwReply = { ok: true; status: OfflineStatus | null } | { ok: false; error: string };

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

export function useOfflineCache(modelLoaded: boolean): OfflineState & { clear: () => Promise<void>; refresh: () => Promise<void> } {
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

  const apply = useCallback(async (reply: SwReply, askToKeep: boolean) => {
    if (!reply.ok) {
      setState((s) => ({ ...s, phase: 'error', error: `The offline copy is incomplete (${reply.error}).` }));
      return;
    }
    const ready = !!reply.status?.ready;
    setState((s) => ({ ...s, phase: ready ? 'ready' : 'partial', status: reply.status, error: null }));
    const keep = await keepStorage(askToKeep && ready);
    setState((s) => ({ ...s, keep }));
  }, []);

  useEffect(() => {
    if (!controlled) return;
    let live = true;
    if (modelLoaded) setState((s) => ({ ...s, phase: s.status?.ready ? s.phase : 'caching' }));
    void askServiceWorker<SwReply>(modelLoaded ? 'cache-model' : 'status').then((r) => {
      if (live) void apply(r, modelLoaded);
    });
    return () => {
      live = false;
    };
  }, [controlled, modelLoaded, apply]);

  const refresh = useCallback(async () => {
    if (controlled) await apply(await askServiceWorker<SwReply>('status'), false);
  }, [controlled, apply]);

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
