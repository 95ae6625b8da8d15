// Reads public/models/index.json ({"default": id, "models": [{id, path}]}) and resolves the model folder URL.
// A missing or unreadable index becomes a typed error whose message tells the person how to install a model.

export interface ModelIndexEntry {
  id: string;
  path: string; // folder, relative to index.json
}

export interface ModelIndex {
  default: string;
  models: ModelIndexEntry[];
}

export const NO_MODEL_MESSAGE =
  'No model is installed: run npm run export … (the training export, see README) so that public/models/index.json ' +
  'and a model folder exist, then rebuild (npm run build) and reload this page.';

export class NoModelInstalledError extends Error {
  override name = 'NoModelInstalledError';
  constructor(detail = '') {
    super(detail ? `${NO_MODEL_MESSAGE} (${detail})` : NO_MODEL_MESSAGE);
  }
}

export class ModelIndexError extends Error {
  override name = 'ModelIndexError';
  constructor(problem: string) {
    super(`public/models/index.json ${problem}. Re-run the model export (npm run export …) or fix the file, then reload.`);
  }
}

export function parseModelIndex(json: unknown): ModelIndex {
  if (!json || typeof json !== 'object') throw new ModelIndexError('is not a JSON object');
  const obj = json as Record<string, unknown>;
  if (!Array.isArray(obj.models) || obj.models.length === 0) throw new ModelIndexError('lists no models');
  const models: ModelIndexEntry[] = obj.models.map((m, i) => {
    const e = m as Record<string, unknown>;
    if (!e || typeof e.id !== 'string' || typeof e.path !== 'string' || !e.id || !e.path) {
      throw new ModelIndexError(`has an entry (number ${i + 1}) without a string id and path`);
    }
    return { id: e.id, path: e.path };
  });
  const def = typeof obj.default === 'string' ? obj.default : models[0].id;
  if (!models.some((m) => m.id === def)) throw new ModelIndexError(`names "${def}" as default but does not list it`);
  return { default: def, models };
}

/** URL of the index, next to the page: `<page folder>/models/index.json`. */
export function modelIndexUrl(pageUrl: string): string {
  return new URL('models/index.json', pageUrl).href;
}

/** The folder URL (with a trailing slash) of model `id`, or of the default. */
export function modelFolderUrl(index: ModelIndex, indexUrl: string, id?: string): { id: string; url: string } {
  const want = id ?? index.default;
  const entry = index.models.find((m) => m.id === want);
  if (!entry) throw new ModelIndexError(`does not list a model called "${want}" (it has ${index.models.map((m) => m.id).join(', ')})`);
  const path = entry.path.endsWith('/') ? entry.path : `${entry.path}/`;
  return { id: entry.id, url: new URL(path, indexUrl).href };
}

/**
 * Fetch and parse the index. A 404, or the page's own HTML served in its place (the preview server's
 * SPA fallback), means no model is installed.
 */
export async function fetchModelIndex(indexUrl: string, fetchFn: typeof fetch = fetch): Promise<ModelIndex> {
  let res: Response;
  try {
    res = await fetchFn(indexUrl, { cache: 'no-cache' });
  } catch (err) {
    throw new NoModelInstalledError(`could not fetch ${indexUrl}: ${(err as Error).message}`);
  }
  if (res.status === 404) throw new NoModelInstalledError();
  if (!res.ok) throw new ModelIndexError(`could not be fetched (HTTP ${res.status})`);
  const text = await res.text();
  if (/^\s*</.test(text)) throw new NoModelInstalledError();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ModelIndexError('is not valid JSON');
  }
  return parseModelIndex(json);
}
