// Reading the inputs of the corpus: the CXR manifest (the shared data's or your own, with --limit selection), checked
// before any pixel is decoded; IU X-ray train reports (sentence source for composition) and the R2Gen layout of real
// image–report pairs (--r2gen DIR).
import fs from 'node:fs';
import path from 'node:path';
import { readIuReports } from '../../src/text/labelerValidate';
import type { ManifestRow } from '../../src/text/composeMapping';
import type { IuReportText } from '../../src/text/composePools';
import { SPLITS } from './config';

export class CorpusInputError extends Error {
  override name = 'CorpusInputError';
}

function readText(file: string, what: string, hint = 'is ../shared/data next to the repository?'): string {
  if (!fs.existsSync(file)) throw new CorpusInputError(`${what} not found at ${file}; ${hint}`);
  return fs.readFileSync(file, 'utf8');
}

export function readManifest(cxrDir: string): ManifestRow[] {
  return readManifestFile(path.join(cxrDir, 'manifest.jsonl'));
}

/** A manifest in the cxr JSONL format (docs/CONTRACTS.md), anywhere: the shared data's, or a folder of your own. */
export function readManifestFile(file: string): ManifestRow[] {
  return readText(file, 'CXR manifest', 'is ../shared/data next to the repository, or is --manifest PATH right?')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l, i) => {
      try {
        return JSON.parse(l) as ManifestRow;
      } catch {
        throw new CorpusInputError(`${file}:${i + 1} is not valid JSON`);
      }
    });
}

/**
 * At most `limit` rows spread over every (source, split) group, round robin, evenly spaced inside each group;
 * returned in manifest order. No limit → all rows.
 */
export function selectRows(rows: readonly ManifestRow[], limit?: number): ManifestRow[] {
  if (limit === undefined || limit >= rows.length) return [...rows];
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = `${r.source}|${r.split}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(i);
  });
  const lists = [...groups.values()];
  const quota = lists.map(() => 0);
  let left = limit;
  while (left > 0) {
    let gave = false;
    for (let g = 0; g < lists.length && left > 0; g++) {
      if (quota[g] < lists[g].length) {
        quota[g] += 1;
        left -= 1;
        gave = true;
      }
    }
    if (!gave) break;
  }
  const picked: number[] = [];
  lists.forEach((idx, g) => {
    for (let i = 0; i < quota[g]; i++) picked.push(idx[Math.floor((i * idx.length) / quota[g])]);
  });
  return picked.sort((a, b) => a - b).map((i) => rows[i]);
}

/** IU reports of the R2Gen train split (uid from the study id "CXR<uid>_IM-…"), findings + impression. */
export function readIuTrainReports(iuDir: string): IuReportText[] {
  const annotation = JSON.parse(readText(path.join(iuDir, 'annotation.json'), 'IU annotation.json')) as {
    train?: Array<{ id: string }>;
  };
  const uids = new Set((annotation.train ?? []).map((s) => /^CXR(\d+)_/.exec(s.id)?.[1]).filter((u): u is string => !!u));
  if (uids.size === 0) throw new CorpusInputError(`${iuDir}/annotation.json has no train studies named CXR<uid>_…`);
  return readIuReports(readText(path.join(iuDir, 'indiana_reports.csv'), 'IU indiana_reports.csv'))
    .filter((r) => uids.has(r.uid))
    .map((r) => ({ findings: r.findings, impression: r.impression }));
}

export interface R2GenStudy {
  id: string;
  split: 'train' | 'val' | 'test';
  report: string;
  images: string[]; // absolute paths, one or two views
}

/** R2Gen layout: DIR/annotation.json {train,val,test:[{id, report, image_path:[…]}]}, images under DIR/images/. */
export function readR2Gen(dir: string): R2GenStudy[] {
  const file = path.join(dir, 'annotation.json');
  const annotation = JSON.parse(readText(file, 'R2Gen annotation.json')) as Record<
    string,
    Array<{ id: string; report: string; image_path: string[] }> | undefined
  >;
  const out: R2GenStudy[] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    for (const s of annotation[split] ?? []) {
      if (typeof s.id !== 'string' || typeof s.report !== 'string' || !Array.isArray(s.image_path) || s.image_path.length === 0) {
        throw new CorpusInputError(`${file}: ${split} study ${JSON.stringify(s.id)} needs id, report and image_path[]`);
      }
      const images = s.image_path.slice(0, 2).map((p) => path.join(dir, 'images', p));
      for (const img of images) if (!fs.existsSync(img)) throw new CorpusInputError(`${file}: image ${img} of ${s.id} is missing`);
      out.push({ id: s.id, split, report: s.report, images });
    }
  }
  return out;
}

/** Every way a manifest's rows cannot become corpus items, at once, before minutes of decoding: a missing field or
 *  image file, a split other than train/val/test, a repeated id. The composition plan's own errors (a source or label
 *  source_labels.json does not map) are checked by the caller with planFor. */
export function checkRows(rows: readonly ManifestRow[], imageRoot: string, file: string): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const at = `${path.basename(file)}:${i + 1}`;
    for (const field of ['id', 'source', 'image', 'split'] as const) {
      if (typeof r[field] !== 'string' || r[field].length === 0) problems.push(`${at}: "${field}" must be a non-empty string`);
    }
    if (!Array.isArray(r.labels)) problems.push(`${at}: "labels" must be a list of the source's label names (["No Finding"] for a normal film)`);
    if (typeof r.split === 'string' && !(SPLITS as readonly string[]).includes(r.split)) problems.push(`${at}: split "${r.split}" is not train, val or test`);
    if (typeof r.id === 'string') {
      if (seen.has(r.id)) problems.push(`${at}: id "${r.id}" appears twice`);
      seen.add(r.id);
    }
    if (typeof r.image === 'string' && r.image && !fs.existsSync(path.join(imageRoot, r.image))) {
      problems.push(`${at}: image ${path.join(imageRoot, r.image)} does not exist (image paths are relative to --root, default the manifest's folder)`);
    }
  });
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10).join('\n  ');
  const more = problems.length > 10 ? `\n  … and ${problems.length - 10} more` : '';
  throw new CorpusInputError(`${file} cannot be built into a corpus:\n  ${shown}${more}`);
}
