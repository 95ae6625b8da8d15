// CLI for the finding labeler.
//   npm run labeler -- "There is a small left pleural effusion."   → prints the LabelResult as JSON
//   npm run labeler -- --validate [--csv PATH] [--uncertain positive|negative] [--errors FINDING] [--max N]
//     → labels findings+impression of IU's indiana_reports.csv, compares with the mapped MeSH codes, prints a
//       per-finding table and ends with one JSON line {"n_reports":…,"micro_f1":…,"macro_f1":…}.
import { readFileSync } from 'node:fs';
import { FINDING_KEYS } from '../src/text/findings';
import { labelReport } from '../src/text/labeler';
import { computeMetrics, formatMetricsTable } from '../src/text/labelerMetrics';
import { buildValidationSet, readIuReports } from '../src/text/labelerValidate';
import { parseCommandLine, usage, UsageError, type Flags, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { IU_REPORTS_CSV } from './cli/paths';

const FLAGS = {
  validate: { type: 'boolean', help: "label IU X-ray's reports and compare with their MeSH codes" },
  csv: { type: 'string', help: "IU X-ray's indiana_reports.csv (default ../shared/data/iu_xray/indiana_reports.csv)" },
  uncertain: { type: 'string', help: 'count uncertain findings as asserted (positive) or not (negative, default)', choices: ['positive', 'negative'] },
  errors: { type: 'string', help: 'print the reports the labeler gets wrong for this finding key', choices: FINDING_KEYS },
  max: { type: 'number', help: 'at most N of those reports (default 40)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run labeler -- "report text"  |  npm run labeler -- --validate [flags]';

function validate(f: Flags<typeof FLAGS>): void {
  const csvPath = f.csv ?? IU_REPORTS_CSV;
  const uncertain = f.uncertain ?? 'negative';
  const errorsFor = f.errors;
  const maxErrors = f.max ?? 40;
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
    const wrong = set.cases.filter((c) => c.gold.has(errorsFor) !== c.predicted.has(errorsFor)).slice(0, maxErrors);
    for (const c of wrong) console.log(`${c.gold.has(errorsFor) ? 'FN' : 'FP'} uid=${c.uid} gold=[${[...c.gold].join(',')}] :: ${c.text}`);
  }
  console.log(
    `reports: ${reports.length} read, ${set.cases.length} scored, ${set.skippedNotIndexed} without human codes ('No Indexing'), ${set.skippedNoText} ` +
      `without text`,
  );
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

function main(argv: string[]): void {
  const { flags, positionals } = parseCommandLine(argv, FLAGS, COMMAND, { positionals: true });
  if (flags.help || argv.length === 0) {
    console.log(usage(COMMAND, FLAGS));
    return;
  }
  if (flags.validate) {
    validate(flags);
    return;
  }
  if (positionals.length === 0) throw new UsageError(`give the report text to label, or --validate\n${usage(COMMAND, FLAGS)}`);
  console.log(JSON.stringify(labelReport(positionals.join(' ')), null, 2));
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0); // output piped into `head`: stop quietly
  throw err;
});

runMain(import.meta.url, main);
