import { describe, expect, it } from 'vitest';
import { fetchModelIndex, ModelIndexError, modelFolderUrl, modelIndexUrl, NoModelInstalledError, parseModelIndex } from './modelIndex';

const fakeFetch = (status: number, body: string): typeof fetch => (async () => new Response(body, { status })) as typeof fetch;

describe('model index', () => {
  it('resolves the default model folder next to the index', () => {
    const indexUrl = modelIndexUrl('http://127.0.0.1:4173/app/index.html?device=wasm');
    expect(indexUrl).toBe('http://127.0.0.1:4173/app/models/index.json');
    const index = parseModelIndex({
      default: 'b',
      models: [
        { id: 'a', path: 'a' },
        { id: 'b', path: 'serpent-b/' },
      ],
    });
    expect(modelFolderUrl(index, indexUrl)).toEqual({ id: 'b', url: 'http://127.0.0.1:4173/app/models/serpent-b/' });
    expect(modelFolderUrl(index, indexUrl, 'a').url).toBe('http://127.0.0.1:4173/app/models/a/');
  });
  it('takes the first model when no default is named, and rejects broken indexes', () => {
    expect(parseModelIndex({ models: [{ id: 'x', path: 'x' }] }).default).toBe('x');
    expect(() => parseModelIndex({ models: [] })).toThrow(ModelIndexError);
    expect(() => parseModelIndex({ default: 'y', models: [{ id: 'x', path: 'x' }] })).toThrow(/names "y"/);
    expect(() => parseModelIndex({ models: [{ id: 'x' }] })).toThrow(ModelIndexError);
  });
  it('says how to install a model when the index is missing or the server answers with its HTML page', async () => {
    await expect(fetchModelIndex('http://h/models/index.json', fakeFetch(404, ''))).rejects.toThrow(NoModelInstalledError);
    await expect(fetchModelIndex('http://h/models/index.json', fakeFetch(200, '<!doctype html><html>'))).rejects.toThrow(
      /No model is installed: run npm run export/,
    );
    await expect(fetchModelIndex('http://h/models/index.json', fakeFetch(200, '{"default":'))).rejects.toThrow(ModelIndexError);
    const ok = await fetchModelIndex('http://h/models/index.json', fakeFetch(200, '{"default":"m","models":[{"id":"m","path":"m"}]}'));
    expect(ok.default).toBe('m');
  });
});
