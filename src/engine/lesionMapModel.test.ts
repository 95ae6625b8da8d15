// The lesion map (training/lesion_map.py) in a model folder: the engine loads its file, runs it on the views' pixels,
// gets one probability map per view on the report's heatmap grid, the same on onnxruntime-node's CPU provider and
// onnxruntime-web's WASM, and a draft's sentence that asserts one of its findings shows that map, as does a finding
// the second look flags. The fixture is the
// tiny model with a seeded random-weight lesion map written in by `python -m training.lesion_map --random`.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heatmapGrid, type ModelManifest } from './manifest';
import { loadModelFiles } from './modelLoader';
import { createNodeEngine, loadOrtNode, loadOrtWeb, nodeModelSource } from './node/nodeEngine';
import { OnnxReportModel } from './onnxModel';
import { createSessions, releaseSessions } from './sessions';
import { leftOutFindings } from './secondLook';
import { ensureTinyModel, sineFilm, tinyModelWith } from './testing/tinyModel';
import { FINDING_KEYS } from '../text/findings';
import type { ImageTensor, ReportResult } from './types';

let dir: string;
let manifest: ModelManifest;

beforeAll(() => {
  dir = tinyModelWith('training.lesion_map');
  manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function film(seed: number): ImageTensor {
  return sineFilm(manifest.preprocessing.image_size, seed);
}

async function maps(backend: 'cpu' | 'wasm'): Promise<Float32Array[]> {
  const ort = backend === 'cpu' ? await loadOrtNode() : await loadOrtWeb();
  const loaded = await loadModelFiles(nodeModelSource(dir), 'int8');
  const sessions = await createSessions(ort, loaded.files, backend, manifest.architecture.n_layers);
  try {
    const model = new OnnxReportModel(sessions, manifest);
    const out: Float32Array[] = [];
    for (const images of [[film(0)], [film(5)], [film(0), film(5)]]) out.push((await model.lesionMap(images))!);
    return out;
  } finally {
    await releaseSessions(sessions);
  }
}

describe('a lesion map in the model folder', () => {
  it('gives each view a probability map on the heatmap grid, the same on the CPU provider and on WASM', async () => {
    const [rows, cols] = heatmapGrid(manifest);
    expect(manifest.lesion_map!.grid).toEqual([rows, cols]);
    const [cpu, wasm] = [await maps('cpu'), await maps('wasm')];
    const N = rows * cols;
    expect(cpu.map((m) => m.length)).toEqual([N, N, 2 * N]);
    for (const m of cpu) for (let v = 0; v < m.length / N; v++) expect(m.subarray(v * N, (v + 1) * N).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(cpu[1]).not.toEqual(cpu[0]); // another film, another map
    cpu[0].forEach((p, n) => expect(cpu[2][n]).toBeCloseTo(p, 5)); // view 0 of the pair is film 0 ...
    cpu[1].forEach((p, n) => expect(cpu[2][N + n]).toBeCloseTo(p, 5)); // ... and view 1 is film 5
    cpu.forEach((m, i) => m.forEach((p, n) => expect(wasm[i][n]).toBeCloseTo(p, 4)));
  }, 120_000);

  it("shows it as the map of the draft's sentences that assert one of its findings, and says which", async () => {
    // every finding listed, so that any asserted finding of the random model's draft takes the lesion map
    const every = mkdtempSync(path.join(tmpdir(), 'serpent-lesion-map-all-'));
    cpSync(dir, every, { recursive: true });
    const findings = FINDING_KEYS.filter((k) => k !== 'no_finding');
    // min_peak 0: the random network's map is flat, and the trained one's threshold would hide it
    writeFileSync(path.join(every, 'manifest.json'), JSON.stringify({ ...manifest, lesion_map: { ...manifest.lesion_map, findings, min_peak: 0 } }));
    const [lesion] = await maps('cpu');
    const peak = Math.max(...lesion);
    const engine = await createNodeEngine({ backends: ['cpu'] });
    const without = await createNodeEngine({ backends: ['cpu'] });
    try {
      await engine.load({ modelUrl: every, device: 'cpu', precision: 'int8' });
      await without.load({ modelUrl: ensureTinyModel(), device: 'cpu', precision: 'int8' });
      const settings = { beam: 1, samples: 0 };
      const result = await engine.generate([film(0)], settings);
      const plain = await without.generate([film(0)], settings);
      expect(result.report.text).toBe(plain.report.text); // the map changes no word
      const N = result.heatmap.grid[0] * result.heatmap.grid[1];
      const sources = result.sentenceMapSources!;
      expect(sources.length * N).toBe(result.sentenceHeatmaps.length);
      expect(plain.sentenceMapSources!.every((s) => s === 'words')).toBe(true);
      expect(sources).toContain('lesion_map'); // the random draft asserts something, so the swap is exercised
      sources.forEach((source, s) => {
        const row = result.sentenceHeatmaps.subarray(s * N, (s + 1) * N);
        const want = source === 'lesion_map' ? lesion.map((p) => p / peak) : plain.sentenceHeatmaps.subarray(s * N, (s + 1) * N);
        want.forEach((w, n) => expect(row[n]).toBeCloseTo(w, 4));
      });
      expect(Array.from(result.heatmap.values)).toEqual(Array.from(plain.heatmap.values)); // the words keep their own maps
    } finally {
      await engine.dispose();
      await without.dispose();
      rmSync(every, { recursive: true, force: true });
    }
  }, 120_000);

  it('shows it for the localised findings the second look flags although the draft left them out, and only then', async () => {
    const flagging = mkdtempSync(path.join(tmpdir(), 'serpent-lesion-map-second-look-'));
    cpSync(dir, flagging, { recursive: true });
    // the lesion map for every finding but one the draws assert; the rule flags any finding one draw asserts
    const findings = FINDING_KEYS.filter((k) => k !== 'no_finding');
    const rule = { min_draws: 1, min_reader: 1, split: 'val', films: 1, images: 1, flagged: 0, share_present: 0 };
    const write = (lesionFindings: string[], secondLook: typeof rule | undefined): void =>
      writeFileSync(
        path.join(flagging, 'manifest.json'),
        JSON.stringify({ ...manifest, lesion_map: { ...manifest.lesion_map, findings: lesionFindings, min_peak: 0 }, second_look: secondLook }),
      );
    const [lesion] = await maps('cpu');
    const peak = Math.max(...lesion);
    const settings = { beam: 1, samples: 6, temperature: 1.5 };
    const run = async (): Promise<ReportResult> => {
      const engine = await createNodeEngine({ backends: ['cpu'] });
      try {
        await engine.load({ modelUrl: flagging, device: 'cpu', precision: 'int8' });
        return await engine.generate([film(0)], settings);
      } finally {
        await engine.dispose();
      }
    };
    try {
      write(findings, rule);
      const result = await run();
      const flagged = leftOutFindings(result.candidates, result.candidates.find((c) => c.chosen)!.findings, result.refinement.reading, rule).map(
        (f) => f.finding,
      );
      expect(flagged.length).toBeGreaterThan(1); // the random model's draws disagree, so the rule has findings to flag
      expect(result.secondLookMap!.findings).toEqual(flagged);
      expect(result.secondLookMap!.values).toHaveLength(lesion.length);
      lesion.forEach((p, n) => expect(result.secondLookMap!.values[n]).toBeCloseTo(p / peak, 4));

      write(
        findings.filter((f) => f !== flagged[0]),
        rule,
      ); // a finding the lesion map is not for is not shown on it
      expect((await run()).secondLookMap!.findings).toEqual(flagged.slice(1));
      write(
        findings.filter((f) => !flagged.includes(f)),
        rule,
      );
      expect((await run()).secondLookMap).toBeUndefined();
      write(findings, undefined); // no rule, no second look
      expect((await run()).secondLookMap).toBeUndefined();
    } finally {
      rmSync(flagging, { recursive: true, force: true });
    }
  }, 180_000);

  it("keeps the draft, with its words' maps and a warning, when the lesion map cannot run", async () => {
    // a readable ONNX file without the lesion map's output (the OOD detector's), listed with its true size and digest
    const broken = mkdtempSync(path.join(tmpdir(), 'serpent-lesion-map-broken-'));
    cpSync(dir, broken, { recursive: true });
    const file = path.join(broken, manifest.lesion_map!.path);
    cpSync(path.join(broken, manifest.ood.detector!.path), file);
    const bytes = readFileSync(file);
    const entry = {
      ...manifest.lesion_map,
      findings: FINDING_KEYS.filter((k) => k !== 'no_finding'),
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    writeFileSync(path.join(broken, 'manifest.json'), JSON.stringify({ ...manifest, lesion_map: entry }));
    const engine = await createNodeEngine({ backends: ['cpu'] });
    try {
      await engine.load({ modelUrl: broken, device: 'cpu', precision: 'int8' });
      const result = await engine.generate([film(0)], { beam: 1, samples: 0 });
      expect(result.report.text.length).toBeGreaterThan(0);
      expect(result.sentenceMapSources!.every((s) => s === 'words')).toBe(true);
      expect(result.warnings.join(' ')).toMatch(
        /The lesion map could not run \(The model file onnx\/lesion_map_int8\.onnx is corrupt .*no output "lesion_map"/,
      );
    } finally {
      await engine.dispose();
      rmSync(broken, { recursive: true, force: true });
    }
  }, 120_000);
});
