// The image reader (training/image_reader.py) in a model folder: the engine loads its file, runs it on the views'
// pixels beside the OOD detector and reads P(f | film) for every finding it names, the same on onnxruntime-node's CPU
// provider and onnxruntime-web's WASM; the drafts' votes weigh that reading, and the subtype gate can read its
// P(consolidation). The fixture is the tiny model with a seeded random-weight reader written in by `python -m
// training.image_reader --random` (which also points the votes at it).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from './manifest';
import type { SubtypeProbe } from './subtypeGate';
import { loadModelFiles } from './modelLoader';
import { createNodeEngine, loadOrtNode, loadOrtWeb, nodeModelSource } from './node/nodeEngine';
import { OnnxReportModel } from './onnxModel';
import { createSessions, releaseSessions } from './sessions';
import { sineFilm, tinyModelWith } from './testing/tinyModel';
import type { ImageTensor } from './types';

let dir: string;
let manifest: ModelManifest;

beforeAll(() => {
  dir = tinyModelWith('training.image_reader');
  manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function film(seed: number): ImageTensor {
  return sineFilm(manifest.preprocessing.image_size, seed);
}

async function readings(backend: 'cpu' | 'wasm'): Promise<Record<string, number>[]> {
  const ort = backend === 'cpu' ? await loadOrtNode() : await loadOrtWeb();
  const loaded = await loadModelFiles(nodeModelSource(dir), 'int8');
  const sessions = await createSessions(ort, loaded.files, backend, manifest.architecture.n_layers);
  try {
    const model = new OnnxReportModel(sessions, manifest);
    const out: Record<string, number>[] = [];
    for (const images of [[film(0)], [film(5)], [film(0), film(0)]]) {
      const encoded = await model.encode(images);
      expect(encoded.reading).toEqual(encoded.imageReading); // the votes read the image reader
      out.push(encoded.imageReading!);
    }
    return out;
  } finally {
    await releaseSessions(sessions);
  }
}

describe('an image reader in the model folder', () => {
  it('reads P(f | film) for each of its findings, per film, the same on the CPU provider and on WASM', async () => {
    expect(manifest.finding_reader).toEqual({ feature: 'image_reader' });
    const entry = manifest.image_reader!;
    const [cpu, wasm] = [await readings('cpu'), await readings('wasm')];
    for (const r of cpu) {
      expect(Object.keys(r)).toEqual(entry.findings);
      for (const p of Object.values(r)) expect(p > 0 && p < 1).toBe(true);
    }
    expect(cpu[1]).not.toEqual(cpu[0]); // another film, another reading
    for (const f of entry.findings) {
      expect(cpu[2][f]).toBeCloseTo(cpu[0][f], 5); // two views of one film: their mean is that film's reading
      cpu.forEach((r, i) => expect(wasm[i][f]).toBeCloseTo(r[f], 4));
    }
  }, 120_000);

  it("weighs the reading in the draft's finding votes and says so", async () => {
    const engine = await createNodeEngine({ backends: ['cpu'] });
    try {
      await engine.load({ modelUrl: dir, device: 'cpu', precision: 'int8' });
      const result = await engine.generate([film(0)], { vote_threshold: 0.5, reader_weight: 1 });
      expect(result.refinement.readerWeight).toBe(1);
      expect(Object.keys(result.refinement.reading ?? {})).toEqual(result.refinement.tally.map((t) => t.finding));
    } finally {
      await engine.dispose();
    }
  }, 120_000);

  it('lets the subtype gate read its P(consolidation) as P(bacterial)', async () => {
    const probe: SubtypeProbe = {
      feature: 'image_reader',
      mean: [0],
      scale: [1],
      weights: [1],
      bias: 0,
      margin: 0,
      words: { bacterial: ['bacterial'], viral: ['viral'] },
    };
    const gated = mkdtempSync(path.join(tmpdir(), 'serpent-image-reader-gate-'));
    cpSync(dir, gated, { recursive: true });
    writeFileSync(path.join(gated, 'manifest.json'), JSON.stringify({ ...manifest, subtype_probe: probe }));
    const engine = await createNodeEngine({ backends: ['cpu'] });
    try {
      await engine.load({ modelUrl: gated, device: 'cpu', precision: 'int8' });
      const [reading] = await readings('cpu');
      const on = await engine.generate([film(0)], { subtype_gate: 1 });
      expect(on.refinement.subtype?.bacterial).toBeCloseTo(reading.consolidation, 4);
      expect(on.refinement.subtype?.allowed).toBe(reading.consolidation > 0.5 ? 'bacterial' : 'viral'); // margin 0: always one
      expect((await engine.generate([film(0)], { subtype_gate: 0 })).refinement.subtype).toBeUndefined();
    } finally {
      await engine.dispose();
      rmSync(gated, { recursive: true, force: true });
    }
  }, 120_000);
});
