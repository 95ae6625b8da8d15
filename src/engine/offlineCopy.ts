// The service worker's offline copy of a model folder's ONNX files, read straight from Cache Storage. The
// service worker (public/sw-models.js) keeps each file it has verified under <scope>models/.sha256/<sha256>
// in the cache named below; a model folder is <scope>models/<name>/, so the key follows from the folder URL and
// the manifest's sha256. Reading it here skips the service worker's fetch hop, whose response streams in 64 KB
// chunks through another thread (docs/RESULTS.md: the returning visit). Any miss or failure returns null and
// the caller fetches as before; the caller still checks the bytes against the manifest.
import type { ModelFileEntry } from './manifest';

/** Must equal MODEL_CACHE and shaKey in public/sw-models.js (offlineCopy.test.ts reads that file to check). */
export const OFFLINE_MODEL_CACHE = 'serpent-models-v2';
export const OFFLINE_SHA_FOLDER = '.sha256';

/** The Cache Storage key of a file of the model folder at folderUrl (…/models/<name>/), or null elsewhere. */
export function offlineCopyKey(folderUrl: string, sha256: string): string | null {
  const folder = new URL(folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`);
  if (!/\/models\/[^/]+\/$/.test(folder.pathname) || !/^[0-9a-f]{64}$/i.test(sha256)) return null;
  return new URL(`../${OFFLINE_SHA_FOLDER}/${sha256.toLowerCase()}`, folder).href;
}

/** The kept bytes of one file, or null (no Cache Storage here, not kept, or unreadable). */
export async function readOfflineCopy(
  folderUrl: string,
  entry: ModelFileEntry,
  storage: CacheStorage | undefined = globalThis.caches,
): Promise<Uint8Array | null> {
  const key = offlineCopyKey(folderUrl, entry.sha256);
  if (!key || !storage) return null;
  try {
    const hit = await storage.match(key, { cacheName: OFFLINE_MODEL_CACHE }); // does not create the cache
    return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
  } catch {
    return null;
  }
}
