// The service worker's model cache (imported by sw.js). ONNX files are kept under their sha256 from
// manifest.json, so a re-exported model (new hashes) is downloaded again and the old files are deleted once the
// new ones are all kept. models/index.json and manifest.json are fetched from the network when the page asks
// for them fresh (`cache: 'no-cache'`, once per page load) and kept; every other request for them, and the
// engine worker's, is answered from the cache, so nothing is downloaded twice. If the newest manifest's files
// are not all kept and the network is gone, the last complete manifest is served again, so offline use keeps
// working on the previous model.
'use strict';

const MODEL_CACHE = 'serpent-models-v2';
const scopeUrl = new URL(self.registration.scope);
const abs = (path) => new URL(path, scopeUrl).href;
const INDEX_URL = abs('models/index.json');
const COMPLETE = '?serpent-complete'; // suffix of the key of a folder's last complete manifest

const shaKey = (sha) => abs(`models/.sha256/${sha.toLowerCase()}`);
const folderOf = (url) => {
  const m = /^(.*\/models\/[^/]+\/)/.exec(url);
  return m ? m[1] : null;
};

async function sha256Hex(buf) {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', buf)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function jsonResponse(text) {
  return new Response(text, { headers: { 'Content-Type': 'application/json' } });
}

async function sizeOf(res) {
  const length = Number(res.headers.get('Content-Length'));
  return Number.isFinite(length) && length > 0 ? length : (await res.clone().blob()).size;
}

async function cachedJson(url) {
  const hit = await (await caches.open(MODEL_CACHE)).match(url);
  return hit ? hit.json() : null;
}

/** The files a manifest names beside its precisions' ONNX files: the detector, the mirror check, the image reader, the lesion map and the
 *  similarity towers (those it has). */
function extraEntries(manifest) {
  return [
    manifest.ood?.detector,
    manifest.mirror_check,
    manifest.image_reader,
    manifest.lesion_map,
    manifest.similarity?.image,
    manifest.similarity?.text,
  ].filter(Boolean);
}

/** Every file a manifest names (all precisions and the extra files): folder-relative path -> entry. */
function manifestEntries(manifest) {
  const out = new Map();
  for (const files of Object.values(manifest.files || {})) for (const e of Object.values(files || {})) out.set(e.path, e);
  for (const e of extraEntries(manifest)) out.set(e.path, e);
  return out;
}

/** What the engine loads: the default precision's files and the extra files. decoder_static is left to the pages that
 *  run WebGPU (kept when they fetch it; the engine steps without it when it is not there). */
function neededEntries(manifest) {
  const files = { ...(manifest.files[manifest.default_precision] || {}) };
  delete files.decoder_static;
  return [...Object.values(files), ...extraEntries(manifest)].filter(Boolean);
}

/** The tokenizer belongs to one manifest: keyed by the manifest text's hash, so a re-export replaces it too. */
async function tokenizerKey(folder, manifestText) {
  const manifest = JSON.parse(manifestText);
  const tag = (await sha256Hex(new TextEncoder().encode(manifestText))).slice(0, 16);
  return `${new URL(manifest.tokenizer || 'tokenizer.json', folder).href}?manifest=${tag}`;
}

/** index.json / manifest.json: fresh from the network when the page asks so, else (and offline) the kept copy. */
async function metaResponse(request, url) {
  const cache = await caches.open(MODEL_CACHE);
  const kept = await cache.match(url, { ignoreSearch: true });
  const fresh = ['no-cache', 'reload', 'no-store'].includes(request.cache);
  if (kept && !fresh) return kept;
  try {
    const res = await fetch(url, { cache: 'no-cache' });
    if (!res.ok) return kept || res;
    const text = await res.clone().text();
    if (/^\s*</.test(text)) return res; // the preview server's page in place of a missing file: not a model
    await cache.put(url, jsonResponse(text));
    return res;
  } catch (err) {
    if (!kept) throw err;
    const complete = url.endsWith('/manifest.json') ? await cache.match(url + COMPLETE) : null;
    if (complete) await cache.put(url, complete.clone()); // offline mid-update: back to the model that is all here
    return complete || kept;
  }
}

const downloads = new Map(); // key -> Promise<void>: one download per file, however many ask at once

/** Store a download under its sha256 key once its bytes match the manifest (else drop it: the engine says why). */
async function keepVerified(key, res, sha) {
  const buf = await res.arrayBuffer();
  if ((await sha256Hex(buf)) !== sha.toLowerCase()) return;
  await (await caches.open(MODEL_CACHE)).put(
    key,
    new Response(buf, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(buf.byteLength) } }),
  );
}

async function fileResponse(event, url) {
  const folder = folderOf(url.href);
  const cache = await caches.open(MODEL_CACHE);
  const keptManifest = folder && (await cache.match(`${folder}manifest.json`));
  if (!keptManifest) return fetch(event.request);
  const text = await keptManifest.text();
  if (url.href.startsWith(folder) && url.pathname.endsWith(`/${JSON.parse(text).tokenizer || 'tokenizer.json'}`)) {
    const key = await tokenizerKey(folder, text);
    const hit = await cache.match(key);
    if (hit) return hit;
    const res = await fetch(url.href);
    if (res.ok) await cache.put(key, res.clone());
    return res;
  }
  const entry = manifestEntries(JSON.parse(text)).get(url.href.slice(folder.length));
  if (!entry?.sha256) return fetch(event.request);
  const key = shaKey(entry.sha256);
  const hit = await cache.match(key);
  if (hit) return hit;
  if (downloads.has(key)) {
    await downloads.get(key).catch(() => undefined);
    return (await cache.match(key)) || fetch(url.href);
  }
  const res = await fetch(url.href);
  if (!res.ok || !res.body) return res;
  const [toPage, toCache] = res.body.tee();
  const job = keepVerified(key, new Response(toCache), entry.sha256);
  downloads.set(key, job);
  event.waitUntil(job.catch(() => undefined).finally(() => downloads.delete(key)));
  return new Response(toPage, { status: res.status, statusText: res.statusText, headers: res.headers });
}

function modelResponse(event, url) {
  const path = url.href.split('?')[0];
  if (path === INDEX_URL || path.endsWith('/manifest.json')) return metaResponse(event.request, path);
  return fileResponse(event, url);
}

// ---- the default model: keep it all, delete what no kept manifest names, and say what is kept ----

async function defaultModel() {
  const index = await cachedJson(INDEX_URL);
  if (!index) return null;
  const entry = index.models.find((m) => m.id === index.default) || index.models[0];
  const folder = new URL(entry.path.endsWith('/') ? entry.path : `${entry.path}/`, INDEX_URL).href;
  const hit = await (await caches.open(MODEL_CACHE)).match(`${folder}manifest.json`);
  if (!hit) return null;
  const text = await hit.text();
  return { index, folder, text, manifest: JSON.parse(text) };
}

async function modelStatus() {
  const model = await defaultModel();
  if (!model) return { files: 0, bytes: 0, complete: false, id: null };
  const cache = await caches.open(MODEL_CACHE);
  const keys = [
    INDEX_URL,
    `${model.folder}manifest.json`,
    await tokenizerKey(model.folder, model.text),
    ...neededEntries(model.manifest).map((e) => shaKey(e.sha256)),
  ];
  let files = 0;
  let bytes = 0;
  for (const key of keys) {
    const hit = await cache.match(key);
    if (!hit) continue;
    files += 1;
    bytes += await sizeOf(hit);
  }
  return { files, bytes, complete: files === keys.length, id: `${model.manifest.id} ${model.manifest.version}` };
}

/** After a load: fetch anything missing, mark this manifest complete, and delete files of other versions. */
async function keepModel() {
  const model = await defaultModel();
  if (!model) throw new Error('no model index or manifest is kept yet; reload the page with the network on');
  const cache = await caches.open(MODEL_CACHE);
  for (const e of neededEntries(model.manifest)) {
    if (await cache.match(shaKey(e.sha256))) continue;
    const res = await fetch(new URL(e.path, model.folder).href);
    if (!res.ok) throw new Error(`${e.path}: HTTP ${res.status}`);
    await keepVerified(shaKey(e.sha256), res, e.sha256);
    if (!(await cache.match(shaKey(e.sha256)))) throw new Error(`${e.path} does not match its sha256 in manifest.json; re-export the model`);
  }
  const tokKey = await tokenizerKey(model.folder, model.text);
  if (!(await cache.match(tokKey))) await cache.put(tokKey, await fetch(new URL(model.manifest.tokenizer || 'tokenizer.json', model.folder).href));
  await cache.put(`${model.folder}manifest.json${COMPLETE}`, jsonResponse(model.text));
  const keep = new Set([INDEX_URL, `${model.folder}manifest.json`, `${model.folder}manifest.json${COMPLETE}`, tokKey]);
  for (const e of manifestEntries(model.manifest).values()) if (e.sha256) keep.add(shaKey(e.sha256));
  let removed = 0;
  for (const req of await cache.keys()) {
    if (!keep.has(req.url)) removed += (await cache.delete(req)) ? 1 : 0;
  }
  return { ...(await modelStatus()), removed };
}

/** A newer default model on the server than the one kept (different files or version)? Nothing is stored. */
async function checkModelUpdate() {
  const kept = await defaultModel();
  try {
    const index = await (await fetch(INDEX_URL, { cache: 'no-store' })).json();
    const entry = index.models.find((m) => m.id === index.default) || index.models[0];
    const folder = new URL(entry.path.endsWith('/') ? entry.path : `${entry.path}/`, INDEX_URL).href;
    const manifest = await (await fetch(`${folder}manifest.json`, { cache: 'no-store' })).json();
    const hashes = (m) =>
      neededEntries(m)
        .map((e) => e.sha256)
        .sort()
        .join();
    const same = kept && kept.folder === folder && kept.manifest.version === manifest.version && hashes(kept.manifest) === hashes(manifest);
    return {
      online: true,
      current: kept ? `${kept.manifest.id} ${kept.manifest.version}` : null,
      available: same ? null : `${manifest.id} ${manifest.version}`,
    };
  } catch {
    return { online: false, current: kept ? `${kept.manifest.id} ${kept.manifest.version}` : null, available: null };
  }
}
