// `npm run side-gate`: which findings may a draft put on a side? The engine drafts every film of a split whose source
// gives a finding's side (JSRT nodules, NIH boxes, the bilateral COVID-19 pattern and viral pneumonia;
// tools/eval/sideTally.ts) with the side gate off, and counts, per finding, how often a draft that named a side named
// the right one. Findings the drafts put on the right side less than --min-right of the time (over at least
// --min-sided sided drafts) are the gate's: with --write the model's manifest lists them (`side_gate`) and its
// decoding turns the gate on (src/engine/sideGate.ts), so the page's drafts leave those sides out. Choose on val; run
// it on test to check, never to choose.
//   npm run side-gate -- [--model DIR] [--split val] [--min-right 0.8] [--min-sided 5] [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FLAGS, parseFlags, usage, UsageError, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CXR_MANIFEST } from './cli/paths';
import { readManifest } from './eval/manifest';
import { ModelRunner } from './eval/modelRunner';
import { chooseSideGate, SideTally, truthSides } from './eval/sideTally';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';

const specs = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split to measure on (default val; choose on val only)' },
  'min-right': { type: 'number', help: 'share of sided drafts that must name the right side for a finding to keep its side (default 0.8)' },
  'min-sided': { type: 'number', help: 'fewest sided drafts a finding needs to be judged at all (default 5)' },
  write: { type: 'boolean', help: "store the gate in the model's manifest.json and turn it on in its decoding defaults" },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, specs, 'npm run side-gate --');
  if (f.help) return void console.log(usage('npm run side-gate -- [flags]', specs));
  const minRight = f['min-right'] ?? 0.8;
  const minSided = f['min-sided'] ?? 5;
  if (!(minRight > 0 && minRight <= 1)) throw new UsageError('--min-right is a share above 0, at most 1');
  if (!(Number.isInteger(minSided) && minSided >= 1)) throw new UsageError('--min-sided is a whole number from 1');
  const split = f.split ?? 'val';
  if (f.write && split !== 'val') throw new UsageError('--write chooses the gate, and choices are made on val: drop --write or use --split val');
  const manifestPath = f.manifest ?? CXR_MANIFEST;
  const root = f.root ?? path.dirname(manifestPath);
  const modelDir = f.model ?? defaultModelDir();
  const records = readManifest(manifestPath).filter((r) => r.split === split && truthSides(r).length > 0);
  if (records.length === 0) throw new UsageError(`split "${split}" has no film whose source gives a finding's side`);
  const runner = await ModelRunner.open(modelDir, 'cpu', 'int8', 2);
  const tally = new SideTally();
  await runner.draftEach(root, records, `drafts, side gate off (${split})`, { side_gate: 0 }, (rec, result) => tally.add(rec, result.report.text));
  await runner.dispose();
  const summary = tally.summary();
  const choice = chooseSideGate(summary, minRight, minSided);
  console.log(`${records.length} ${split} films of ${runner.manifest.id} ${runner.manifest.version} whose source gives a side (int8, cpu, gate off):`);
  console.log('| source: finding | n | not asserted | no side | right side | wrong side |\n|---|---|---|---|---|---|');
  for (const [key, c] of Object.entries(summary.by_finding))
    console.log(`| ${key} | ${c.n} | ${c.not_asserted} | ${c.no_side} | ${c.right_side} | ${c.wrong_side} |`);
  console.log(`\nper finding (gate when sided ≥ ${minSided} and right < ${minRight}):`);
  for (const c of choice) console.log(`  ${c.finding}: right ${c.right_side} of ${c.sided} sided → ${c.gated ? 'leave the side out' : 'keep'}`);
  for (const e of summary.examples) console.log(`  e.g. ${e.id}: ${e.finding} on the ${e.truth}; the draft said ${e.said}`);
  const gated = choice.filter((c) => c.gated).map((c) => c.finding);
  if (!f.write) return;
  const file = path.join(modelDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  if (gated.length) {
    manifest.side_gate = {
      findings: gated,
      evaluation: { split, films: records.length, min_right: minRight, min_sided: minSided, per_finding: choice, by_source: summary.by_finding },
    };
    manifest.decoding.side_gate = 1;
  } else {
    delete manifest.side_gate;
    delete manifest.decoding.side_gate;
  }
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(gated.length ? `wrote side_gate (${gated.join(', ')}) into ${file}` : `no finding to gate; removed any side_gate from ${file}`);
}

runMain(import.meta.url, main);
