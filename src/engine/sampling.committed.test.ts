// Sampled alternatives through the committed model on a real radiograph (a normal Kermany film from the val split
// that the draft reads as pneumonia): the greedy draft comes first and equals a plain greedy decode, the samples
// say so, a seed reproduces them, and the candidates assert more than one set of findings where the beam's only
// rephrase.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { CXR_IMAGES } from './testing/sharedData';
import type { ImageFile, ReportResult } from './types';

const IMAGE = path.join(CXR_IMAGES, 'kermany/IM-0125-0001.jpeg');

describe('sampled alternatives on the committed model', () => {
  let engine: InThreadEngine;
  const file = (): ImageFile => {
    const b = readFileSync(IMAGE);
    return { name: path.basename(IMAGE), bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
  };
  const draft = (settings: object): Promise<ReportResult> => engine.generateFiles([file()], settings);
  const texts = (r: ReportResult) => r.candidates.map((c) => c.text).sort();

  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('greedy plus samples: the greedy candidate is the plain greedy draft, the others are marked sampled', async () => {
    const sampled = await draft({ beam: 1, samples: 4, temperature: 1, beta: 0 });
    const greedy = await draft({ beam: 1, samples: 0, beta: 0 });
    const first = sampled.candidates.find((c) => c.group === 0)!;
    expect(first.sampled).toBe(false);
    expect(first.text).toBe(greedy.report.text);
    const others = sampled.candidates.filter((c) => c.group > 0);
    expect(others.length).toBeGreaterThanOrEqual(1);
    for (const c of others) expect(c.sampled).toBe(true);
    expect(new Set(sampled.candidates.map((c) => c.text)).size).toBe(sampled.candidates.length); // repeats are dropped
    expect(sampled.refinement.findingSets).toBeGreaterThanOrEqual(2);
  });

  it('a large consensus weight drafts the reading the most draws agree with, and says the choice changed when the LM disagreed', async () => {
    const r = await draft({ beam: 1, samples: 4, temperature: 1, beta: 0, consensus: 1000 });
    const top = Math.max(...r.candidates.map((c) => c.agreement));
    expect(r.candidates[0].chosen).toBe(true);
    expect(r.candidates[0].agreement).toBe(top);
    for (const c of r.candidates) expect(c.agreement).toBeGreaterThanOrEqual(0);
    const lm = r.candidates[r.refinement.lmChoice];
    expect(r.rerankChangedChoice).toBe(lm.agreement < top);
  });

  it('the same seed reproduces the candidates; the plain beam of the same width only rephrases here', async () => {
    const a = await draft({ beam: 1, samples: 4, seed: 3 });
    expect(texts(await draft({ beam: 1, samples: 4, seed: 3 }))).toEqual(texts(a));
    const seeds = await Promise.all([4, 5].map((seed) => draft({ beam: 1, samples: 4, seed })));
    expect(seeds.some((r) => texts(r).join('|') !== texts(a).join('|'))).toBe(true);
    const beam = await draft({ beam: 5, groups: 1, samples: 0, beta: 0 });
    expect(beam.refinement.findingSets).toBe(1);
  });
});
