// The bench's raw loops drive the engine's KvDecoder: with and without the cache, and on one or several lockstep
// rows (one row reading the prefix, as the engine starts a search), they must decode the same argmax tokens as the
// engine's own step decoder.
import { describe, expect, it } from 'vitest';
import { loadOrtNode } from '../../src/engine/node/nodeEngine';
import { OnnxReportModel } from '../../src/engine/onnxModel';
import { ensureTinyModel } from '../../src/engine/testing/tinyModel';
import { decodeSteps, encodeImage, openRawModel, releaseRawModel } from './rawModel';

const argmax = (row: Float32Array) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);

describe('decodeSteps', () => {
  it('gives the engine step decoder’s tokens with and without the cache, on 1 or 3 rows', async () => {
    const ort = await loadOrtNode();
    const m = await openRawModel(ort, ensureTinyModel(), 'fp32', { executionProviders: ['cpu'] });
    try {
      const S = m.manifest.preprocessing.image_size;
      const pixels = Float32Array.from({ length: S * S }, (_, i) => Math.sin(i / 7));
      const { features } = await encodeImage(m, pixels);
      const model = new OnnxReportModel(
        {
          ort,
          backend: 'cpu',
          gpuPast: false,
          vision: m.vision,
          embed: m.embed,
          decoder: m.decoder,
          oodDetector: null,
          mirrorCheck: null,
          imageReader: null,
          lesionMap: null,
          similarity: null,
          staticSteps: null,
        },
        m.manifest,
      );
      const engine = model.stepDecoder(features);
      const expected: number[] = [];
      let step = await engine.first();
      for (let i = 0; i < 6; i++) {
        expected.push(argmax(step.logits));
        if (i < 5) step = await engine.next([expected[i]], [0]);
      }
      engine.dispose();
      for (const [rows, cache] of [
        [1, true],
        [3, true],
        [1, false],
        [3, false],
      ] as const) {
        expect((await decodeSteps(m, features, { steps: 6, rows, cache })).tokens).toEqual(expected);
      }
    } finally {
      await releaseRawModel(m);
    }
  });
});
