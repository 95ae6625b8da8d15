// `npm run sim-auroc`: does the model's image–text similarity tell a report's findings apart? For a
// source-stratified subset of a split, each image's draft is scored against its own image and against drafts of
// images with other findings (tools/eval/similarityProbe.ts); prints the AUROC and mean cosines for the decoder's
// similarity (model 1.0's) and the similarity towers', and writes them to --out.
//   npm run sim-auroc -- [--model DIR] [--split val] [--n 200] [--negatives 5] [--out out/sim-auroc.json]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FLAGS, parseFlags, usage, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CXR_MANIFEST, outPath, writeJsonFile } from './cli/paths';
import { loadRecordImage } from './eval/images';
import { readManifest } from './eval/manifest';
import { stratifiedSubset } from './eval/robustness';
import { probeSimilarity } from './eval/similarityProbe';
import { truthFindings } from './eval/truth';
import { findingSetKey } from '../src/engine/rerank';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import type { ModelManifest } from '../src/engine/manifest';

const specs = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split (default val)' },
  n: { type: 'number', help: 'images, stratified by source (default 200)' },
  negatives: { type: 'number', help: 'other-findings drafts per image (default 5)' },
  out: { type: 'string', help: 'results JSON (default out/sim-auroc-<split>.json)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, specs, 'npm run sim-auroc --');
  if (f.help) return void console.log(usage('npm run sim-auroc -- [flags]', specs));
  const manifestPath = f.manifest ?? CXR_MANIFEST;
  const root = f.root ?? path.dirname(manifestPath);
  const split = f.split ?? 'val';
  const modelDir = f.model ?? defaultModelDir();
  const model = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
  const all = readManifest(manifestPath).filter((r) => r.split === split);
  const records = stratifiedSubset(all, f.n ?? 200).map((i) => all[i]);
  const cases = [];
  for (const rec of records) {
    const img = await loadRecordImage(root, rec, model.preprocessing);
    cases.push({ truthKey: findingSetKey(truthFindings(rec)), pixels: img.pixels });
  }
  const t0 = performance.now();
  const result = await probeSimilarity(modelDir, cases, {
    negativesPerImage: f.negatives ?? 5,
    onProgress: (d) => process.stderr.write(`\rdrafts ${d}/${cases.length}`),
  });
  process.stderr.write('\n');
  console.log(
    `similarity discrimination on ${cases.length} ${split} images of ${model.id} ${model.version} (fp32, own draft vs drafts with other findings), ` +
      `${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  console.log('| similarity | AUROC | mean cos own | mean cos other | images | pairs |\n|---|---|---|---|---|---|');
  for (const [name, d] of Object.entries(result)) {
    if (d) console.log(`| ${name} | ${d.auroc.toFixed(3)} | ${d.mean_cos_own.toFixed(4)} | ${d.mean_cos_other.toFixed(4)} | ${d.images} | ${d.pairs} |`);
  }
  if (result.decoder.pairs === 0) {
    console.log(
      `no AUROC: no two of these ${cases.length} images differ both in their true findings and in what their drafts assert, so ` +
        'there is no other-findings draft to rank against an own one. The drafts barely depend on the film: train the model ' +
        'longer, or pass a larger --n.',
    );
  }
  const out = f.out ?? outPath(`sim-auroc-${split}.json`);
  writeJsonFile(out, { model: model.id, version: model.version, split, ...result });
}

runMain(import.meta.url, main);
