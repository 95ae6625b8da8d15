// `npm run eval -- [--manifest PATH] [--root DIR] [--split test] [--model DIR] [--ablation-model DIR] [--limit N]
//                  [--systems a,b] [--device cpu|wasm] [--precision fp32|int8|q4] [--out FILE.json] …`
//   or `npm run eval -- --from FILE.json [--results DOC] [--update-manifest]` to publish an earlier run's results.
// Scores the model, its variants and the baselines on any manifest in the cxr JSONL format (the blind test set
// too), writes the results JSON, the eval section of docs/RESULTS.md and, with --update-manifest, the headline
// numbers into the model's manifest.json `evaluation`. Progress on stderr. Exit 2 on bad usage.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { MANIFEST_FLAGS, parseFlags, UNCERTAIN_FLAG, usage, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CORPUS_DIR, CXR_MANIFEST, DATA_ROOT, OUT_DIR, RESULTS_DOC, outPath, readResultsJson, writeJsonFile } from './cli/paths';
import { ComposedCorpusText, corpusSettings } from './eval/corpusText';
import { evalMarkdown, evalMethodsMarkdown } from './eval/evalMarkdown';
import { attachRsnaBoxes, readManifest } from './eval/manifest';
import { writeSection } from './eval/resultsDoc';
import type { EvalResults, PerImageReport } from './eval/resultsSchema';
import { runEvaluation, SYSTEMS } from './eval/runEval';

const FLAGS = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split to evaluate (default test)' },
  'train-manifest': { type: 'string', help: 'manifest whose train split the baselines learn from (default: --manifest if it has one, else the data manifest)' },
  'ablation-model': { type: 'string', help: 'model folder trained with λ = 0 (serpent_lambda0)' },
  limit: { type: 'number', help: 'evaluate the first N images of the split' },
  systems: { type: 'list', help: `systems to score (default all: ${SYSTEMS.join(',')})`, choices: SYSTEMS },
  device: { type: 'string', help: 'cpu (onnxruntime-node, default) or wasm (onnxruntime-web, as the page)', choices: ['cpu', 'wasm'] },
  threads: { type: 'number', help: 'onnxruntime intra-op threads for the report model (default 1: fastest here, and leaves a core free)' },
  precision: { type: 'string', help: 'fp32 (default), int8 or q4', choices: ['fp32', 'int8', 'q4'] },
  'static-decoder': { type: 'boolean', help: "step through the folder's decoder_static (what WebGPU replays; int8) instead of the merged decoder" },
  'grounding-splits': { type: 'list', help: 'splits whose annotated images enter the pointing game (default val,test)' },
  'robustness-n': { type: 'number', help: 'images (stratified by source) for the robustness grid; 0 turns it off (default 200)' },
  uncertain: UNCERTAIN_FLAG,
  out: { type: 'string', help: 'results JSON (default out/eval-<model>-<split>.json)' },
  results: { type: 'string', help: 'Markdown document to update (default docs/RESULTS.md; "none" to skip)' },
  'update-manifest': { type: 'boolean', help: "write headline numbers into the model's manifest.json evaluation" },
  from: { type: 'string', help: 'write the results document (and --update-manifest) from a results JSON an earlier run wrote, evaluating nothing' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run eval -- [flags]';

export function headline(r: EvalResults): Record<string, unknown> {
  const pick = (name: string) => {
    const s = r.systems[name];
    return (
      s && {
        ...s.nlg,
        micro_f1: s.clinical.micro_f1,
        macro_f1: s.clinical.macro_f1,
        hallucination_rate: s.clinical.hallucination_rate,
        omission_rate: s.clinical.omission_rate,
      }
    );
  };
  return {
    date: new Date().toISOString().slice(0, 10),
    split: r.split,
    n: r.n,
    precision: r.model.precision,
    note: 'npm run eval; METEOR is meteor_exact_stem (exact + Porter stem, no synonyms); references are composed from labels',
    systems: Object.fromEntries(Object.keys(r.systems).map((k) => [k, pick(k)])),
    grounding: {
      jsrt_nodule_hit_rate: r.grounding.jsrt_nodule.hit_rate,
      nih_box_hit_rate: r.grounding.nih_box.hit_rate,
      rsna_box_hit_rate: r.grounding.rsna_box?.hit_rate,
    },
  };
}

export async function main(argv: string[]): Promise<{ results: EvalResults; perImage: PerImageReport[] } | null> {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) {
    process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
    return null;
  }
  if (f.from) {
    const results = readResultsJson<EvalResults>(path.resolve(f.from));
    publish(results, results.command ?? `npm run eval (an older run: results in ${f.from})`, f);
    return { results, perImage: [] };
  }
  const manifest = path.resolve(f.manifest ?? CXR_MANIFEST);
  const root = path.resolve(f.root ?? path.dirname(manifest));
  const records = readManifest(manifest);
  attachRsnaBoxes(records, path.join(path.dirname(manifest), 'rsna_boxes_nih64.jsonl'));
  let trainManifest = f['train-manifest'];
  if (!trainManifest && !records.some((r) => r.split === 'train')) trainManifest = CXR_MANIFEST;
  const trainRecords = (trainManifest ? readManifest(path.resolve(trainManifest)) : records).filter((r) => r.split === 'train');
  const trainRoot = trainManifest ? path.dirname(path.resolve(trainManifest)) : root;
  const model = path.resolve(f.model ?? defaultModelDir());
  const split = f.split ?? 'test';
  const corpus = new ComposedCorpusText(new Map([...records, ...trainRecords].map((r) => [r.id, r])), { dataRoot: DATA_ROOT, ...corpusSettings(CORPUS_DIR) });

  const { results, perImage } = await runEvaluation({
    records,
    trainRecords,
    root,
    trainRoot,
    split,
    model,
    limit: f.limit,
    ablationModel: f['ablation-model'] ? path.resolve(f['ablation-model']) : undefined,
    device: f.device ?? 'cpu',
    staticDecoder: f['static-decoder'] ?? false,
    precision: f.precision ?? 'fp32',
    threads: f.threads ?? 1,
    systems: f.systems ?? SYSTEMS,
    groundingSplits: f['grounding-splits'] ?? ['val', 'test'],
    robustnessN: f['robustness-n'] ?? 200,
    cacheDir: path.join(OUT_DIR, 'eval-cache'),
    uncertain: f.uncertain ?? 'positive',
    corpus,
  });

  results.command = `npm run eval -- ${argv.filter((a) => a !== '--').join(' ')}`.trim();
  const out = path.resolve(f.out ?? outPath(`eval-${results.model.id}-${split}.json`));
  writeJsonFile(out, results);
  const reportsFile = `${out.replace(/\.json$/, '')}.reports.jsonl`;
  writeFileSync(reportsFile, `${perImage.map((p) => JSON.stringify(p)).join('\n')}\n`);
  process.stderr.write(`wrote ${out} and ${reportsFile}\n`);
  publish(results, results.command, f);
  return { results, perImage };
}

/** The results document's sections and, when asked, the manifest's headline numbers. */
function publish(results: EvalResults, command: string, f: { results?: string; 'update-manifest'?: boolean }): void {
  const doc = f.results ?? RESULTS_DOC;
  if (doc !== 'none') {
    writeSection(path.resolve(doc), 'eval:methods', evalMethodsMarkdown());
    writeSection(path.resolve(doc), `eval:${results.model.id}:${results.split}`, evalMarkdown(results, command));
    process.stderr.write(`updated ${doc}\n`);
  }
  if (f['update-manifest']) {
    const file = path.join(results.model.dir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    m.evaluation = { ...(m.evaluation as object | undefined), [results.split]: headline(results) };
    writeJsonFile(file, m, 2);
    process.stderr.write(`updated ${file} evaluation.${results.split}\n`);
  }
}

runMain(import.meta.url, main);
