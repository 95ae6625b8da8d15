// `npm run subtype-probe`: fits the pneumonia-subtype gate (src/engine/subtypeGate.ts). For every corpus film whose
// source labels say bacterial or viral (Kermany) the probe's feature is computed with the model's own ONNX files
// (--feature: similarity_image.onnx's mean patch embedding, that beside the fp32 vision encoder's p_img, or the image
// reader's logit P(consolidation)). A logistic probe on the towers' features is fitted on train, its l2 chosen by val
// log-loss; the image reader's is read as it stands (tools/eval/subtypeProbeFit.ts, readerProbe). The margin is the
// widest gate whose val accuracy reaches --target; test is printed as a check and never chooses anything. The towers'
// probe is a second reader because they see the film through their own ImageNet network; a probe that also reads
// p_img was right more often on its own, but it shares the report model's eyes and its errors: the drafts it let name
// a type agreed with the labels less often. The image reader is a third pair of eyes, fine-tuned on the films' labels.
// --drafts chooses the margin by the drafts instead (tools/eval/subtypeDrafts.ts): the engine drafts the val films at
// each margin, and the smallest whose drafts that name a type agree with the labels at --target wins.
// --write stores the probe in manifest.json (subtype_probe).
//   npm run subtype-probe -- [--model DIR] [--feature F] [--solver gradient|newton] [--target 0.8] [--min-films 30] [--l2 0.001,0.01,0.1]
//        [--drafts [--min-drafts 20] [--root DIR]] [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseFlags, usage, type FlagSpec, UsageError } from './cli/flags';
import { runMain } from './cli/main';
import { CORPUS_DIR, CXR_MANIFEST } from './cli/paths';
import { parseNpy } from './corpus/npy';
import { readManifest } from './eval/manifest';
import { subtypeRecord } from './eval/subtype';
import { chooseDraftMargin, draftRows, type DraftRow } from './eval/subtypeDrafts';
import {
  chooseMargin,
  fitSubtypeProbe,
  readerProbe,
  MARGINS,
  type SubtypeSolver,
  marginRows,
  probabilities,
  type LabelledFeature,
  type MarginRow,
} from './eval/subtypeProbeFit';
import modelIO from '../src/engine/modelIO.json' with { type: 'json' };
import type { ModelManifest } from '../src/engine/manifest';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { BACTERIAL_WORD, VIRAL_WORD } from '../src/text/subtype';
import { loadOrtNode } from '../src/engine/node/nodeEngine';
import type { OrtRuntime, Session } from '../src/engine/sessions';
import { SUBTYPE_FEATURES, subtypeFeature, type PneumoniaSubtype, type SubtypeFeature, type SubtypeProbe } from '../src/engine/subtypeGate';

const specs = {
  model: { type: 'string', help: "model folder (default: public/models/index.json's default)" },
  corpus: { type: 'string', help: 'prepared corpus (default corpus/, from `npm run corpus`)' },
  manifest: { type: 'string', help: 'JSONL image manifest with pneumonia_type (default ../shared/data/cxr/manifest.jsonl)' },
  target: { type: 'number', help: 'val accuracy the gate must reach on the films it lets name a subtype (default 0.8)' },
  'min-films': { type: 'number', help: 'fewest val films a margin must let through to count (default 30)' },
  l2: { type: 'list', help: 'l2 weights to try (default 0.001,0.01,0.1)' },
  feature: {
    type: 'string',
    help: "what the probe reads (default tower_patch_mean; image_embed+tower_patch_mean adds the vision encoder's p_img; image_reader: the image reader's P(consolidation))",
    choices: SUBTYPE_FEATURES,
  },
  solver: { type: 'string', help: 'gradient (300 steps, the default) or newton (to the optimum)', choices: ['gradient', 'newton'] },
  drafts: { type: 'boolean', help: "choose the margin by the val drafts' agreement when they name a type (the engine drafts each margin ≥ 0.2; ~40 s each)" },
  'min-drafts': { type: 'number', help: 'with --drafts: fewest val drafts naming a type a margin must keep to count (default 20)' },
  root: { type: 'string', help: "with --drafts: folder the manifest's image paths are relative to (default: the manifest's folder)" },
  write: { type: 'boolean', help: "store the probe in the model's manifest.json" },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

interface CorpusRecord {
  id: string;
}

/** The sessions the feature reads, from the model's own files: the towers, the fp32 vision encoder (the eval's
 *  precision) when the feature reads p_img, the image reader when it reads that. */
interface FeatureSessions {
  ort: OrtRuntime;
  towers: Session | null; // similarity_image.onnx
  vision: Session | null;
  imageReader: Session | null;
}

async function openSessions(modelDir: string, model: ModelManifest, feature: SubtypeFeature): Promise<FeatureSessions> {
  const ort = await loadOrtNode();
  const open = (file: string) => ort.InferenceSession.create(new Uint8Array(readFileSync(path.join(modelDir, file))), { executionProviders: ['cpu'] });
  if (feature === 'image_reader') return { ort, towers: null, vision: null, imageReader: await open(model.image_reader!.path) };
  const towers = await open(model.similarity!.image.path);
  const vision = feature === 'tower_patch_mean' ? null : await open(model.files.fp32!.vision_encoder.path);
  return { ort, towers, vision, imageReader: null };
}

async function releaseAll(s: FeatureSessions): Promise<void> {
  for (const session of [s.towers, s.vision, s.imageReader]) await session?.release();
}

/** The named outputs of one session call as plain floats (the tensors disposed); {} without the session. */
async function runFloats(session: Session | null, feeds: Record<string, unknown>): Promise<Record<string, Float32Array>> {
  if (!session) return {};
  const out = await session.run(feeds as Parameters<Session['run']>[0]);
  const floats: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(out)) {
    floats[name] = ((await t.getData()) as Float32Array).slice();
    t.dispose();
  }
  return floats;
}

/** The probe's feature of every film of `split` with a labelled subtype, computed as the engine computes it. */
async function splitFeatures(
  sessions: FeatureSessions,
  model: ModelManifest,
  feature: SubtypeFeature,
  corpus: string,
  split: string,
  subtypes: Map<string, PneumoniaSubtype>,
): Promise<LabelledFeature[]> {
  const records = readFileSync(path.join(corpus, split, 'records.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CorpusRecord);
  const pixels = parseNpy(readFileSync(path.join(corpus, split, 'pixels.npy'))); // [M,S,S] uint8
  const S = model.preprocessing.image_size;
  if (pixels.shape[1] !== S)
    throw new UsageError(`${corpus}/${split}/pixels.npy is ${pixels.shape[1]} px; the model reads ${S} px. Rebuild it with \`npm run corpus\`.`);
  const rows = records.flatMap((r, i) => (subtypes.has(r.id) ? [{ row: i, subtype: subtypes.get(r.id)! }] : []));
  const { pixel_mean: mean, pixel_std: std } = model.preprocessing;
  const out: LabelledFeature[] = [];
  const batch = 32;
  for (let b = 0; b < rows.length; b += batch) {
    const chunk = rows.slice(b, b + batch);
    const x = new Float32Array(chunk.length * S * S); // [B,1,S,S], the vision encoder's normalisation
    chunk.forEach(({ row }, k) => {
      for (let j = 0; j < S * S; j++) x[k * S * S + j] = ((pixels.data as Uint8Array)[row * S * S + j] / 255 - mean) / std;
    });
    const tensor = new sessions.ort.Tensor('float32', x, [chunk.length, 1, S, S]);
    const patches = (await runFloats(sessions.towers, { [modelIO.similarityImage.inputs.pixels]: tensor }))[modelIO.similarityImage.outputs.patchEmbeds]; // [B,N',E']
    const embeds = (await runFloats(sessions.vision, { [modelIO.vision.inputs.pixels]: tensor }))[modelIO.vision.outputs.imageEmbed]; // [B,E]
    const probs = (await runFloats(sessions.imageReader, { [modelIO.imageReader.inputs.pixels]: tensor }))[modelIO.imageReader.outputs.probabilities]; // [B,F]
    tensor.dispose();
    const per = patches ? patches.length / chunk.length : 0;
    const E = embeds ? embeds.length / chunk.length : 0;
    const F = model.image_reader?.findings.length ?? 0;
    chunk.forEach(({ subtype }, k) => {
      const inputs = {
        pImg: embeds ? embeds.subarray(k * E, (k + 1) * E) : new Float32Array(0),
        towers: patches ? { patchEmbeds: [patches.subarray(k * per, (k + 1) * per)] } : null,
        towerDim: model.similarity?.embed_dim,
        imageReading: probs ? Object.fromEntries(model.image_reader!.findings.map((f, i) => [f, probs[k * F + i]])) : null,
      };
      const value = subtypeFeature(feature, inputs);
      if (!value) throw new UsageError(`${model.id} ${model.version} lacks what --feature ${feature} reads.`);
      out.push({ feature: value, subtype });
    });
  }
  return out;
}

function table(title: string, rows: readonly MarginRow[], chosen: number): string {
  const lines = rows.map(
    (r) =>
      `| ${r.margin.toFixed(2)}${r.margin === chosen ? ' (chosen)' : ''} | ${r.coverage.toFixed(3)} | ${r.films} | ${Number.isNaN(r.accuracy) ? '–' : r.accuracy.toFixed(3)} |`,
  );
  return [`${title}`, '| margin | films let through (share) | films | accuracy of the allowed subtype |', '|---|---|---|---|', ...lines].join('\n');
}

/** The vocabulary words that name each subtype. */
function subtypeWords(modelDir: string, model: ModelManifest): SubtypeProbe['words'] {
  const vocab = Object.keys(
    (JSON.parse(readFileSync(path.join(modelDir, model.tokenizer), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab,
  );
  return { bacterial: vocab.filter((w) => BACTERIAL_WORD.test(w)), viral: vocab.filter((w) => VIRAL_WORD.test(w)) };
}

function draftTable(rows: readonly DraftRow[], chosen: number): string {
  const lines = rows.map(
    (r) =>
      `| ${r.margin.toFixed(2)}${r.margin === chosen ? ' (chosen)' : ''} | ${r.named} of ${r.films} | ${Number.isNaN(r.agreement) ? '–' : r.agreement.toFixed(3)} |`,
  );
  return [
    "\nval drafts (the engine, fp32, the model's decoding defaults)",
    '| margin | drafts naming a type | agree when named |',
    '|---|---|---|',
    ...lines,
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, specs, 'npm run subtype-probe --');
  if (f.help) return void console.log(usage('npm run subtype-probe -- [flags]', specs));
  const modelDir = f.model ?? defaultModelDir();
  const manifestFile = path.join(modelDir, 'manifest.json');
  const raw = JSON.parse(readFileSync(manifestFile, 'utf8')) as { similarity?: Record<string, unknown> } & Record<string, unknown>;
  const model = raw as unknown as ModelManifest;
  const feature: SubtypeFeature = f.feature ?? 'tower_patch_mean';
  if (feature === 'image_reader' && !model.image_reader)
    throw new UsageError(`${modelDir} has no image reader for --feature image_reader. Train and write one first (\`npm run image-reader -- --write\`).`);
  if (feature !== 'image_reader' && !model.similarity)
    throw new UsageError(
      `${modelDir} has no similarity towers; --feature ${feature} reads their patch embeddings. Export them first (\`npm run export-similarity\`).`,
    );
  const l2s = (f.l2 ?? ['0.001', '0.01', '0.1']).map(Number);
  if (l2s.some((v) => !(v >= 0))) throw new UsageError(`--l2 takes non-negative numbers; got ${f.l2?.join(',')}`);
  const target = f.target ?? 0.8;
  const subtypes = new Map<string, PneumoniaSubtype>();
  const manifestPath = f.manifest ?? CXR_MANIFEST;
  const records = readManifest(manifestPath);
  for (const r of records) {
    const s = subtypeRecord(r);
    if (s) subtypes.set(r.id, s);
  }
  const corpus = f.corpus ?? CORPUS_DIR;
  const t0 = performance.now();
  const data: Record<string, LabelledFeature[]> = {};
  const sessions = await openSessions(modelDir, model, feature);
  const splits = feature === 'image_reader' ? ['val', 'test'] : ['train', 'val', 'test']; // nothing is fitted on the reader's train films
  try {
    for (const split of splits) data[split] = await splitFeatures(sessions, model, feature, corpus, split, subtypes);
  } finally {
    await releaseAll(sessions);
  }
  const solver: SubtypeSolver = f.solver ?? 'gradient';
  const fitted = feature === 'image_reader' ? readerProbe(data.val) : fitSubtypeProbe(feature, data.train, data.val, l2s, solver);
  const words = subtypeWords(modelDir, model);
  const probeMargin = chooseMargin(fitted.rows, target, f['min-films'] ?? 30);
  let margin = probeMargin;
  let drafts: DraftRow[] | null = null;
  if (f.drafts) {
    const minDrafts = f['min-drafts'] ?? 20;
    console.log(`drafting the val films at each margin ≥ 0.2 (the probe's own choice: ${probeMargin}):`);
    const probe = { ...fitted.probe, margin: probeMargin, words };
    const val = records.filter((r) => r.split === 'val');
    drafts = await draftRows(
      modelDir,
      raw,
      probe,
      MARGINS.filter((m) => m >= 0.2),
      val,
      f.root ?? path.dirname(manifestPath),
      console.log,
    );
    const chosen = chooseDraftMargin(drafts, target, minDrafts);
    if (chosen === null) console.log(`no margin's val drafts reach ${target} with ≥ ${minDrafts} naming a type; keeping the probe's own choice`);
    margin = chosen ?? probeMargin;
  }
  const testRows = marginRows(probabilities(fitted.probe, data.test), data.test);
  console.log(
    `${model.id} ${model.version}: subtype probe (${feature}, ` +
      (fitted.l2 === null
        ? `read as it stands; val log-loss ${fitted.valLogLoss.toFixed(3)}), `
        : `${solver}) on ${data.train.length} train films (l2 ${fitted.l2} by val log-loss ${fitted.valLogLoss.toFixed(3)}), `) +
      `${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  const rule = drafts
    ? `the margin chosen by the drafts below; the probe's own rule, the smallest whose accuracy reaches ${target}, takes ${probeMargin}`
    : `the margin is the smallest whose accuracy reaches ${target}`;
  console.log(table(`\nval (${data.val.length} films; ${rule})`, fitted.rows, margin));
  console.log(table(`\ntest (${data.test.length} films; a check, not used to choose)`, testRows, margin));
  if (drafts) console.log(draftTable(drafts, margin));
  if (!f.write) return;
  const atChosen = (rows: readonly MarginRow[]) => rows.find((r) => r.margin === margin) ?? null;
  const probe: SubtypeProbe = {
    ...fitted.probe,
    margin,
    words,
    evaluation: {
      ...(fitted.l2 === null ? { fitted: false } : { solver, l2: fitted.l2, train_films: data.train.length }),
      target,
      val: atChosen(fitted.rows),
      val_accuracy_all: fitted.valAccuracy,
      test: atChosen(testRows),
      ...(drafts ? { margin_by: 'val drafts', probe_margin: probeMargin, val_drafts: drafts } : { margin_by: 'probe accuracy' }),
    },
  };
  delete raw.similarity?.subtype_probe; // where folders before 1.7.0 kept it
  raw.subtype_probe = probe;
  writeFileSync(manifestFile, `${JSON.stringify(raw, null, 2)}\n`);
  console.log(`\nwrote subtype_probe (margin ${margin}; words ${JSON.stringify(words)}) into ${manifestFile}`);
}

runMain(import.meta.url, main);
