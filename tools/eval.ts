// `npm run eval -- [--manifest PATH] [--root DIR] [--split test] [--model DIR] [--ablation-model DIR] [--limit N]
//                  [--systems a,b] [--device cpu|wasm] [--precision fp32|int8|q4] [--out FILE.json] …`
// Scores the model, its variants and the baselines on any manifest in the cxr JSONL format (the blind test set
// too), writes the results JSON, the eval section of docs/RESULTS.md and, with --update-manifest, the headline
// numbers into the model's manifest.json `evaluation`. Progress on stderr. Exit 2 on bad usage.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Precision } from '../src/engine/manifest';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { MANIFEST_FLAGS, parseFlags, usage, UsageError, type FlagSpec } from './eval/cliArgs';
import { ComposedCorpusText, corpusSettings } from './eval/corpusText';
import { evalMarkdown, evalMethodsMarkdown } from './eval/evalMarkdown';
import { attachRsnaBoxes, readManifest } from './eval/manifest';
import { writeSection } from './eval/resultsDoc';
import { runEvaluation, SYSTEMS, type EvalResults, type PerImageReports, type SystemName } from './eval/runEval';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = path.resolve(repoRoot, '../shared/data');

const FLAGS: Record<string, FlagSpec> = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split to evaluate (default test)' },
  'train-manifest': { type: 'string', help: 'manifest whose train split the baselines learn from (default: --manifest if it has one, else the data manifest)' },
  'ablation-model': { type: 'string', help: 'model folder trained with λ = 0 (serpent_lambda0)' },
  limit: { type: 'number', help: 'evaluate the first N images of the split' },
  systems: { type: 'list', help: `systems to score (default all: ${SYSTEMS.join(',')})`, choices: SYSTEMS },
  device: { type: 'string', help: 'cpu (onnxruntime-node, default) or wasm (onnxruntime-web, as the page)', choices: ['cpu', 'wasm'] },
  threads: { type: 'number', help: 'onnxruntime intra-op threads for the report model (default 1: fastest here, and leaves a core free)' },
  precision: { type: 'string', help: 'fp32 (default), int8 or q4', choices: ['fp32', 'int8', 'q4'] },
  'grounding-splits': { type: 'list', help: 'splits whose annotated images enter the pointing game (default val,test)' },
  'robustness-n': { type: 'number', help: 'images (stratified by source) for the robustness grid; 0 turns it off (default 200)' },
  uncertain: { type: 'string', help: 'count uncertain findings as asserted (positive, default) or not (negative)', choices: ['positive', 'negative'] },
  out: { type: 'string', help: 'results JSON (default out/eval-<model>-<split>.json)' },
  results: { type: 'string', help: 'Markdown document to update (default docs/RESULTS.md; "none" to skip)' },
  'update-manifest': { type: 'boolean', help: "write headline numbers into the model's manifest.json evaluation" },
  help: { type: 'boolean', help: 'show this help' },
};
const COMMAND = 'npm run eval -- [flags]';


export function headline(r: EvalResults): Record<string, unknown> {
  const pick = (name: string) => {
    const s = r.systems[name];
    return s && { ...s.nlg, micro_f1: s.clinical.micro_f1, macro_f1: s.clinical.macro_f1, hallucination_rate: s.clinical.hallucination_rate, omission_rate: s.clinical.omission_rate };
  };
  return {
    date: new Date().toISOString().slice(0, 10),
    split: r.split,
    n: r.n,
    precision: r.model.precision,
    note: 'npm run eval; METEOR is meteor_exact_stem (exact + Porter stem, no synonyms); references are composed from labels',
    systems: Object.fromEntries(Object.keys(r.systems).map((k) => [k, pick(k)])),
    grounding: { jsrt_nodule_hit_rate: r.grounding.jsrt_nodule.hit_rate, nih_box_hit_rate: r.grounding.nih_box.hit_rate, rsna_box_hit_rate: r.grounding.rsna_box?.hit_rate },
  };
}

export async function main(argv: string[]): Promise<{ results: EvalResults; perImage: PerImageReports } | null> {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) {
    process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
    return null;
  }
  const manifest = path.resolve((f.manifest as string) ?? path.join(dataRoot, 'cxr/manifest.jsonl'));
  const root = path.resolve((f.root as string) ?? path.dirname(manifest));
  const records = readManifest(manifest);
  attachRsnaBoxes(records, path.join(path.dirname(manifest), 'rsna_boxes_nih64.jsonl'));
  let trainManifest = f['train-manifest'] as string | undefined;
  if (!trainManifest && !records.some((r) => r.split === 'train')) trainManifest = path.join(dataRoot, 'cxr/manifest.jsonl');
  const trainRecords = (trainManifest ? readManifest(path.resolve(trainManifest)) : records).filter((r) => r.split === 'train');
  const trainRoot = trainManifest ? path.dirname(path.resolve(trainManifest)) : root;
  const model = path.resolve((f.model as string) ?? defaultModelDir());
  const split = (f.split as string) ?? 'test';
  const corpus = new ComposedCorpusText(new Map([...records, ...trainRecords].map((r) => [r.id, r])), { dataRoot, ...corpusSettings(path.join(repoRoot, 'corpus')) });

  const { results, perImage } = await runEvaluation({
    records, trainRecords, root, trainRoot, split, model,
    limit: f.limit as number | undefined,
    ablationModel: f['ablation-model'] ? path.resolve(f['ablation-model'] as string) : undefined,
    device: ((f.device as string) ?? 'cpu') as 'cpu' | 'wasm',
    precision: ((f.precision as string) ?? 'fp32') as Precision,
    threads: (f.threads as number) ?? 1,
    systems: (f.systems as SystemName[]) ?? SYSTEMS,
    groundingSplits: (f['grounding-splits'] as string[]) ?? ['val', 'test'],
    robustnessN: (f['robustness-n'] as number) ?? 200,
    cacheDir: path.join(repoRoot, 'out/eval-cache'),
    uncertain: ((f.uncertain as string) ?? 'positive') as 'positive' | 'negative',
    corpus,
  });

  const out = path.resolve((f.out as string) ?? path.join(repoRoot, `out/eval-${results.model.id}-${split}.json`));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
  const reportsFile = out.replace(/\.json$/, '') + '.reports.jsonl';
  writeFileSync(reportsFile, perImage.map((p) => JSON.stringify(p)).join('\n') + '\n');
  process.stderr.write(`wrote ${out} and ${reportsFile}\n`);
  const commandLine = `npm run eval -- ${argv.filter((a) => a !== '--').join(' ')}`.trim();
  const doc = (f.results as string) ?? path.join(repoRoot, 'docs/RESULTS.md');
  if (doc !== 'none') {
    writeSection(path.resolve(doc), 'eval:methods', evalMethodsMarkdown());
    writeSection(path.resolve(doc), `eval:${results.model.id}:${split}`, evalMarkdown(results, commandLine));
    process.stderr.write(`updated ${doc}\n`);
  }
  if (f['update-manifest']) {
    const file = path.join(model, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    m.evaluation = { ...(m.evaluation as object | undefined), [split]: headline(results) };
    writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
    process.stderr.write(`updated ${file} evaluation.${split}\n`);
  }
  return { results, perImage };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`${err.name}: ${err.message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
}
