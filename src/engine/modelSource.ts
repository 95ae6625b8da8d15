// Where model files come from: a folder behind a URL (browser fetch, with byte progress; in the page first the
// service worker's offline copy, offlineCopy.ts) or, in Node, a folder on disk (node/fsModelSource.ts). Missing
// files become ModelFileError('missing').
import { ModelFileError } from './errors';
import type { ModelFileEntry } from './manifest';
import { readOfflineCopy } from './offlineCopy';

export type ByteProgress = (loaded: number, total: number | undefined) => void;

export interface ModelSource {
  readonly location: string; // for messages
  fetchJson<T>(path: string): Promise<T>;
  fetchBytes(path: string, onProgress?: ByteProgress): Promise<Uint8Array>;
  /** A kept copy of a manifest entry's file, when the source has one (null: fetch it). */
  readKept?(entry: ModelFileEntry): Promise<Uint8Array | null>;
}

/** A model folder served over HTTP(S) (or any URL fetch understands). */
export class HttpModelSource implements ModelSource {
  private readonly base: string;

  /** freshManifest: ask for manifest.json with `cache: 'no-cache'` (the page does, once per load, so its service
   *  worker notices a re-exported model; everything else may come from the cache). offlineCopy: read ONNX files
   *  the service worker keeps straight from Cache Storage (the page's worker does). */
  constructor(
    folderUrl: string,
    private readonly opts: { freshManifest?: boolean; offlineCopy?: boolean } = {},
  ) {
    const href = typeof location !== 'undefined' ? new URL(folderUrl, location.href).href : folderUrl;
    this.base = href.endsWith('/') ? href : `${href}/`;
  }

  get location(): string {
    return this.base;
  }

  private async get(path: string): Promise<Response> {
    let res: Response;
    try {
      const fresh = this.opts.freshManifest && path === 'manifest.json';
      res = await fetch(new URL(path, this.base).href, fresh ? { cache: 'no-cache' } : undefined);
    } catch (err) {
      throw new ModelFileError(path, 'unreadable', `the request failed: ${(err as Error).message}`);
    }
    if (res.status === 404) throw new ModelFileError(path, 'missing', `not found at ${this.base}`);
    if (!res.ok) throw new ModelFileError(path, 'unreadable', `HTTP ${res.status} ${res.statusText}`);
    return res;
  }

  async readKept(entry: ModelFileEntry): Promise<Uint8Array | null> {
    return this.opts.offlineCopy ? readOfflineCopy(this.base, entry) : null;
  }

  async fetchJson<T>(path: string): Promise<T> {
    const res = await this.get(path);
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw new ModelFileError(path, 'corrupt', `not valid JSON: ${(err as Error).message}`);
    }
  }

  async fetchBytes(path: string, onProgress?: ByteProgress): Promise<Uint8Array> {
    const res = await this.get(path);
    const header = res.headers.get('content-length');
    const total = header ? Number(header) : undefined;
    if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer());
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress(loaded, total);
    }
    const out = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
