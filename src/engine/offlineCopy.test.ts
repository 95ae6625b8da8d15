// The offline copy's keys match the service worker's (public/sw-models.js), and a read never throws: a miss,
// a missing Cache Storage or a failing one all mean "fetch it".
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OFFLINE_MODEL_CACHE, OFFLINE_SHA_FOLDER, offlineCopyKey, readOfflineCopy } from './offlineCopy';

const SHA = 'AB'.repeat(32);
const entry = { path: 'onnx/x.onnx', bytes: 3, sha256: SHA };

function storage(store: Record<string, Uint8Array>, opts: { fail?: boolean } = {}): CacheStorage & { asked: [string, string | undefined][] } {
  const asked: [string, string | undefined][] = [];
  return {
    asked,
    async match(key: RequestInfo | URL, o?: MultiCacheQueryOptions) {
      if (opts.fail) throw new Error('quota');
      asked.push([String(key), o?.cacheName]);
      const hit = o?.cacheName === OFFLINE_MODEL_CACHE ? store[String(key)] : undefined;
      return hit ? new Response(hit as Uint8Array<ArrayBuffer>) : undefined;
    },
  } as unknown as CacheStorage & { asked: [string, string | undefined][] };
}

describe('offline copy', () => {
  it('keys a file by sha256 beside the models folder, as the service worker keeps it', () => {
    expect(offlineCopyKey('https://host/app/models/serpent-cxr/', SHA)).toBe(`https://host/app/models/.sha256/${SHA.toLowerCase()}`);
    expect(offlineCopyKey('https://host/models/m', SHA)).toBe(`https://host/models/.sha256/${SHA.toLowerCase()}`);
    expect(offlineCopyKey('https://host/elsewhere/m/', SHA)).toBeNull(); // not a folder the service worker keeps
    expect(offlineCopyKey('https://host/models/m/', 'not-a-hash')).toBeNull();
  });

  it('uses the service worker cache name and key folder', () => {
    const sw = readFileSync(new URL('../../public/sw-models.js', import.meta.url), 'utf8');
    expect(sw).toContain(`const MODEL_CACHE = '${OFFLINE_MODEL_CACHE}';`);
    expect(sw).toContain(`abs(\`models/${OFFLINE_SHA_FOLDER}/\${sha.toLowerCase()}\`)`);
  });

  it('returns the kept bytes, or null on a miss, without Cache Storage, or when it fails', async () => {
    const key = offlineCopyKey('https://host/models/m/', SHA)!;
    const kept = storage({ [key]: Uint8Array.of(1, 2, 3) });
    expect(Array.from((await readOfflineCopy('https://host/models/m/', entry, kept))!)).toEqual([1, 2, 3]);
    expect(kept.asked).toEqual([[key, OFFLINE_MODEL_CACHE]]); // one cache, named: nothing is created
    expect(await readOfflineCopy('https://host/models/other/', { ...entry, sha256: 'cd'.repeat(32) }, kept)).toBeNull();
    expect(await readOfflineCopy('https://host/models/m/', entry, undefined)).toBeNull();
    expect(await readOfflineCopy('https://host/models/m/', entry, storage({}, { fail: true }))).toBeNull();
  });
});
