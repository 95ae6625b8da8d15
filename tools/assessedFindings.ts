// `npm run assessed-findings`: which findings have the model's drafts been shown to find? The engine drafts every film
// of a split (as the page does), and per finding counts the films whose labels have it, how many of their drafts
// assert it, and how many drafts rule it out. Findings found in at least --min-recall of at least --min-positives films
// are "assessed"; with --write the model's manifest keeps the measurement (`assessed_findings`), and the page marks a
// draft sentence that rules out any other finding as the model's habit, not a reading of the film
// (src/engine/unassessed.ts). Choose on val; run it on test to check, never to choose.
//   npm run assessed-findings -- [--model DIR] [--split val] [--min-positives 5] [--min-recall 0.5] [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FLAGS, parseFlags, usage, UsageError, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CXR_MANIFEST } from './cli/paths';
import { AssessedTally } from './eval/assessedTally';
import { readManifest } from './eval/manifest';
import { ModelRunner } from './eval/modelRunner';
import { truthFindings } from './eval/truth';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { FINDING_NAMES } from '../src/text/findings';

const specs = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split to measure on (default val; choose on val only)' },
  'min-positives': { type: 'number', help: 'fewest films with a finding for its drafts to be judged at all (default 5)' },
  'min-recall': { type: 'number', help: 'share of those films whose drafts must assert it (default 0.5)' },
  write: { type: 'boolean', help: "store the measurement in the model's manifest.json" },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, specs, 'npm run assessed-findings --');
  if (f.help) return void console.log(usage('npm run assessed-findings -- [flags]', specs));
  const minPositives = f['min-positives'] ?? 5;
  const minRecall = f['min-recall'] ?? 0.5;
  if (!(Number.isInteger(minPositives) && minPositives >= 1)) throw new UsageError('--min-positives is a whole number from 1');
  if (!(minRecall > 0 && minRecall <= 1)) throw new UsageError('--min-recall is a share above 0, at most 1');
  const split = f.split ?? 'val';
  if (f.write && split !== 'val') throw new UsageError('--write records a choice, and choices are made on val: drop --write or use --split val');
  const manifestPath = f.manifest ?? CXR_MANIFEST;
  const root = f.root ?? path.dirname(manifestPath);
  const modelDir = f.model ?? defaultModelDir();
  const records = readManifest(manifestPath).filter((r) => r.split === split);
  if (records.length === 0) throw new UsageError(`split "${split}" has no films in ${manifestPath}`);
  const runner = await ModelRunner.open(modelDir, 'cpu', 'int8', 2);
  const tally = new AssessedTally();
  await runner.draftEach(root, records, `drafts (${split})`, {}, (rec, result) => tally.add(truthFindings(rec), result.report.text));
  await runner.dispose();
  const entry = tally.entry(split, minPositives, minRecall);
  console.log(`${entry.films} ${split} films of ${runner.manifest.id} ${runner.manifest.version} (int8, cpu):`);
  console.log(`| finding | films with it | drafts that found it | drafts that rule it out | assessed (≥ ${minPositives} films, ≥ ${minRecall} found) |`);
  console.log('|---|---|---|---|---|');
  for (const [key, c] of Object.entries(entry.by_finding)) {
    const name = FINDING_NAMES[key as keyof typeof FINDING_NAMES];
    console.log(`| ${name} | ${c.positives} | ${c.recalled} | ${c.ruled_out} | ${entry.assessed.includes(key as never) ? 'yes' : 'no'} |`);
  }
  if (!f.write) return;
  const file = path.join(modelDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.assessed_findings = entry;
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`wrote assessed_findings (${entry.assessed.join(', ')}) into ${file}`);
}

runMain(import.meta.url, main);
