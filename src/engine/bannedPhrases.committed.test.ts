// The banned phrases through the committed model, on films where it wrote them before the processor: three test
// films whose default draft ended "end of report.", and a val film whose sampled candidates wrote "there s no
// pneumothorax." (both artefacts of the corpus it was trained on; src/text/data/decoding/bannedPhrases.json).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { CXR_IMAGES } from './testing/sharedData';
import type { ImageFile } from './types';

const file = (rel: string): ImageFile => {
  const b = readFileSync(path.join(CXR_IMAGES, rel));
  return { name: path.basename(rel), bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
};

describe('banned phrases on the committed model', () => {
  let engine: InThreadEngine;
  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu', precision: 'fp32' }); // as the eval, where the drafts were seen
  });
  afterAll(async () => engine.dispose());

  it('no draft or candidate ends with the dictation artefact "end of report."', async () => {
    for (const rel of ['kermany/IM-0403-0001.jpeg', 'covid_qu/Normal-5514.jpg', 'covid_qu/Normal-7350.jpg']) {
      const r = await engine.generateFiles([file(rel)], {});
      expect(r.report.text, rel).toMatch(/\.$/);
      for (const c of r.candidates) expect(c.text, rel).not.toMatch(/end of report/);
    }
  });

  it('no sampled candidate splits "there’s" into "there s"', async () => {
    const r = await engine.generateFiles([file('kermany/IM-0115-0001.jpeg')], {});
    expect(r.candidates.length).toBeGreaterThan(1);
    for (const c of r.candidates) expect(c.text).not.toMatch(/\bthere s\b/);
  });
});
