// Newer versions: a new app build (the browser installs its new sw.js, which takes over: 'controllerchange')
// or a newer model on the server (the service worker compares manifests without keeping anything). Checked
// when the page comes back into view, when the network returns, and on request; a reload uses the new one.
import { useCallback, useEffect, useState } from 'react';
import { askServiceWorker, serviceWorkersUsed, whenControlled } from '../lib/serviceWorker';

export interface UpdateState {
  app: boolean; // a newer app build has been installed
  model: string | null; // "id version" of a newer model on the server
  checking: boolean;
  checked: string | null; // the last check's outcome, in words
}

type VersionReply = { ok: true; version: string } | { ok: false; error: string };
type CheckReply = { ok: true; update: { online: boolean; current: string | null; available: string | null } } | { ok: false; error: string };

export function useUpdates(): UpdateState & { check: () => Promise<void> } {
  const [state, setState] = useState<UpdateState>({ app: false, model: null, checking: false, checked: null });
  const [controlled, setControlled] = useState(false);

  const check = useCallback(async () => {
    if (!controlled) return;
    setState((s) => ({ ...s, checking: true }));
    const reply = await askServiceWorker<CheckReply>('check-update');
    if (!reply.ok) return setState((s) => ({ ...s, checking: false, checked: `The check failed (${reply.error}).` }));
    const { online, current, available } = reply.update;
    const checked = !online
      ? 'The server cannot be reached; the kept copy stays in use.'
      : available
        ? `A newer model is available: ${available}.`
        : `Up to date${current ? ` (model ${current})` : ''}.`;
    setState((s) => ({ ...s, checking: false, checked, model: available }));
  }, [controlled]);

  useEffect(() => {
    if (!serviceWorkersUsed()) return;
    let live = true;
    let pageBuild: Promise<string | null> | null = null; // the build of the worker that served this page
    const buildOf = async (): Promise<string | null> => {
      const reply = await askServiceWorker<VersionReply>('version').catch(() => null);
      return reply?.ok ? reply.version : null;
    };
    if (navigator.serviceWorker.controller) pageBuild = buildOf();
    const onChange = (): void => {
      if (!pageBuild) {
        pageBuild = buildOf(); // the first install took control: this page is that build
        return;
      }
      void Promise.all([pageBuild, buildOf()]).then(([was, now]) => {
        if (live && was && now && was !== now) setState((s) => ({ ...s, app: true })); // a new build took over
      });
    };
    navigator.serviceWorker.addEventListener('controllerchange', onChange);
    void whenControlled().then((w) => live && setControlled(!!w));
    return () => {
      live = false;
      navigator.serviceWorker.removeEventListener('controllerchange', onChange);
    };
  }, []);

  useEffect(() => {
    if (!controlled) return;
    const onVisible = (): void => void (document.visibilityState === 'visible' && check());
    const onOnline = (): void => void check();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onOnline);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
    };
  }, [controlled, check]);

  return { ...state, check };
}
