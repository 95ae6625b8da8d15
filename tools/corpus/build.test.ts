// End to end: the corpus CLI on a few real images, determinism, the R2Gen layout, your own radiographs (--manifest,
// --root), and the pixel workers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from 'fast-png';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { SPECIAL_IDS, WordTokenizer } from '../../src/text/tokenizer';
import { FINDING_KEYS } from '../../src/text/findings';
import { buildCorpus } from './build';
import { DATA_ROOT, REPO_ROOT } from '../cli/paths';
import { IMAGE_SIZE } from './config';
import { parseNpy } from './npy';
import { decodeAll } from './pixels';
import { readManifest } from './sources';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const load = (dir: string, split: string, name: string) => parseNpy(fs.readFileSync(path.join(dir, split, `${name}.npy`)));
const records = (dir: string, split: string) =>
  fs
    .readFileSync(path.join(dir, split, 'records.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));

describe('npm run corpus -- --limit 40', () => {
  const out = path.join(tmp, 'cli');
  it('writes every file of the contract with the right shapes and dtypes', () => {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'tools/corpus.ts', '--limit', '40', '--out', out, '--reports-per-image', '3'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(stdout).toMatch(/vocabulary: \d+ tokens/);
    expect(stdout).toMatch(/truncated \d+ of 120/);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({
      format: 'serpent-corpus',
      version: 1,
      image_size: IMAGE_SIZE,
      pixel_mean: 0.5,
      pixel_std: 0.25,
      reports_per_image: 3,
      seed: 1,
    });
    expect(meta.special_ids).toEqual({ pad: 0, bos: 1, eos: 2, unk: 3, sep: 4 });
    expect(meta.findings).toHaveLength(FINDING_KEYS.length);
    const L = meta.max_length;
    const tokJson = JSON.parse(fs.readFileSync(path.join(out, 'tokenizer.json'), 'utf8'));
    const tok = new WordTokenizer(tokJson);
    const hf = new Tokenizer(tokJson, {});
    let studies = 0;
    for (const split of ['train', 'val', 'test']) {
      const recs = records(out, split);
      const n = recs.length;
      studies += n;
      expect(meta.splits[split]).toBe(n);
      const pixels = load(out, split, 'pixels');
      const views = load(out, split, 'views');
      const tokens = load(out, split, 'tokens');
      const labels = load(out, split, 'labels');
      expect([pixels.dtype, views.dtype, tokens.dtype, labels.dtype]).toEqual(['|u1', '<i4', '<i4', '|u1']);
      expect(pixels.shape).toEqual([n, IMAGE_SIZE, IMAGE_SIZE]);
      expect(views.shape).toEqual([n, 2]);
      expect(tokens.shape).toEqual([n, 3, L]);
      expect(labels.shape).toEqual([n, FINDING_KEYS.length]);
      for (let i = 0; i < n; i++) {
        expect([views.data[2 * i], views.data[2 * i + 1]]).toEqual([i, -1]);
        const rec = recs[i];
        expect(rec.split).toBe(split);
        const row = [...labels.data.subarray(i * FINDING_KEYS.length, (i + 1) * FINDING_KEYS.length)];
        expect(meta.findings.filter((_: string, f: number) => row[f] === 1)).toEqual(rec.findings);
        for (let k = 0; k < 3; k++) {
          const ids = [...tokens.data.subarray((i * 3 + k) * L, (i * 3 + k + 1) * L)];
          expect(ids[0]).toBe(SPECIAL_IDS.bos);
          const eos = ids.indexOf(SPECIAL_IDS.eos);
          expect(eos).toBeGreaterThan(0);
          expect(ids.slice(eos + 1).every((t) => t === SPECIAL_IDS.pad)).toBe(true);
          const report = rec.reports[k];
          const reportIds = tok.encodeReport(report);
          expect(ids.slice(0, eos + 1)).toEqual(reportIds);
          expect(hf.encode(report.findings, { text_pair: report.impression }).ids).toEqual(reportIds);
          if (!reportIds.includes(SPECIAL_IDS.unk)) expect(tok.decodeReport(ids)).toEqual(report);
        }
      }
      // Pixels look like radiographs on black padding, not blank arrays.
      let sum = 0;
      for (const v of pixels.data) sum += v;
      const mean = sum / Math.max(1, pixels.data.length);
      if (n > 0) expect(mean).toBeGreaterThan(20);
    }
    expect(studies).toBe(40);
    expect(new Set(['train', 'val', 'test'].flatMap((s) => records(out, s).map((r) => r.source)))).toEqual(new Set(['covid_qu', 'kermany', 'nih64', 'jsrt']));
  });
});

describe('determinism', () => {
  it('gives identical files for a seed and different reports for another seed', async () => {
    const opts = { dataRoot: DATA_ROOT, limit: 12, reportsPerImage: 3, workers: 0 };
    await buildCorpus({ ...opts, out: path.join(tmp, 'a'), seed: 5 });
    await buildCorpus({ ...opts, out: path.join(tmp, 'b'), seed: 5 });
    await buildCorpus({ ...opts, out: path.join(tmp, 'c'), seed: 6 });
    for (const f of ['tokenizer.json', 'train/tokens.npy', 'train/pixels.npy', 'train/records.jsonl', 'test/records.jsonl']) {
      expect(fs.readFileSync(path.join(tmp, 'b', f)).equals(fs.readFileSync(path.join(tmp, 'a', f))), f).toBe(true);
    }
    expect(fs.readFileSync(path.join(tmp, 'c', 'train/records.jsonl'), 'utf8')).not.toBe(fs.readFileSync(path.join(tmp, 'a', 'train/records.jsonl'), 'utf8'));
  });
});

describe('--r2gen layout', () => {
  it('stores real report pairs with both views and labeler findings', async () => {
    const dir = path.join(tmp, 'r2gen');
    const png = (seed: number): Uint8Array =>
      encode({ width: 48, height: 40, channels: 1, depth: 8, data: Uint8Array.from({ length: 48 * 40 }, (_, i) => (i * seed) % 251) });
    const studies = {
      train: [
        { id: 'S1', report: 'The heart is normal in size. The lungs are clear. No pleural effusion.', image_path: ['S1/0.png', 'S1/1.png'], split: 'train' },
        { id: 'S2', report: 'Small right pleural effusion. Heart size is enlarged.', image_path: ['S2/0.png'], split: 'train' },
      ],
      val: [],
      test: [{ id: 'S3', report: 'Findings: left lower lobe opacity. Impression: Pneumonia.', image_path: ['S3/0.png', 'S3/1.png'], split: 'test' }],
    };
    for (const s of [...studies.train, ...studies.test]) {
      s.image_path.forEach((p, i) => {
        fs.mkdirSync(path.join(dir, 'images', path.dirname(p)), { recursive: true });
        fs.writeFileSync(path.join(dir, 'images', p), png(i + 3));
      });
    }
    fs.writeFileSync(path.join(dir, 'annotation.json'), JSON.stringify(studies));
    const out = path.join(tmp, 'r2out');
    await buildCorpus({ dataRoot: DATA_ROOT, out, seed: 1, reportsPerImage: 3, limit: 6, r2gen: dir, workers: 0 });
    const train = records(out, 'train');
    const r2 = train.filter((r) => r.source === 'r2gen');
    expect(r2.map((r) => r.id)).toEqual(['S1', 'S2']);
    expect(r2[0].findings).toEqual(['No Finding']);
    expect(r2[1].findings).toEqual(expect.arrayContaining(['Cardiomegaly', 'Pleural Effusion']));
    expect(r2[0].reports[0]).toEqual({
      findings: 'the heart is normal in size. the lungs are clear. no pleural effusion.',
      impression: '',
      text: 'the heart is normal in size. the lungs are clear. no pleural effusion.',
    });
    const views = load(out, 'train', 'views');
    const nTrain = train.length;
    const s1 = train.findIndex((r) => r.id === 'S1');
    const s2 = train.findIndex((r) => r.id === 'S2');
    expect(views.data[2 * s1 + 1]).toBe(views.data[2 * s1] + 1);
    expect(views.data[2 * s2 + 1]).toBe(-1);
    expect(load(out, 'train', 'pixels').shape[0]).toBe(nTrain + 1); // S1 has two views
    const test = records(out, 'test').find((r) => r.id === 'S3');
    expect(test.reports[0].findings).toBe('left lower lobe opacity.');
    expect(test.reports[0].impression).toBe('pneumonia.');
    expect(test.findings).toEqual(expect.arrayContaining(['Lung Opacity', 'Pneumonia']));
  });
});

describe('your own radiographs (--manifest PATH --root DIR)', () => {
  const own = path.join(tmp, 'own');
  const png = (w: number, h: number, seed: number): Uint8Array =>
    encode({ width: w, height: h, channels: 1, depth: 8, data: Uint8Array.from({ length: w * h }, (_, i) => (i * seed + seed) % 253) });
  // A source the mapping knows (nih64: NIH's label names), on films of the researcher's own sizes and folders.
  const rows = [
    { id: 'mine/a', source: 'nih64', image: 'films/a.png', split: 'train', labels: ['Cardiomegaly', 'Effusion'] },
    { id: 'mine/b', source: 'nih64', image: 'films/b.png', split: 'train', labels: ['No Finding'] },
    { id: 'mine/c', source: 'nih64', image: 'films/c.png', split: 'val', labels: ['Pneumothorax'] },
    { id: 'mine/d', source: 'nih64', image: 'films/d.png', split: 'test', labels: ['No Finding'] },
  ];
  const writeOwn = (list: unknown[], name = 'manifest.jsonl'): string => {
    fs.mkdirSync(path.join(own, 'films'), { recursive: true });
    rows.forEach((r, i) => fs.writeFileSync(path.join(own, r.image), png(300 + 40 * i, 260, i + 2)));
    const file = path.join(own, 'lists', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${list.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return file;
  };

  it('builds the corpus from a manifest outside the shared data, its images under --root', () => {
    const manifest = writeOwn(rows);
    const out = path.join(tmp, 'own-out');
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/corpus.ts', '--manifest', manifest, '--root', own, '--out', out, '--reports-per-image', '3'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(records(out, 'train').map((r) => [r.id, r.findings])).toEqual([
      ['mine/a', expect.arrayContaining(['Cardiomegaly', 'Pleural Effusion'])],
      ['mine/b', ['No Finding']],
    ]);
    expect(records(out, 'val')[0].reports[0].text).toMatch(/pneumothorax/);
    expect(load(out, 'train', 'pixels').shape).toEqual([2, IMAGE_SIZE, IMAGE_SIZE]);
    expect(load(out, 'test', 'pixels').shape).toEqual([1, IMAGE_SIZE, IMAGE_SIZE]);
  });

  it('refuses a manifest with missing images, bad splits, repeated ids or unmapped labels before decoding anything', async () => {
    const out = path.join(tmp, 'own-bad');
    const bad = writeOwn(
      [
        { ...rows[0], image: 'films/missing.png' },
        { ...rows[1], split: 'holdout' },
        { ...rows[2], id: 'mine/a' },
        { ...rows[3], labels: 'No Finding' },
      ],
      'bad.jsonl',
    );
    const build = (manifest: string) => buildCorpus({ dataRoot: DATA_ROOT, manifest, imageRoot: own, out, seed: 1, reportsPerImage: 3, workers: 0 });
    const err = await build(bad).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('CorpusInputError');
    expect((err as Error).message).toContain('bad.jsonl:1: image');
    expect((err as Error).message).toContain('films/missing.png does not exist');
    expect((err as Error).message).toContain('bad.jsonl:2: split "holdout" is not train, val or test');
    expect((err as Error).message).toContain('bad.jsonl:3: id "mine/a" appears twice');
    expect((err as Error).message).toContain('bad.jsonl:4: "labels" must be a list');
    // --limit picks fewer rows, but every row is checked and named by its line in the file
    await expect(buildCorpus({ dataRoot: DATA_ROOT, manifest: bad, imageRoot: own, out, seed: 1, reportsPerImage: 3, workers: 0, limit: 1 })).rejects.toThrow(
      /bad\.jsonl:4: "labels" must be a list/,
    );
    const unmapped = writeOwn([{ ...rows[0], labels: ['Granuloma'] }], 'unmapped.jsonl');
    await expect(build(unmapped)).rejects.toThrow(/label "Granuloma" of nih64 is not mapped in source_labels\.json/);
    const unknownSource = writeOwn([{ ...rows[0], source: 'my_hospital' }], 'source.jsonl');
    await expect(build(unknownSource)).rejects.toThrow(/source "my_hospital" has no entry in src\/text\/data\/corpus\/source_labels\.json/);
    await expect(build(path.join(own, 'lists', 'none.jsonl'))).rejects.toThrow(/CXR manifest not found at .*none\.jsonl; .*--manifest PATH right\?/);
    expect(fs.existsSync(out)).toBe(false); // nothing was written
  });
});

describe('pixel decoding in worker threads', () => {
  it('returns the same pixels, in order, as decoding in this thread', async () => {
    const cxr = path.join(DATA_ROOT, 'cxr');
    const rows = readManifest(cxr)
      .filter((_, i) => i % 200 === 0)
      .slice(0, 70);
    const jobs = rows.map((r, index) => ({ index, file: path.join(cxr, r.image) }));
    const opts = { size: IMAGE_SIZE, mean: 0.5, std: 0.25 };
    const inThread: Uint8Array[] = [];
    await decodeAll(jobs, { ...opts, workers: 0 }, (_, px) => inThread.push(px));
    const order: number[] = [];
    await decodeAll(jobs, { ...opts, workers: 2 }, (job, px) => {
      order.push(job.index);
      expect(Buffer.from(px).equals(Buffer.from(inThread[job.index]))).toBe(true);
    });
    expect(order).toEqual(jobs.map((j) => j.index));
  });
});
