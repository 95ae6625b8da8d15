// End-to-end: `npm run eval` on the tiny random model over a few real images (a hand-picked manifest: one image
// per source/label kind, a JSRT nodule, an NIH box from val, and a small train split for the baselines).
// Checks the output shape, the documented invariants (always_normal's micro-F1 is 0) and that onnxruntime-node
// CPU and onnxruntime-web WASM write the same reports — not the numbers of a random model.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTinyModel } from '../src/engine/testing/tinyModel';
import { CXR_DIR } from './cli/paths';
import { readManifest, type ManifestRecord } from './eval/manifest';
import { defaultPerturbations, perturbationName } from './eval/perturb';
import { comparedWithPlainBeam, type EvalResults, type PerImageReport } from './eval/resultsSchema';
import { main } from './eval';

let model: string;
let dir: string;
let manifest: string;

function pick(all: ManifestRecord[], split: string, n: number, pred: (r: ManifestRecord) => boolean): ManifestRecord[] {
  return all.filter((r) => r.split === split && pred(r)).slice(0, n);
}

beforeAll(() => {
  model = ensureTinyModel();
  dir = mkdtempSync(path.join(os.tmpdir(), 'serpent-eval-'));
  const all = readManifest(path.join(CXR_DIR, 'manifest.jsonl'));
  const normal = (r: ManifestRecord) => r.labels.length === 1 && r.labels[0] === 'No Finding';
  const rows = [
    ...pick(all, 'test', 1, (r) => r.source === 'covid_qu' && !normal(r)),
    ...pick(all, 'test', 1, (r) => r.source === 'covid_qu' && normal(r)),
    ...pick(all, 'test', 1, (r) => r.source === 'kermany' && !normal(r)),
    ...pick(all, 'test', 1, (r) => r.source === 'nih64' && !normal(r)),
    ...pick(all, 'test', 1, (r) => r.source === 'jsrt' && !!r.nodule),
    ...pick(all, 'test', 1, (r) => r.source === 'jsrt' && normal(r)),
    ...pick(all, 'val', 1, (r) => (r.boxes?.length ?? 0) > 0),
    ...['covid_qu', 'kermany', 'nih64', 'jsrt'].flatMap((s) => [
      ...pick(all, 'train', 2, (r) => r.source === s && normal(r)),
      ...pick(all, 'train', 2, (r) => r.source === s && !normal(r)),
    ]),
  ];
  manifest = path.join(dir, 'manifest.jsonl');
  writeFileSync(manifest, rows.map((r) => JSON.stringify(r)).join('\n'));
});

const run = (device: string, out: string, extra: string[] = [], modelDir = model) =>
  main(['--manifest', manifest, '--root', CXR_DIR, '--model', modelDir, '--device', device, '--out', out, '--results', path.join(dir, 'RESULTS.md'), ...extra]);

describe('npm run eval (tiny model, real images)', () => {
  it('writes results of the documented shape, the Markdown section and per-image reports', async () => {
    const out = path.join(dir, 'cpu.json');
    const modelCopy = path.join(dir, 'model');
    cpSync(model, modelCopy, { recursive: true });
    await run('cpu', out, ['--robustness-n', '2', '--update-manifest'], modelCopy);
    const r = JSON.parse(readFileSync(out, 'utf8')) as EvalResults;
    expect(r.n).toBe(6);
    expect(r.model).toMatchObject({ id: 'random-tiny', backend: 'cpu', precision: 'fp32' });
    expect(Object.keys(r.systems).sort()).toEqual([
      'always_normal',
      'label_template',
      'nearest_neighbour',
      'serpent',
      'serpent_diverse_lm',
      'serpent_no_rerank',
    ]);
    // the refinement against a separate plain-beam decode as wide as its candidate count: shares in [0, 1], both times measured
    for (const k of ['changed_vs_plain_beam_share', 'findings_changed_vs_plain_beam_share'] as const) expect(r.refinement[k]).toBeGreaterThanOrEqual(0);
    if (!comparedWithPlainBeam(r.refinement)) throw new Error('the refinement was not compared with the plain beam');
    expect(r.refinement.findings_changed_vs_plain_beam_share).toBeLessThanOrEqual(r.refinement.changed_vs_plain_beam_share);
    expect(r.refinement.median_plain_beam_ms).toBeGreaterThan(0);
    expect(r.grounding).toHaveProperty('rsna_box');
    expect(Object.keys(r.refinement_by_source).sort()).toEqual(Object.keys(r.per_source).sort());
    const perSourceN = Object.values(r.refinement_by_source);
    expect(perSourceN.reduce((a, x) => a + x.n, 0)).toBe(r.n);
    expect(perSourceN.reduce((a, x) => a + x.n * x.rerank_changed_share, 0) / r.n).toBeCloseTo(r.rerank_changed_share, 10);
    expect(r.refinement.finding_sets_mean).toBeGreaterThanOrEqual(1); // every image has at least one candidate
    expect(perSourceN.reduce((a, x) => a + x.n * x.finding_sets_mean!, 0) / r.n).toBeCloseTo(r.refinement.finding_sets_mean!, 10);
    expect(r.skipped.serpent_lambda0).toMatch(/ablation-model/);
    for (const s of Object.values(r.systems)) {
      expect(Object.keys(s.nlg).sort()).toEqual(['bleu1', 'bleu2', 'bleu3', 'bleu4', 'cider', 'meteor', 'meteor_exact_stem', 'rouge_l']);
      for (const v of Object.values(s.nlg)) expect(v).toBeGreaterThanOrEqual(0);
      expect(s.clinical).toHaveProperty('per_finding');
      for (const k of ['micro_f1', 'macro_f1', 'hallucination_rate', 'omission_rate'] as const) expect(typeof s.clinical[k]).toBe('number');
    }
    // The always-normal report asserts nothing: no true positive, nothing hallucinated, every abnormal image omitted.
    expect(r.systems.always_normal.clinical.micro_f1).toBe(0);
    expect(r.systems.always_normal.clinical.hallucination_rate).toBe(0);
    expect(r.systems.always_normal.clinical.omission_rate).toBeCloseTo(4 / 6, 10);
    expect(Object.keys(r.per_source).sort()).toEqual(['covid_qu', 'jsrt', 'kermany', 'nih64']);
    expect(r.per_source.jsrt.serpent.n).toBe(2);
    expect(r.grounding.jsrt_nodule.n).toBe(1);
    expect(r.grounding.nih_box.n).toBeGreaterThanOrEqual(1); // the val image's box(es)
    // one row per scored target, each with its peak and truth inside the grid
    const g = r.grounding;
    expect(g.targets?.length).toBe(g.jsrt_nodule.n + g.nih_box.n + g.rsna_box.n);
    for (const t of g.targets ?? []) for (const v of [...t.peak, ...t.truth]) expect(v).toBeGreaterThanOrEqual(0);
    expect(g.targets?.find((t) => t.kind === 'jsrt_nodule')?.id).toMatch(/^jsrt\//);
    expect(g.laterality?.n).toBe(Object.values(g.laterality?.by_finding ?? {}).reduce((a, x) => a + x.n, 0));
    if (!('rows' in r.robustness)) throw new Error('robustness did not run');
    expect(Object.keys(r.robustness.rows)).toEqual(['clean', ...defaultPerturbations().map(perturbationName)]); // one row each (perturb.test.ts names them)
    expect(r.robustness.rows.clean.changed_share).toBe(0);
    const md = readFileSync(path.join(dir, 'RESULTS.md'), 'utf8');
    expect(md).toContain('<!-- section:eval:random-tiny:test -->');
    expect(md).toContain('meteor_exact_stem');
    expect(md).toContain(`--manifest ${manifest}`);
    const perImage = readFileSync(path.join(dir, 'cpu.reports.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as PerImageReport);
    expect(perImage).toHaveLength(6);
    expect(new Set(perImage.map((p) => p.reports.always_normal)).size).toBe(1);
    const evaluation = JSON.parse(readFileSync(path.join(modelCopy, 'manifest.json'), 'utf8')).evaluation;
    expect(evaluation.test.n).toBe(6);
    expect(evaluation.test.systems.serpent.micro_f1).toBe(r.systems.serpent.clinical.micro_f1);
    expect(md).toContain('<!-- section:eval:methods -->');
  });

  it('gives the same reports on onnxruntime-node CPU and onnxruntime-web WASM', async () => {
    const args = ['--systems', 'serpent,serpent_no_rerank', '--robustness-n', '0', '--grounding-splits', 'none', '--limit', '4'];
    await run('cpu', path.join(dir, 'a.json'), args);
    await run('wasm', path.join(dir, 'b.json'), args);
    const read = (f: string) =>
      readFileSync(path.join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).reports);
    const [cpu, wasm] = [read('a.reports.jsonl'), read('b.reports.jsonl')];
    expect(cpu).toHaveLength(4);
    expect(wasm).toEqual(cpu);
    expect(JSON.parse(readFileSync(path.join(dir, 'b.json'), 'utf8')).model.backend).toBe('wasm');
  });

  it('rejects bad usage with a typed error', async () => {
    await expect(main(['--limit', 'many'])).rejects.toThrow(/--limit must be a number/);
    await expect(run('cpu', path.join(dir, 'x.json'), ['--split', 'nope'])).rejects.toThrow(/no images in split "nope"/);
  });
});
