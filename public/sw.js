// Serpent's service worker: keeps the app shell (the built files listed in sw-precache.json, the ONNX
// runtime's .mjs/.wasm among them) and the default model's files (from its manifest) in Cache Storage,
// so the page and the model work with no network. Every response it serves carries the cross-origin
// isolation headers, which WASM threads need, also when it comes from the cache. Same-origin only.
'use strict';

const SHELL_PREFIX = 'serpent-shell-';
const MODEL_CACHE = 'serpent-models';
const PRECACHE_LIST = 'sw-precache.json';
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const scopeUrl = new URL(self.registration.scope);
const abs = (path) => new URL(path, scopeUrl).href;

async function readPrecacheList() {
  const res = await fetch(abs(PRECACHE_LIST), { cache: 'no-store' });
  if (!res.ok) throw new Error(`${PRECACHE_LIST}: HTTP ${res.status}`);
  return res.json(); // { version, files: [paths relative to the scope] }
}

/** Rewrap a response with COOP/COEP (a cached copy or a network one alike). */
function withIsolation(res) {
  if (!res || res.type === 'opaque' || res.type === 'opaqueredirect' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ISOLATION_HEADERS)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const list = await readPrecacheList();
      const cache = await caches.open(SHELL_PREFIX + list.version);
      await cache.addAll(list.files.map(abs));
      await cache.put(abs(PRECACHE_LIST), new Response(JSON.stringify(list), { headers: { 'Content-Type': 'application/json' } }));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const list = await readPrecacheList().catch(() => null);
      const keep = list ? SHELL_PREFIX + list.version : null;
      for (const name of await caches.keys()) {
        if (name.startsWith(SHELL_PREFIX) && keep && name !== keep) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function isModelFile(url) {
  return url.href.startsWith(abs('models/')) && !url.pathname.endsWith('/models/index.json');
}

async function cacheFirst(request, cacheName) {
  const hit = await caches.match(request, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok && res.status === 200 && cacheName) {
    const cache = await caches.open(cacheName);
    await cache.put(request, res.clone());
  }
  return res;
}

async function networkFirst(request, fallbackUrl, cacheName) {
  try {
    const res = await fetch(request);
    if (res.ok && cacheName) await (await caches.open(cacheName)).put(fallbackUrl ?? request, res.clone());
    return res;
  } catch (err) {
    const hit = await caches.match(fallbackUrl ?? request, { ignoreSearch: true, ignoreVary: true });
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== scopeUrl.origin) return;
  let response;
  if (request.mode === 'navigate') response = networkFirst(request, abs(url.pathname.endsWith('diagnostics.html') ? 'diagnostics.html' : 'index.html'), null);
  else if (url.pathname.endsWith('/models/index.json')) response = networkFirst(request, null, MODEL_CACHE);
  else if (isModelFile(url)) response = cacheFirst(request, MODEL_CACHE);
  else if (url.pathname.endsWith('/' + PRECACHE_LIST)) return;
  else response = cacheFirst(request, null);
  event.respondWith(response.then(withIsolation));
});

// ---- the default model's files, and what is cached (for the page's "Ready offline" panel) ----

/** JSON from the network, else from the cache (this worker's own fetches bypass its fetch handler). */
async function fetchJson(url) {
  try {
    const res = await fetch(url, { cache: 'no-cache' });
    if (res.ok) return await res.json();
  } catch {
    // offline: fall through to the cached copy
  }
  const hit = await caches.match(url, { ignoreVary: true });
  if (!hit) throw new Error(`${url} is neither reachable nor cached`);
  return hit.json();
}

async function modelFileList() {
  const indexUrl = abs('models/index.json');
  const index = await fetchJson(indexUrl);
  const entry = index.models.find((m) => m.id === index.default) ?? index.models[0];
  const folder = new URL(entry.path.endsWith('/') ? entry.path : entry.path + '/', indexUrl);
  const manifest = await fetchJson(new URL('manifest.json', folder).href);
  const files = Object.values(manifest.files[manifest.default_precision] ?? {});
  if (manifest.ood?.detector) files.push(manifest.ood.detector); // the out-of-distribution detector
  const entries = [
    { url: new URL('manifest.json', folder).href, bytes: null },
    { url: new URL(manifest.tokenizer || 'tokenizer.json', folder).href, bytes: null },
    ...files.map((f) => ({ url: new URL(f.path, folder).href, bytes: f.bytes })),
  ];
  return { id: manifest.id, version: manifest.version, indexUrl, entries };
}

async function cacheModel() {
  const model = await modelFileList();
  const cache = await caches.open(MODEL_CACHE);
  await cache.put(model.indexUrl, new Response(JSON.stringify(await fetchJson(model.indexUrl)), { headers: { 'Content-Type': 'application/json' } }));
  for (const { url } of model.entries) {
    if (await cache.match(url, { ignoreVary: true })) continue;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    await cache.put(url, res);
  }
  return model;
}

async function sizeOf(res) {
  const length = Number(res.headers.get('Content-Length'));
  return Number.isFinite(length) && length > 0 ? length : (await res.blob()).size;
}

async function cacheStats(cacheName) {
  const cache = await caches.open(cacheName);
  let bytes = 0;
  const keys = await cache.keys();
  for (const req of keys) bytes += await sizeOf(await cache.match(req));
  return { files: keys.length, bytes, urls: keys.map((r) => r.url) };
}

async function status(modelInfo) {
  const names = await caches.keys();
  const list = await readPrecacheList().catch(async () => {
    const hit = await caches.match(abs(PRECACHE_LIST));
    return hit ? hit.json() : null;
  });
  const shellName = list ? SHELL_PREFIX + list.version : names.find((n) => n.startsWith(SHELL_PREFIX));
  const shell = shellName && names.includes(shellName) ? await cacheStats(shellName) : { files: 0, bytes: 0, urls: [] };
  const shellComplete = !!list && list.files.every((f) => shell.urls.includes(abs(f)));
  const models = names.includes(MODEL_CACHE) ? await cacheStats(MODEL_CACHE) : { files: 0, bytes: 0, urls: [] };
  let modelComplete = false;
  let modelId = null;
  if (modelInfo) {
    modelId = `${modelInfo.id} ${modelInfo.version}`;
    modelComplete = modelInfo.entries.every((e) => models.urls.includes(e.url));
  }
  return {
    shell: { files: shell.files, bytes: shell.bytes, complete: shellComplete },
    model: { files: models.files, bytes: models.bytes, complete: modelComplete, id: modelId },
    ready: shellComplete && modelComplete,
  };
}

self.addEventListener('message', (event) => {
  const port = event.ports[0];
  const reply = (msg) => (port ? port.postMessage(msg) : event.source?.postMessage(msg));
  const type = event.data && event.data.type;
  const work = (async () => {
    try {
      if (type === 'cache-model') reply({ ok: true, status: await status(await cacheModel()) });
      else if (type === 'status') reply({ ok: true, status: await status(await modelFileList().catch(() => null)) });
      else if (type === 'clear') {
        for (const name of await caches.keys()) if (name.startsWith('serpent-')) await caches.delete(name);
        await self.registration.unregister();
        reply({ ok: true, status: null });
      }
    } catch (err) {
      reply({ ok: false, error: String(err && err.message ? err.message : err) });
    }
  })();
  event.waitUntil(work);
});
