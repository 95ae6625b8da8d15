// `npm run corpus`: builds corpus/ from ../shared/data, or from your own radiographs (--manifest PATH [--root DIR]),
// (docs/CONTRACTS.md, "Corpus"). Flags: --out DIR, --manifest PATH, --root DIR, --limit N, --seed S,
// --reports-per-image K (≥3), --r2gen DIR, --workers W.
import path from 'node:path';
import { parseFlags, usage, UsageError, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CORPUS_DIR, DATA_ROOT, REPO_ROOT } from './cli/paths';
import { DEFAULT_REPORTS_PER_IMAGE, DEFAULT_SEED, MIN_REPORTS_PER_IMAGE } from './corpus/config';
import { buildCorpus } from './corpus/build';
import { defaultWorkers } from './corpus/pixels';
import { formatStats } from './corpus/stats';

const FLAGS = {
  out: { type: 'string', help: 'output folder (default corpus/)' },
  manifest: { type: 'string', help: 'JSONL manifest of the images, in the cxr format (default ../shared/data/cxr/manifest.jsonl)' },
  root: { type: 'string', help: "folder the manifest's image paths are relative to (default the manifest's folder)" },
  limit: { type: 'number', help: 'use the first N images only (a quick corpus)' },
  seed: { type: 'number', help: `random seed of the composed reports (default ${DEFAULT_SEED})` },
  'reports-per-image': { type: 'number', help: `composed reports per image, at least ${MIN_REPORTS_PER_IMAGE} (default ${DEFAULT_REPORTS_PER_IMAGE})` },
  r2gen: { type: 'string', help: 'folder of an R2Gen-format IU X-ray split to use instead of composing' },
  workers: { type: 'number', help: 'pixel worker threads (default: one per core but one; 0 decodes in the main thread)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run corpus -- [flags]';

function integer(name: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return value;
}

async function main(argv: string[]): Promise<void> {
  const args = parseFlags(argv, FLAGS, COMMAND);
  if (args.help) return void process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
  const out = args.out ? path.resolve(process.cwd(), args.out) : CORPUS_DIR;
  const isTty = process.stderr.isTTY;
  const stats = await buildCorpus({
    dataRoot: DATA_ROOT,
    ...(args.manifest ? { manifest: path.resolve(process.cwd(), args.manifest) } : {}),
    ...(args.root ? { imageRoot: path.resolve(process.cwd(), args.root) } : {}),
    out,
    seed: integer('seed', args.seed, 0) ?? DEFAULT_SEED,
    reportsPerImage: integer('reports-per-image', args['reports-per-image'], MIN_REPORTS_PER_IMAGE) ?? DEFAULT_REPORTS_PER_IMAGE,
    limit: integer('limit', args.limit, 1),
    r2gen: args.r2gen ? path.resolve(process.cwd(), args.r2gen) : undefined,
    workers: integer('workers', args.workers, 0) ?? defaultWorkers(),
    log: (l) => process.stderr.write(`${l}\n`),
    progress: (l) => process.stderr.write(isTty ? `\r${l}   ` : `${l}\n`),
  });
  if (isTty) process.stderr.write('\n');
  process.stdout.write(`${formatStats(stats)}\n`);
  process.stdout.write(`output: ${out.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, out) : out}\n`);
}

runMain(import.meta.url, main);
