import { describe, expect, it } from 'vitest';
import { completeStages, initialProgress, LOAD_STAGES, progressReducer } from './progress';

describe('progressReducer', () => {
  it('sums the download over files and knows the total once every file has one', () => {
    let s = initialProgress();
    s = progressReducer(s, { stage: 'download', file: 'a.onnx', loaded: 10, total: 100 });
    s = progressReducer(s, { stage: 'download', file: 'b.onnx', loaded: 5 });
    expect(s.stages.download).toMatchObject({ status: 'active', loaded: 15, total: undefined });
    s = progressReducer(s, { stage: 'download', file: 'b.onnx', loaded: 20, total: 50 });
    s = progressReducer(s, { stage: 'download', file: 'a.onnx', loaded: 100, total: 100 });
    expect(s.stages.download).toMatchObject({ loaded: 120, total: 150 });
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
