// Serpent's service worker: keeps the app shell and one ONNX Runtime build (shell cache, one per build of the
// app) and the model (sw-models.js: files keyed by their sha256 from manifest.json) in Cache Storage, so the
// page and the model work with no network, and serves the engine worker's fetches, so a first visit downloads
// each file once. A new build of the app writes a new sw.js (its file list is inlined below), so the browser
// installs it, carries the runtime build over, the old shell cache is deleted and the page says "reload". Every
// response it serves carries the cross-origin isolation headers, which WASM threads need. Same-origin only.
'use strict';

// `npm run build` replaces this line with { version, shell: [paths], runtime: { wasm: [...], webgpu: [...] } }.
self.SERPENT_BUILD = null;
importScripts('sw-models.js');

const SHELL_PREFIX = 'serpent-shell-';
const BUILD = self.SERPENT_BUILD || { version: 'unbuilt', shell: [], runtime: {} };
const SHELL_CACHE = SHELL_PREFIX + BUILD.version;
const RUNTIME_FILES = new Set(Object.values(BUILD.runtime).flat());
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Rewrap a response with COOP/COEP (a cached copy or a network one alike). */
function withIsolation(res) {
  if (!res || res.type === 'opaque' || res.type === 'opaqueredirect' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ISOLATION_HEADERS)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * Documents and workers need the isolation headers; other same-origin files do not, and are served as the cached
 * Response itself, so that Chromium can keep and reuse its compiled code for them (ONNX Runtime's 14 MB
 * WebAssembly, the scripts); a rewrapped body is a new, uncacheable response.
 */
function needsIsolation(request) {
  return request.mode === 'navigate' || ['document', 'iframe', 'worker', 'sharedworker'].includes(request.destination);
}

/** The page this install started from, when it shows index.html: its document is already in the HTTP cache. */
async function openIndexPage() {
  const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const index = pages.find((c) => {
    const path = new URL(c.url).pathname;
    return path === scopeUrl.pathname || path === `${scopeUrl.pathname}index.html`;
  });
  return index ? index.url : null;
}

/**
 * The shell, without downloading again what the page has just loaded: hashed assets (content-addressed) and,
 * on a first install, the rest come from the HTTP cache when they are in it ('force-cache'); on an update the
 * unhashed files are revalidated ('no-cache'), so no stale copy is kept.
 */
async function precacheShell() {
  const firstInstall = !(await caches.keys()).some((n) => n.startsWith(SHELL_PREFIX));
  const page = firstInstall ? await openIndexPage() : null;
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(
    BUILD.shell.map(async (path) => {
      const url = abs(path);
      if (await cache.match(url)) return;
      const hashed = path.startsWith('assets/');
      const source = path === 'index.html' && page ? page : url;
      const reuse = hashed || (firstInstall && (!path.endsWith('.html') || source !== url));
      const res = await fetch(source, { cache: reuse ? 'force-cache' : 'no-cache' });
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      await cache.put(url, res);
    }),
  );
}

/**
 * An update keeps the ONNX Runtime build the device already has: files of this build's runtime list (content-hashed
 * names) that an older shell cache holds are copied into this one before activation deletes the old caches. Without
 * it the runtime had to be stored again by the page's next fetch of it, a 14 MB download after every app update; and
 * when that fetch was not stored (a failed or interrupted download), the app was not available offline.
 */
async function carryOverRuntime() {
  const cache = await caches.open(SHELL_CACHE);
  for (const name of await caches.keys()) {
    if (!name.startsWith(SHELL_PREFIX) || name === SHELL_CACHE) continue;
    const older = await caches.open(name);
    for (const path of RUNTIME_FILES) {
      const url = abs(path);
      if (await cache.match(url)) continue;
      const kept = await older.match(url);
      if (kept) await cache.put(url, kept);
    }
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    precacheShell()
      .then(carryOverRuntime)
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('serpent-') && name !== SHELL_CACHE && name !== MODEL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

const inFlight = new Map(); // url -> Promise<void>: one download per file, however many ask at once

/** Downloads one file into the shell cache; a download already under way for it is shared, not repeated. */
function keepShellFile(url) {
  if (!inFlight.has(url)) {
    const job = fetch(url).then(async (res) => {
      if (res.status !== 200) throw Object.assign(new Error(`HTTP ${res.status}`), { res });
      await (await caches.open(SHELL_CACHE)).put(url, res);
    });
    inFlight.set(url, job);
    job.catch(() => undefined).finally(() => inFlight.delete(url));
  }
  return inFlight.get(url);
}

/** Cached, else fetched once (concurrent requests share it) and, when `keep`, stored in the shell cache. */
async function cacheFirst(request, keep) {
  const hit = await caches.match(request.url, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  if (!keep) return fetch(request);
  try {
    await keepShellFile(request.url);
  } catch (err) {
    return err.res || fetch(request);
  }
  return (await caches.match(request.url)) || fetch(request);
}

/**
 * The runtime build the page's engine runs on, made whole: a file whose download was not stored (a dropped connection
 * that the engine's retry got past, a failed write) is downloaded again here, when the page asks to keep the model,
 * instead of waiting for a later visit with the network on. Returns why a file could not be kept, or null.
 */
async function keepRuntime(name) {
  const cache = await caches.open(SHELL_CACHE);
  for (const path of BUILD.runtime[name] || []) {
    if (await cache.match(abs(path))) continue;
    try {
      await keepShellFile(abs(path));
    } catch (err) {
      return `${path}: ${err?.message || err}`;
    }
  }
  return null;
}

async function navigation(request, url) {
  const page = abs(url.pathname.endsWith('diagnostics.html') ? 'diagnostics.html' : 'index.html');
  const hit = await caches.match(page, { ignoreVary: true });
  return hit || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scopeUrl.origin) return;
  const path = url.pathname.slice(scopeUrl.pathname.length);
  let response;
  if (request.mode === 'navigate') response = navigation(request, url);
  else if (path.startsWith('models/')) response = modelResponse(event, url);
  else response = cacheFirst(request, RUNTIME_FILES.has(path));
  event.respondWith(needsIsolation(request) ? response.then(withIsolation) : response);
});

// ---- what is kept, for the page's "Offline use" panel ----

/** What is kept of the shell; complete only with the runtime build the page runs on, when it names one (else any). */
async function shellStatus(runtime) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = new Set((await cache.keys()).map((r) => r.url));
  let bytes = 0;
  for (const req of await cache.keys()) bytes += await sizeOf(await cache.match(req));
  const has = (p) => cached.has(abs(p));
  const runtimes = Object.entries(BUILD.runtime)
    .filter(([, files]) => files.some((f) => f.endsWith('.wasm') && has(f)) && files.some((f) => f.endsWith('.mjs') && has(f)))
    .map(([name]) => name);
  const runtimeKept = runtime && BUILD.runtime[runtime] ? runtimes.includes(runtime) : runtimes.length > 0;
  return { version: BUILD.version, files: cached.size, bytes, runtimes, complete: BUILD.shell.every(has) && runtimeKept };
}

async function status(model, runtime) {
  const shell = await shellStatus(runtime);
  return { shell, model, ready: shell.complete && model.complete };
}

self.addEventListener('message', (event) => {
  const port = event.ports[0];
  const reply = (msg) => (port ? port.postMessage(msg) : event.source?.postMessage(msg));
  const type = event.data?.type;
  const runtime = typeof event.data?.runtime === 'string' ? event.data.runtime : null; // the build the page runs on
  const work = (async () => {
    try {
      if (type === 'version') reply({ ok: true, version: BUILD.version });
      else if (type === 'cache-model') {
        const model = await keepModel();
        const runtimeError = runtime ? await keepRuntime(runtime) : null;
        reply({ ok: true, status: await status(model, runtime), ...(runtimeError ? { runtimeError } : {}) });
      } else if (type === 'status') reply({ ok: true, status: await status(await modelStatus(), runtime) });
      else if (type === 'check-update') {
        await self.registration.update().catch(() => undefined); // a new sw.js (a new app build) installs itself
        reply({ ok: true, update: await checkModelUpdate() });
      } else if (type === 'clear') {
        for (const name of await caches.keys()) if (name.startsWith('serpent-')) await caches.delete(name);
        await self.registration.unregister();
        reply({ ok: true, status: null });
      }
    } catch (err) {
      reply({ ok: false, error: String(err?.message ? err.message : err) });
    }
  })();
  event.waitUntil(work);
});
