// `npm run eval-compare -- A.reports.jsonl [B.reports.jsonl] [--pairs a:b,…] [--resamples 2000] [--seed 1]`
// Is a difference between two systems' clinical scores more than the choice of images? Reads the per-image
// reports an eval wrote (<out>.reports.jsonl) and prints a paired, source-stratified bootstrap of micro-F1,
// hallucination and omission (tools/eval/pairedBootstrap.ts), without running a model.
//   one file:  compares systems of that run (default: the eval's pairs, serpent against each of its references);
//   two files: compares system a of the first run with system b of the second, image by image (default
//              serpent:serpent), e.g. a retrained model's eval against the shipped one's. Exit 2 on bad usage.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCommandLine, UNCERTAIN_FLAG, usage, UsageError, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { writeJsonFile } from './cli/paths';
import { comparisonsMarkdown } from './eval/comparisonMarkdown';
import { compareSystems, EVAL_COMPARISONS, type PairedComparison } from './eval/pairedBootstrap';
import type { PerImageReport } from './eval/resultsSchema';

const FLAGS = {
  pairs: { type: 'list', help: "a:b pairs to compare (one file: default the eval's pairs; two files: default serpent:serpent)" },
  resamples: { type: 'number', help: 'bootstrap resamples (default 2000)' },
  seed: { type: 'number', help: 'resampling seed (default 1)' },
  uncertain: UNCERTAIN_FLAG,
  out: { type: 'string', help: 'also write the comparisons as JSON here' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run eval-compare -- A.reports.jsonl [B.reports.jsonl] [flags]';

export function readReports(file: string): PerImageReport[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}: give the .reports.jsonl that npm run eval wrote beside its --out JSON`);
  }
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line, i) => {
      const row = JSON.parse(line) as PerImageReport;
      if (typeof row.id !== 'string' || !Array.isArray(row.truth) || typeof row.reports !== 'object')
        throw new UsageError(`${file} line ${i + 1} is not an eval report row (id, source, truth, reports)`);
      return row;
    });
}

const parsePair = (spec: string): [string, string] => {
  const [a, b = a] = spec.split(':');
  if (!a) throw new UsageError(`--pairs: "${spec}" is not a:b`);
  return [a, b];
};

/** Compares within one run, or run A's systems with run B's on the images both scored (matched by id). */
export function compareRuns(
  first: readonly PerImageReport[],
  second: readonly PerImageReport[] | undefined,
  pairs: readonly (readonly [string, string])[] | undefined,
  options: { resamples?: number; seed?: number; uncertain?: 'positive' | 'negative' } = {},
): PairedComparison[] {
  const uncertain = options.uncertain ?? 'positive';
  const textsOf = (rows: readonly PerImageReport[], name: string) => (rows.every((r) => name in r.reports) ? rows.map((r) => r.reports[name]) : undefined);
  if (!second) {
    const names = new Set(first.flatMap((r) => Object.keys(r.reports)));
    const reports = Object.fromEntries([...names].map((name) => [name, textsOf(first, name)]));
    for (const [a, b] of pairs ?? []) if (!reports[a] || !reports[b]) throw new UsageError(`this run has no reports of "${a}" or "${b}" for every image`);
    const compared = compareSystems(reports, first, uncertain, pairs ?? EVAL_COMPARISONS, options);
    if (compared.length === 0)
      throw new UsageError(`this run has none of the eval's pairs (${EVAL_COMPARISONS.map((p) => p.join(':')).join(', ')}); name some with --pairs`);
    return compared;
  }
  const byId = new Map(second.map((r) => [r.id, r]));
  const shared = first.filter((r) => byId.has(r.id));
  if (shared.length === 0) throw new UsageError('the two runs share no image id: were they evaluated on the same split?');
  for (const r of shared) {
    if (JSON.stringify(r.truth) !== JSON.stringify(byId.get(r.id)!.truth))
      throw new UsageError(`image ${r.id} has other labels in the second run: the two runs read different manifests`);
  }
  const other = shared.map((r) => byId.get(r.id)!);
  return (pairs ?? [['serpent', 'serpent']]).flatMap(([a, b]) => {
    const [ta, tb] = [textsOf(shared, a), textsOf(other, b)];
    if (!ta || !tb) throw new UsageError(`the first run has no "${a}" report or the second no "${b}" report for some image`);
    const names = { a: `${a} (first)`, b: `${b} (second)` };
    return compareSystems({ [names.a]: ta, [names.b]: tb }, shared, uncertain, [[names.a, names.b]], options);
  });
}

export function main(argv: string[]): PairedComparison[] | null {
  const { flags: f, positionals } = parseCommandLine(argv, FLAGS, COMMAND, { positionals: true });
  if (f.help) {
    process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
    return null;
  }
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`give one or two .reports.jsonl files\n${usage(COMMAND, FLAGS)}`);
  const [first, second] = positionals.map((p) => readReports(path.resolve(p)));
  const comparisons = compareRuns(first, second, f.pairs?.map(parsePair), { resamples: f.resamples, seed: f.seed, uncertain: f.uncertain });
  if (second) process.stdout.write(`${comparisons[0].n} images in both runs (first: ${first.length}, second: ${second.length})\n\n`);
  process.stdout.write(`${comparisonsMarkdown(comparisons).join('\n\n')}\n`);
  if (f.out) writeJsonFile(path.resolve(f.out), comparisons);
  return comparisons;
}

runMain(import.meta.url, main);
