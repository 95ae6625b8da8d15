// CLI for the finding labeler.
//   npm run labeler -- "There is a small left pleural effusion."   → prints the LabelResult as JSON
//   npm run labeler -- --validate [--csv PATH] [--uncertain positive|negative] [--errors FINDING] [--max N]
//     → labels findings+impression of IU's indiana_reports.csv, compares with the mapped MeSH codes, prints a
//       per-finding table and ends with one JSON line {"n_reports":…,"micro_f1":…,"macro_f1":…}.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FINDING_KEYS, isFindingKey } from '../src/text/findings';
import { labelReport } from '../src/text/labeler';
import { computeMetrics, formatMetricsTable } from '../src/text/labelerMetrics';
import { buildValidationSet, readIuReports } from '../src/text/labelerValidate';

class UsageError extends Error {
  override name = 'UsageError';
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE =
  'usage: npm run labeler -- "report text"  |  npm run labeler -- --validate [--csv PATH] [--uncertain positive|negative] [--errors FINDING] [--max N]';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value. ${USAGE}`);
  return value;
}

function validate(args: string[]): void {
  const csvPath = option(args, '--csv') ?? path.resolve(repoRoot, '../shared/data/iu_xray/indiana_reports.csv');
  const uncertain = option(args, '--uncertain') ?? 'negative';
  if (uncertain !== 'positive' && uncertain !== 'negative') throw new UsageError(`--uncertain must be positive or negative. ${USAGE}`);
  const errorsFor = option(args, '--errors');
  if (errorsFor !== undefined && !isFindingKey(errorsFor)) {
    throw new UsageError(`--errors takes a finding key (${FINDING_KEYS.join(', ')}).`);
  }
  const maxErrors = Number(option(args, '--max') ?? '40');
  let csvText: string;
  try {
    csvText = readFileSync(csvPath, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${csvPath}; pass --csv PATH to IU X-ray's indiana_reports.csv.`);
  }
  const reports = readIuReports(csvText);
  const t0 = performance.now();
  const set = buildValidationSet(reports, labelReport, uncertain === 'positive');
  const seconds = (performance.now() - t0) / 1000;
  const metrics = computeMetrics(
    set.cases.map((c) => c.gold),
    set.cases.map((c) => c.predicted),
    FINDING_KEYS,
  );
  if (errorsFor !== undefined) {
    const key = errorsFor as (typeof FINDING_KEYS)[number];
    const wrong = set.cases.filter((c) => c.gold.has(key) !== c.predicted.has(key)).slice(0, maxErrors);
    for (const c of wrong) console.log(`${c.gold.has(key) ? 'FN' : 'FP'} uid=${c.uid} gold=[${[...c.gold].join(',')}] :: ${c.text}`);
  }
  console.log(`reports: ${reports.length} read, ${set.cases.length} scored, ${set.skippedNotIndexed} without human codes ('No Indexing'), ${set.skippedNoText} without text`);
  console.log(`labeled in ${seconds.toFixed(2)} s; uncertain counted as ${uncertain}`);
  if (set.unmappedHeads.size > 0) {
    console.log(`MeSH heads missing from mesh_map.json: ${[...set.unmappedHeads].map(([h, n]) => `${h} (${n})`).join(', ')}`);
  }
  console.log(formatMetricsTable(metrics));
  const withoutNoFinding = computeMetrics(
    set.cases.map((c) => c.gold),
    set.cases.map((c) => c.predicted),
    FINDING_KEYS.filter((k) => k !== 'no_finding'),
  );
  console.log(`micro F1 without No Finding: ${withoutNoFinding.microF1.toFixed(4)}; macro F1 without No Finding: ${withoutNoFinding.macroF1.toFixed(4)}`);
  const round = (x: number): number => Math.round(x * 10000) / 10000;
  console.log(JSON.stringify({ n_reports: metrics.nReports, micro_f1: round(metrics.microF1), macro_f1: round(metrics.macroF1) }));
}

function main(args: string[]): void {
  if (args.includes('--help') || args.length === 0) {
    console.log(USAGE);
    return;
  }
  if (args.includes('--validate')) {
    validate(args);
    return;
  }
  console.log(JSON.stringify(labelReport(args.join(' ')), null, 2));
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0); // output piped into `head`: stop quietly
  throw err;
});

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).name}: ${(err as Error).message}`);
  process.exit(1);
}
