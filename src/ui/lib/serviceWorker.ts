// The page's one registration of public/sw.js (built app only) and the messages it answers. The engine
// waits for whenControlled() before its worker fetches anything, so on a first visit the service worker
// serves (and keeps) each file as it is downloaded, instead of downloading it a second time to keep it.

export type SwRequest = 'version' | 'status' | 'cache-model' | 'check-update' | 'clear';

let registration: Promise<ServiceWorkerRegistration | null> | null = null;
let registerError: Error | null = null;

/** Why a page has no controlling worker: the browser refused to register one (a SecurityError: a private window, a site
 *  setting or an administrator's policy), registering or installing it failed (e.g. sw.js could not be fetched), or
 *  this load bypassed it (a hard reload such as Shift+Reload). */
export type Uncontrolled = { why: 'refused'; error: string } | { why: 'install-failed'; error?: string } | { why: 'bypassed' };

let uncontrolled: Uncontrolled | null = null;

/** After whenControlled() resolved null: why (null while it has not, or when a worker controls the page). */
export function whyUncontrolled(): Uncontrolled | null {
  return uncontrolled;
}

export function serviceWorkersUsed(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && !!navigator.serviceWorker && !import.meta.env.DEV;
}

/** Registers sw.js once; null where there are no service workers, in dev, or when registering fails (the page still works online). */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!serviceWorkersUsed()) return Promise.resolve(null);
  // A register() stubbed out by a privacy extension (or a test harness) resolves without a registration: refused too.
  registration ??= navigator.serviceWorker
    .register('./sw.js', { scope: './' })
    .then((reg) => reg ?? Promise.reject(new DOMException('the browser returned no registration', 'SecurityError')))
    .catch((err: Error) => {
      registerError = err;
      return null;
    });
  return registration;
}

/** The controlling worker, once it controls this page; null (promptly) when it cannot (unsupported, install failed). */
export async function whenControlled(): Promise<ServiceWorker | null> {
  // Every visit after the first starts controlled: go on at once. Registering again only checks sw.js for an update,
  // and in Chromium that check took 2.6 s on some visits (a page opened soon after another), all of it before the
  // model could start loading.
  const controller = serviceWorkersUsed() ? navigator.serviceWorker.controller : null;
  if (controller) {
    void registerServiceWorker();
    return controller;
  }
  const reg = await registerServiceWorker();
  if (!reg) {
    if (registerError) {
      const error = `${registerError.name}: ${registerError.message}`;
      uncontrolled = registerError.name === 'SecurityError' ? { why: 'refused', error } : { why: 'install-failed', error };
    }
    return null;
  }
  const sw = navigator.serviceWorker;
  if (sw.controller) return sw.controller;
  return new Promise((resolve) => {
    const without = (why: 'install-failed' | 'bypassed'): void => {
      uncontrolled = { why };
      resolve(null);
    };
    const done = (): void => {
      const worker = reg.installing ?? reg.waiting ?? reg.active;
      if (sw.controller) resolve(sw.controller);
      else if (!worker || worker.state === 'redundant')
        without('install-failed'); // go on without it
      else if (worker.state === 'activated' && !reg.installing && !reg.waiting) without('bypassed'); // this page stays uncontrolled
    };
    sw.addEventListener('controllerchange', done);
    const watch = (w: ServiceWorker | null): void => w?.addEventListener('statechange', done);
    watch(reg.installing ?? reg.waiting);
    reg.addEventListener('updatefound', () => watch(reg.installing));
    done();
  });
}

/** One request to the controlling (or active) worker, answered on its own channel. `runtime` names the ONNX Runtime
 *  build the engine runs on ('wasm' | 'webgpu'): the offline copy is ready only with it, and 'cache-model' keeps it. */
export async function askServiceWorker<T>(type: SwRequest, runtime?: string): Promise<T> {
  const worker = navigator.serviceWorker?.controller ?? (await registerServiceWorker())?.active;
  if (!worker) throw new Error('no service worker is running; reload the page');
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (ev: MessageEvent) => resolve(ev.data as T);
    worker.postMessage(runtime ? { type, runtime } : { type }, [channel.port2]);
  });
}
