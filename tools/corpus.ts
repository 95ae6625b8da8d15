// `npm run corpus`: builds corpus/ from ../shared/data (docs/CONTRACTS.md, "Corpus").
// Flags: --out DIR, --limit N, --seed S, --reports-per-image K (≥3), --r2gen DIR, --workers W.
import path from 'node:path';
import { DATA_ROOT, DEFAULT_OUT, DEFAULT_REPORTS_PER_IMAGE, DEFAULT_SEED, MIN_REPORTS_PER_IMAGE, REPO_ROOT } from './corpus/config';
import { buildCorpus } from './corpus/build';
import { defaultWorkers } from './corpus/pixels';
import { formatStats } from './corpus/stats';

class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = 'usage: npm run corpus -- [--out DIR] [--limit N] [--seed S] [--reports-per-image K>=3] [--r2gen DIR] [--workers W]';

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') throw new UsageError(USAGE);
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new UsageError(`unexpected argument "${a}"\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value\n${USAGE}`);
    out[m[1]] = value;
  }
  const known = new Set(['out', 'limit', 'seed', 'reports-per-image', 'r2gen', 'workers']);
  for (const k of Object.keys(out)) if (!known.has(k)) throw new UsageError(`unknown flag --${k}\n${USAGE}`);
  return out;
}

function int(args: Record<string, string>, name: string, fallback: number | undefined, min: number): number | undefined {
  if (args[name] === undefined) return fallback;
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${args[name]}"`);
  return v;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const out = args.out ? path.resolve(process.cwd(), args.out) : DEFAULT_OUT;
  const isTty = process.stderr.isTTY;
  const stats = await buildCorpus({
    dataRoot: DATA_ROOT,
    out,
    seed: int(args, 'seed', DEFAULT_SEED, 0)!,
    reportsPerImage: int(args, 'reports-per-image', DEFAULT_REPORTS_PER_IMAGE, MIN_REPORTS_PER_IMAGE)!,
    limit: int(args, 'limit', undefined, 1),
    r2gen: args.r2gen ? path.resolve(process.cwd(), args.r2gen) : undefined,
    workers: int(args, 'workers', defaultWorkers(), 0)!,
    log: (l) => process.stderr.write(`${l}\n`),
    progress: (l) => process.stderr.write(isTty ? `\r${l}   ` : `${l}\n`),
  });
  if (isTty) process.stderr.write('\n');
  process.stdout.write(`${formatStats(stats)}\n`);
  process.stdout.write(`output: ${out.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, out) : out}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`\n${e.name}: ${e.message}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
