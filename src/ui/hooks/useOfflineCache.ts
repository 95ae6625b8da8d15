// The offline copy: registers public/sw.js (built app only), asks it to keep the loaded model's files,
// and reports what is cached and how big, for the "Ready offline" panel; `clear` removes it all.
import { useCallback, useEffect, useState } from 'react';

export interface CachePart {
  files: number;
  bytes: number;
  complete: boolean;
}

export interface OfflineStatus {
  shell: CachePart;
  model: CachePart & { id: string | null };
  ready: boolean;
}

export type OfflinePhase = 'unsupported' | 'dev' | 'installing' | 'caching' | 'ready' | 'partial' | 'cleared' | 'error';

export interface OfflineState {
  phase: OfflinePhase;
  status: OfflineStatus | null;
  error: string | null;
}

type SwReply = { ok: true; status: OfflineStatus | null } | { ok: false; error: string };

function ask(worker: ServiceWorker, type: 'status' | 'cache-model' | 'clear'): Promise<SwReply> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (ev: MessageEvent) => resolve(ev.data as SwReply);
    worker.postMessage({ type }, [channel.port2]);
  });
}

function phaseOf(status: OfflineStatus | null): OfflinePhase {
  if (!status) return 'partial';
  return status.ready ? 'ready' : 'partial';
}

export function useOfflineCache(modelLoaded: boolean): OfflineState & { clear: () => Promise<void>; refresh: () => Promise<void> } {
  const supported = typeof navigator !== 'undefined' && 'serviceWorker' in navigator;
  const [state, setState] = useState<OfflineState>({
    phase: !supported ? 'unsupported' : import.meta.env.DEV ? 'dev' : 'installing',
    status: null,
    error: null,
  });
  const [worker, setWorker] = useState<ServiceWorker | null>(null);

  useEffect(() => {
    if (!supported || import.meta.env.DEV) return;
    let live = true;
    navigator.serviceWorker
      .register('./sw.js', { scope: './' })
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => live && setWorker(reg.active))
      .catch((err: Error) => live && setState({ phase: 'error', status: null, error: `The offline copy could not be set up (${err.message}).` }));
    return () => {
      live = false;
    };
  }, [supported]);

  const apply = useCallback((reply: SwReply) => {
    if (reply.ok) setState({ phase: phaseOf(reply.status), status: reply.status, error: null });
    else setState((s) => ({ ...s, phase: 'error', error: `The offline copy is incomplete (${reply.error}).` }));
  }, []);

  useEffect(() => {
    if (!worker) return;
    let live = true;
    if (modelLoaded) {
      setState((s) => ({ ...s, phase: s.status?.ready ? s.phase : 'caching' }));
      void ask(worker, 'cache-model').then((r) => live && apply(r));
    } else {
      void ask(worker, 'status').then((r) => live && apply(r));
    }
    return () => {
      live = false;
    };
  }, [worker, modelLoaded, apply]);

  const refresh = useCallback(async () => {
    if (worker) apply(await ask(worker, 'status'));
  }, [worker, apply]);

  const clear = useCallback(async () => {
    if (!worker) return;
    const reply = await ask(worker, 'clear');
    if (reply.ok) {
      setWorker(null);
      setState({ phase: 'cleared', status: null, error: null });
    } else apply(reply);
  }, [worker, apply]);

  return { ...state, clear, refresh };
}
