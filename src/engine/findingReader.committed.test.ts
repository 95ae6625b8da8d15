// The finding reader of the committed model on real radiographs (Kermany val films, 4 with pneumonia and 4 normal):
// it reads pneumonia on the pneumonia films and not on the normal ones, and the draft's refinement reports its
// reading and its weight in the votes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { CXR_IMAGES } from './testing/sharedData';
import type { ImageFile, ReportResult } from './types';

const PNEUMONIA = ['person1001_bacteria_2932', 'person1069_virus_1772', 'person1102_bacteria_3043', 'person1186_bacteria_3135'];
const NORMAL = ['IM-0125-0001', 'IM-0230-0001', 'IM-0311-0001', 'IM-0400-0001'];

describe('the committed finding reader', () => {
  let engine: InThreadEngine;
  let manifest: { decoding: { reader_weight?: number }; finding_reader?: { findings: string[] } };
  const draft = (stem: string): Promise<ReportResult> => {
    const b = readFileSync(path.join(CXR_IMAGES, 'kermany', `${stem}.jpeg`));
    const file: ImageFile = { name: stem, bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
    return engine.generateFiles([file], {});
  };
  const pneumonia = (r: ReportResult) => r.refinement.reading?.pneumonia;

  beforeAll(async () => {
    manifest = JSON.parse(readFileSync(path.join(defaultModelDir(), 'manifest.json'), 'utf8'));
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('is in the manifest and weighs in the default votes', () => {
    expect(manifest.finding_reader?.findings).toContain('pneumonia');
    expect(manifest.decoding.reader_weight).toBeGreaterThan(0);
  });

  it('reads pneumonia on pneumonia films and not on normal ones, and the draft says what it read', async () => {
    const sick = await Promise.all(PNEUMONIA.map(draft));
    const well = await Promise.all(NORMAL.map(draft));
    for (const r of [...sick, ...well]) {
      expect(r.refinement.readerWeight).toBe(manifest.decoding.reader_weight);
      // one reading per finding of the tally; a film no candidate calls pneumonia has no pneumonia line to weigh
      expect(Object.keys(r.refinement.reading ?? {})).toEqual(r.refinement.tally.map((t) => t.finding));
    }
    const sickP = sick.map(pneumonia).filter((p): p is number => p !== undefined);
    expect(sickP.length).toBeGreaterThanOrEqual(3);
    for (const p of sickP) expect(p).toBeGreaterThan(0.5);
    const wellP = well.map(pneumonia).filter((p): p is number => p !== undefined);
    for (const p of wellP) expect(p).toBeLessThan(Math.min(...sickP));
  }, 60_000);
});
