// The page's progress state: stages in order, and the download as the model loader reports it.
import { describe, expect, it } from 'vitest';
import { loadModelFiles } from '../../engine/modelLoader';
import { defaultModelDir } from '../../engine/node/defaultModelDir';
import { FsModelSource } from '../../engine/node/fsModelSource';
import { completeStages, initialProgress, LOAD_STAGES, progressReducer, type ProgressState } from './progress';

describe('progressReducer', () => {
  it("shows the committed model's download as the loader counts it: one total, the bytes so far never past it", async () => {
    let s = initialProgress();
    const shown: ProgressState['stages']['download'][] = [];
    const loaded = await loadModelFiles(new FsModelSource(defaultModelDir()), 'int8', (e) => {
      s = progressReducer(s, e);
      shown.push(s.stages.download);
    });
    expect(shown.length).toBeGreaterThan(8); // an event per file, and one before and after
    expect(new Set(shown.map((d) => d.total))).toEqual(new Set([loaded.downloadBytes]));
    expect(shown.every((d) => (d.loaded ?? 0) <= loaded.downloadBytes)).toBe(true);
    expect(shown.every((d, i) => i === 0 || (d.loaded ?? 0) >= (shown[i - 1].loaded ?? 0))).toBe(true);
    expect(shown.at(-1)?.loaded).toBe(loaded.downloadBytes);
  });
  it('marks earlier stages of the same group done when a later one starts', () => {
    let s = progressReducer(initialProgress(), { stage: 'download', file: 'a', loaded: 1, total: 1 });
    s = progressReducer(s, { stage: 'compile', message: 'warming up' });
    expect(s.stages.download.status).toBe('done');
    expect(s.stages.compile).toMatchObject({ status: 'active', message: 'warming up' });
    s = progressReducer(s, { stage: 'decode', loaded: 3, total: 60 });
    expect(s.stages.encode.status).toBe('done');
    expect(s.stages.decode).toMatchObject({ status: 'active', loaded: 3, total: 60 });
    expect(s.stages.rerank.status).toBe('pending');
    s = progressReducer(s, { stage: 'done' });
    expect(s.stages.rerank.status).toBe('done');
  });
  it('does not mutate the previous state', () => {
    const a = initialProgress();
    progressReducer(a, { stage: 'encode' });
    expect(a.stages.encode.status).toBe('pending');
    expect(completeStages(a, LOAD_STAGES).stages.compile.status).toBe('done');
    expect(a.stages.compile.status).toBe('pending');
  });
});
