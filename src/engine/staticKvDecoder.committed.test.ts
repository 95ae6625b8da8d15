// decoder_static against decoder_model_merged on the committed model (int8, the page's download), in Node where the
// static graph runs on ordinary tensors (HostStaticRunner; WebGPU's capture replays the same graph, e2e): the same
// candidates, word for word, from the default refinement (greedy + samples) and a plain beam, on real radiographs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { CXR_IMAGES } from './testing/sharedData';
import type { ImageFile, ReportResult } from './types';

const IMAGES = ['kermany/person1001_bacteria_2932.jpeg', 'covid_qu/COVID-1.jpg', 'jsrt/JPCLN005.png'];

function file(rel: string): ImageFile {
  const b = readFileSync(path.join(CXR_IMAGES, rel));
  return { name: rel, bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
}

describe('decoder_static (the fixed-shape cache WebGPU replays)', () => {
  const engines: Record<'merged' | 'static', InThreadEngine> = {} as never;

  beforeAll(async () => {
    for (const kind of ['merged', 'static'] as const) {
      engines[kind] = await createNodeEngine({ backends: ['cpu'] });
      const info = await engines[kind].load({ modelUrl: defaultModelDir(), device: 'cpu', staticDecoder: kind === 'static' });
      expect(info.staticDecoder).toBe(kind === 'static');
    }
  });
  afterAll(async () => Promise.all(Object.values(engines).map((e) => e.dispose())));

  const both = async (rel: string, opts = {}): Promise<[ReportResult, ReportResult]> => [
    await engines.merged.generateFiles([file(rel)], opts),
    await engines.static.generateFiles([file(rel)], opts),
  ];

  it('gives the same candidates as the fused-prefix decoder, with the steps counted', async () => {
    for (const rel of IMAGES) {
      for (const opts of [{}, { beam: 3, samples: 0 }]) {
        const [merged, fixed] = await both(rel, opts);
        expect(fixed.candidates.map((c) => c.text)).toEqual(merged.candidates.map((c) => c.text));
        fixed.candidates.forEach((c, i) => expect(c.logp).toBeCloseTo(merged.candidates[i].logp, 3));
        expect(fixed.report).toEqual(merged.report);
        expect(fixed.timings.decoder?.token_rows).toBe(merged.timings.decoder?.token_rows);
      }
    }
  }, 120_000);
});
