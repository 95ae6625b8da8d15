// The report CLI end to end on the tiny model: folders and two-view studies, JSON lines, per-file errors,
// exit codes, and how it finds the default model.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyModel } from '../src/engine/testing/tinyModel';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { UsageError } from './cli/flags';
import { findStudies, parseArgs, runReport } from './report';
import { type ReportJson, toJson, toText } from './reportOutput';
import type { ReportResult } from '../src/engine/types';

let modelDir: string;
let dir: string;

beforeAll(() => {
  modelDir = ensureTinyModel();
  dir = mkdtempSync(path.join(tmpdir(), 'serpent-report-'));
  const W = 80;
  const png = (seed: number) => encodePng({ width: W, height: W, data: Uint8Array.from({ length: W * W }, (_, i) => (i * seed) % 256), channels: 1, depth: 8 });
  mkdirSync(path.join(dir, 'imgs/sub'), { recursive: true });
  writeFileSync(path.join(dir, 'imgs/a.png'), png(3));
  writeFileSync(path.join(dir, 'imgs/sub/b.png'), png(5));
  writeFileSync(path.join(dir, 'imgs/notes.txt'), 'ignored: not an image extension');
  writeFileSync(path.join(dir, 'bad.jpg'), 'this is not a JPEG');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = '';
  const code = await runReport(argv, { out: (l) => out.push(l), err: (t) => (err += t), tty: false });
  return { code, out, err };
}

describe('npm run report', () => {
  it('reports every image of a folder and a two-view study as JSON lines, with an error line for a bad file', async () => {
    const study = `${path.join(dir, 'imgs/a.png')}+${path.join(dir, 'imgs/sub/b.png')}`;
    const { code, out, err } = await cli([path.join(dir, 'imgs'), study, path.join(dir, 'bad.jpg'), '--json', '--beam', '2', '--model', modelDir]);
    expect(code).toBe(0);
    const lines = out.map((l) => JSON.parse(l) as ReportJson & { error?: { name: string; message: string } });
    expect(lines.map((l) => l.file)).toEqual([path.join(dir, 'imgs/a.png'), path.join(dir, 'imgs/sub/b.png'), study, path.join(dir, 'bad.jpg')]);
    const ok = lines.slice(0, 3);
    for (const r of ok) {
      expect(r.candidates).toHaveLength(2);
      expect(r.report.text.length).toBeGreaterThan(0);
      expect(r.heatmap.grid).toEqual([8, 8]);
      expect(r.heatmap.values).toHaveLength(r.tokens.length);
      expect(r.heatmap.values[0][0]).toHaveLength(64);
      expect(r.backend).toBe('cpu');
      expect(r.timings.total_ms).toBeGreaterThan(0);
      expect(typeof r.ood.score).toBe('number');
    }
    expect(ok[2].heatmap.views).toBe(1); // one frontal view per draft: b.png is shown for reference only
    expect(ok[2].draft_views).toEqual([0]);
    expect(ok[2].views_note).toMatch(/made from one frontal view only: image 1 \(a\.png\)\. Image 2 \(b\.png\), another view, is shown/);
    expect(ok[0].draft_views).toBeUndefined();
    expect(lines[3].error?.name).toBe('ImageFormatError');
    expect(err).toMatch(/error: .*bad\.jpg: This file is not a recognised image/);
  });

  it('prints a readable report without --json', async () => {
    const { code, out } = await cli([path.join(dir, 'imgs/a.png'), '--model', modelDir, '--beta', '0']);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/FINDINGS: .+\nIMPRESSION: .+/);
    expect(out.join('\n')).toMatch(/score = logp\/\|c\|\^1 \+ 0·similarity/);
    expect(out.join('\n')).not.toMatch(/VIEWS:/);
    const study = await cli([`${path.join(dir, 'imgs/a.png')}+${path.join(dir, 'imgs/sub/b.png')}`, '--model', modelDir]);
    expect(study.out.join('\n')).toMatch(/\nVIEWS: The draft is made from one frontal view only: image 1 \(a\.png\)/);
  });

  it('exits non-zero only when every image failed; 2 on bad usage', async () => {
    expect((await cli([path.join(dir, 'bad.jpg'), path.join(dir, 'missing.png'), '--model', modelDir])).code).toBe(1);
    const usage = await cli(['--beam']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--beam needs a value/);
    expect(() => parseArgs(['x.png', '--device', 'webgpu'])).toThrow(UsageError);
    expect(parseArgs(['x.png', '--precision', 'q4', '--device', 'wasm'])).toMatchObject({ precision: 'q4', device: 'wasm', json: false });
  });

  it('finds studies and the default model folder', () => {
    expect(findStudies([path.join(dir, 'imgs')]).map((s) => s.map((f) => path.basename(f)))).toEqual([['a.png'], ['b.png']]);
    const models = path.join(dir, 'models');
    mkdirSync(path.join(models, 'alpha'), { recursive: true });
    mkdirSync(path.join(models, 'beta'), { recursive: true });
    writeFileSync(path.join(models, 'beta/manifest.json'), '{}');
    expect(defaultModelDir(models)).toBe(path.join(models, 'beta'));
    writeFileSync(path.join(models, 'index.json'), JSON.stringify({ default: 'a', models: [{ id: 'a', path: 'alpha' }] }));
    expect(defaultModelDir(models)).toBe(path.join(models, 'alpha'));
    expect(() => defaultModelDir(path.join(dir, 'nomodels'))).toThrow(/no model in .*pass --model DIR/);
  });
});

describe('report output under finding votes', () => {
  const cand = (text: string, findings: string[], chosen: boolean) => ({
    text,
    tokenIds: [],
    logp: -1,
    length: 2,
    lengthNormLogp: -0.5,
    similarity: 0.9,
    agreement: 0.5,
    support: chosen ? 0.2 : -0.1,
    score: chosen ? 2 : 1,
    group: 0,
    sampled: !chosen,
    draws: chosen ? 3 : 2,
    findings,
    chosen,
  });
  const result = {
    report: { findings: 'pneumonia.', impression: 'pneumonia.', text: 'pneumonia. pneumonia.' },
    candidates: [cand('pneumonia.', ['pneumonia'], true), cand('consolidation and pneumonia.', ['consolidation', 'pneumonia'], false)],
    rerankChangedChoice: true,
    refinement: {
      similaritySource: 'towers',
      findingSets: 2,
      tally: [],
      lmChoice: 1,
      reading: { pneumonia: 0.98, consolidation: 0.31 },
      readerWeight: 0.7,
      subtype: { bacterial: 0.812345, feature: 'image_reader', margin: 0.2, allowed: 'bacterial', named: true },
    },
    tokens: [],
    heatmap: { grid: [1, 1], views: 1, values: new Float32Array(0) },
    sentenceHeatmaps: new Float32Array(0),
    ood: { score: 1, threshold: 2, detector: null, warning: null },
    warnings: [],
    backend: 'cpu',
    settings: { beam: 1, alpha: 1, beta: 2, repetition_penalty: 1, no_repeat_ngram: 4, min_length: 8, max_length: 80, samples: 4, vote_threshold: 0.7 },
    timings: { encode_ms: 1, decode_ms: 2, total_ms: 3, decoder: { run_ms: 1, prefix_rows: 1, token_rows: 5 } },
  } as unknown as ReportResult;

  it('states the vote rule with the finding reader, each candidate’s findings, what the reader read and the pneumonia type', () => {
    const text = toText('a.png', result);
    expect(text).toContain('finding votes: score = Σ over its findings of (0.3·share of draws + 0.7·finding reader − 0.7) + 2·best similarity');
    expect(text).toContain('[consolidation, pneumonia]  consolidation and pneumonia.');
    expect(text).toContain('finding reader (weight 0.7): pneumonia 98 %, consolidation 31 %');
    const json = toJson('a.png', result);
    expect(text).toContain('pneumonia type (image_reader): P(bacterial) 0.81, margin ±0.2: backs bacterial (its word put into the draft)');
    expect(json.refinement).toEqual({
      finding_sets: 2,
      reader_weight: 0.7,
      finding_reader: { pneumonia: 0.98, consolidation: 0.31 },
      subtype: { bacterial: 0.8123, feature: 'image_reader', margin: 0.2, allowed: 'bacterial', named: true },
    });
    expect(json.candidates[1]).toMatchObject({ findings: ['consolidation', 'pneumonia'], draws: 2, vote_support: -0.1 });
    expect(text).not.toContain('NOT READ');
    expect(json.not_read).toBeUndefined();
  });

  it('says which sentences rule out a finding the model was not shown to read', () => {
    const unassessed = { statements: [{ sentence: 1, findings: ['pneumothorax', 'pleural_effusion'] }], measured: [], split: 'val' };
    const marked = { ...result, unassessed };
    expect(toText('a.png', marked)).toContain('NOT READ: sentence 2 rules out pneumothorax, pleural_effusion, which this model was not shown to read');
    expect(toJson('a.png', marked).not_read).toEqual(unassessed);
  });
});
