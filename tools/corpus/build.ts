// Builds the training corpus (docs/CONTRACTS.md, "Corpus"): composes K reports per CXR image (and takes real
// R2Gen pairs as they are), builds the tokenizer, and writes per split pixels/views/tokens/labels .npy files,
// records.jsonl, meta.json and tokenizer.json. Pixels are decoded in worker threads while reports are composed.
import fs from 'node:fs';
import path from 'node:path';
import { cleanReport } from '../../src/text/clean';
import type { ComposedReport } from '../../src/text/compose';
import { CorpusComposer } from '../../src/text/corpusComposer';
import { planFor } from '../../src/text/composeMapping';
import { FINDING_KEYS, FINDING_NAMES, type FindingKey } from '../../src/text/findings';
import { labelReport } from '../../src/text/labeler';
import { SPECIAL_IDS, WordTokenizer, buildTokenizerJson, buildVocabulary, canonicalText } from '../../src/text/tokenizer';
import { IMAGE_SIZE, MAX_LENGTH, PIXEL_MEAN, PIXEL_STD, SPLITS, VOCAB_MIN_COUNT, type Split } from './config';
import { bankVocabularyTexts } from './bankWords';
import { NpyStreamWriter, writeNpy } from './npy';
import { decodeAll, type PixelJob } from './pixels';
import { checkRows, readIuTrainReports, readManifestFile, readR2Gen, selectRows } from './sources';
import { computeStats, type CorpusStats } from './stats';

export interface BuildOptions {
  dataRoot: string; // ../shared/data: its iu_xray/ gives the sentences reports are composed from
  manifest?: string; // the images' JSONL manifest (default <dataRoot>/cxr/manifest.jsonl)
  imageRoot?: string; // the folder the manifest's image paths are relative to (default the manifest's folder)
  out: string;
  seed: number;
  reportsPerImage: number;
  limit?: number;
  r2gen?: string;
  workers: number;
  maxLength?: number;
  log?: (line: string) => void;
  progress?: (line: string) => void;
}

export interface CorpusItem {
  id: string;
  source: string;
  split: Split;
  images: string[];
  labels: string[]; // source names
  findings: FindingKey[]; // ours, parents included
  reports: ComposedReport[];
  location?: unknown;
}

function splitReport(report: string): { findings: string; impression: string } {
  const m = /^(.*?)\bimpression\s*:\s*(.*)$/is.exec(report);
  const clean = (t: string): string => canonicalText(cleanReport(t.replace(/\bfindings\s*:\s*/i, '')));
  return m ? { findings: clean(m[1]), impression: clean(m[2]) } : { findings: clean(report), impression: '' };
}

function assertedFindings(text: string): FindingKey[] {
  const { findings } = labelReport(text);
  return FINDING_KEYS.filter((k) => findings[k] !== 'negative');
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function buildCorpus(opts: BuildOptions): Promise<CorpusStats> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const progress = opts.progress ?? (() => {});
  const K = opts.reportsPerImage;
  const L = opts.maxLength ?? MAX_LENGTH;
  const manifest = opts.manifest ?? path.join(opts.dataRoot, 'cxr', 'manifest.jsonl');
  const cxrDir = opts.imageRoot ?? path.dirname(manifest);
  const all = readManifestFile(manifest);
  checkRows(all, cxrDir, manifest); // every row, so a problem is named by its line in the file, whatever --limit picks
  const rows = selectRows(all, opts.limit);
  for (const r of rows) planFor(r); // a source or label source_labels.json does not map fails here, not after the pixels
  const studies = opts.r2gen ? readR2Gen(opts.r2gen) : [];

  // Items in output order (split, then manifest order); images known before any report is written.
  const items: CorpusItem[] = [];
  for (const r of rows) {
    items.push({ id: r.id, source: r.source, split: r.split as Split, images: [path.join(cxrDir, r.image)], labels: r.labels, findings: [], reports: [] });
  }
  for (const s of studies) items.push({ id: s.id, source: 'r2gen', split: s.split, images: s.images, labels: [], findings: [], reports: [] });
  const bySplit = new Map<Split, CorpusItem[]>(SPLITS.map((s) => [s, items.filter((i) => i.split === s)]));

  // Pixels: one .npy per split, rows in item order; decoding runs in workers while reports are composed.
  fs.mkdirSync(opts.out, { recursive: true });
  const writers = new Map<Split, NpyStreamWriter>();
  const jobs: Array<PixelJob & { split: Split }> = [];
  for (const split of SPLITS) {
    fs.mkdirSync(path.join(opts.out, split), { recursive: true });
    const list = bySplit.get(split)!;
    const m = list.reduce((n, i) => n + i.images.length, 0);
    writers.set(split, new NpyStreamWriter(path.join(opts.out, split, 'pixels.npy'), 'uint8', [m, IMAGE_SIZE, IMAGE_SIZE]));
    for (const item of list) for (const file of item.images) jobs.push({ index: jobs.length, file, split });
  }
  let decoded = 0;
  let composed = 0;
  let lastStatus = 0;
  const status = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastStatus < 2000) return;
    lastStatus = now;
    const secs = ((now - t0) / 1000).toFixed(0);
    progress(`[${secs}s] images ${decoded}/${jobs.length}  reports composed ${composed}/${items.length}`);
  };
  const pixelsDone = decodeAll(jobs, { size: IMAGE_SIZE, mean: PIXEL_MEAN, std: PIXEL_STD, workers: opts.workers }, (job, px) => {
    writers.get((job as (typeof jobs)[number]).split)!.write(px);
    decoded += 1;
    if (decoded % 100 === 0) status();
  });
  pixelsDone.catch(() => {}); // surfaced by the await below

  // Reports.
  const composer = new CorpusComposer(readIuTrainReports(path.join(opts.dataRoot, 'iu_xray')));
  const rowById = new Map(rows.map((r) => [r.id, r]));
  for (const item of items) {
    const row = rowById.get(item.id);
    if (row && item.source !== 'r2gen') {
      const plan = planFor(row);
      item.findings = plan.findings;
      item.reports = composer.reportsFor(plan, K, opts.seed, item.id);
      item.location = plan.express.map((e) => ({ findings: e.findings.map((f) => FINDING_NAMES[f]), ...e.location }));
    } else {
      const study = studies.find((s) => s.id === item.id)!;
      const parts = splitReport(study.report);
      const report = { ...parts, text: [parts.findings, parts.impression].filter((t) => t.length > 0).join(' ') };
      item.findings = assertedFindings(report.text);
      item.reports = Array.from({ length: K }, () => report);
    }
    composed += 1;
    if (composed % 100 === 0) {
      status();
      await yieldToEvents();
    }
  }
  status(true);
  const tCompose = performance.now();

  // Tokenizer: words seen twice in train reports, plus every sentence-bank word.
  const trainTexts = bySplit.get('train')!.flatMap((i) => i.reports.map((r) => r.text));
  const tokenizerJson = buildTokenizerJson(buildVocabulary(trainTexts, bankVocabularyTexts(cleanReport), VOCAB_MIN_COUNT));
  const tokenizer = new WordTokenizer(tokenizerJson);
  fs.writeFileSync(path.join(opts.out, 'tokenizer.json'), JSON.stringify(tokenizerJson));

  const lengths: number[] = [];
  let truncated = 0;
  let unknownTokens = 0;
  for (const split of SPLITS) {
    const list = bySplit.get(split)!;
    const tokens = new Int32Array(list.length * K * L); // [N,K,L], PAD = 0
    const labels = new Uint8Array(list.length * FINDING_KEYS.length); // [N,F]
    const views = new Int32Array(list.length * 2); // [N,2]
    let pixelRow = 0;
    const records: string[] = [];
    list.forEach((item, n) => {
      item.reports.forEach((r, k) => {
        let ids = tokenizer.encodeReport(r);
        lengths.push(ids.length);
        unknownTokens += ids.filter((id) => id === SPECIAL_IDS.unk).length;
        if (ids.length > L) {
          truncated += 1;
          ids = [...ids.slice(0, L - 1), SPECIAL_IDS.eos];
        }
        tokens.set(ids, (n * K + k) * L);
      });
      for (const f of item.findings) labels[n * FINDING_KEYS.length + FINDING_KEYS.indexOf(f)] = 1;
      views[n * 2] = pixelRow;
      views[n * 2 + 1] = item.images.length > 1 ? pixelRow + 1 : -1;
      pixelRow += item.images.length;
      records.push(
        JSON.stringify({
          id: item.id,
          source: item.source,
          split,
          images: item.images.map((f) => path.relative(opts.dataRoot, f)),
          labels: item.labels,
          findings: item.findings.map((f) => FINDING_NAMES[f]),
          location: item.location,
          reports: item.reports,
        }),
      );
    });
    const dir = path.join(opts.out, split);
    writeNpy(path.join(dir, 'tokens.npy'), 'int32', [list.length, K, L], tokens);
    writeNpy(path.join(dir, 'labels.npy'), 'uint8', [list.length, FINDING_KEYS.length], labels);
    writeNpy(path.join(dir, 'views.npy'), 'int32', [list.length, 2], views);
    fs.writeFileSync(path.join(dir, 'records.jsonl'), records.length > 0 ? `${records.join('\n')}\n` : '');
  }

  await pixelsDone;
  for (const w of writers.values()) w.close();
  const seconds = (performance.now() - t0) / 1000;
  const stats = computeStats({
    items,
    lengths,
    truncated,
    unknownTokens,
    vocabSize: tokenizer.vocabSize,
    maxLength: L,
    seconds,
    composeSeconds: (tCompose - t0) / 1000,
  });
  const sources: Record<string, Record<string, number>> = {};
  for (const item of items) {
    sources[item.source] ??= {};
    sources[item.source][item.split] = (sources[item.source][item.split] ?? 0) + 1;
  }
  const meta = {
    format: 'serpent-corpus',
    version: 1,
    image_size: IMAGE_SIZE,
    pixel_mean: PIXEL_MEAN,
    pixel_std: PIXEL_STD,
    findings: FINDING_KEYS.map((k) => FINDING_NAMES[k]),
    finding_keys: [...FINDING_KEYS],
    special_ids: { ...SPECIAL_IDS },
    vocab_size: tokenizer.vocabSize,
    max_length: L,
    reports_per_image: K,
    splits: Object.fromEntries(SPLITS.map((s) => [s, bySplit.get(s)!.length])),
    pixel_rows: Object.fromEntries(SPLITS.map((s) => [s, bySplit.get(s)!.reduce((n, i) => n + i.images.length, 0)])),
    seed: opts.seed,
    limit: opts.limit ?? null,
    sources,
    stats: { truncated_reports: truncated, unknown_tokens: unknownTokens, report_tokens_mean: stats.tokens.mean, report_tokens_p95: stats.tokens.p95 },
    created_by: 'npm run corpus (tools/corpus.ts)',
  };
  fs.writeFileSync(path.join(opts.out, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  log(`wrote ${opts.out}`);
  return stats;
}
