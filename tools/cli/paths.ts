// Where things are, relative to this checkout: the repository root, the read-only data beside it
// (../shared/data), the prepared corpus, the output folder and the results document. Every CLI and eval module
// takes its default locations from here.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The data sets, never committed: cxr/ (images + manifest.jsonl) and iu_xray/. */
export const DATA_ROOT = path.resolve(REPO_ROOT, '../shared/data');
export const CXR_DIR = path.join(DATA_ROOT, 'cxr');
export const CXR_MANIFEST = path.join(CXR_DIR, 'manifest.jsonl');
export const CXR_IMAGES = path.join(CXR_DIR, 'images');
export const IU_DIR = path.join(DATA_ROOT, 'iu_xray');
export const IU_REPORTS_CSV = path.join(IU_DIR, 'indiana_reports.csv');
/** `npm run corpus`'s output (git-ignored). */
export const CORPUS_DIR = path.join(REPO_ROOT, 'corpus');
/** Results JSON, caches and traces (git-ignored). */
export const OUT_DIR = path.join(REPO_ROOT, 'out');
/** The Markdown document the eval, bench and ood-check write their sections into. */
export const RESULTS_DOC = path.join(REPO_ROOT, 'docs/RESULTS.md');

/** A path under out/. */
export function outPath(name: string): string {
  return path.join(OUT_DIR, name);
}

/** Writes a results JSON file, making its folder first (out/ is absent on a fresh clone). */
export function writeJsonFile(file: string, value: unknown, indent = 1): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, indent)}\n`);
}

/** Reads a results JSON back as its run computed it: JSON writes NaN (a rate with nothing to count) as null, and every
 *  null in a results file stands for such a number, so it reads back as NaN and prints as "–", not as 0. */
export function readResultsJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8'), (_key, v) => (v === null ? Number.NaN : v)) as T;
}
