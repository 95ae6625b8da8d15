// The evaluation run: the model and its variants over a manifest split, the baselines beside it, grounding on
// the annotated images and robustness on a stratified subset. Returns the results object that
// tools/eval.ts writes as JSON and Markdown. Every phase reports progress on stderr.
import { heatmapGrid, type Precision } from '../../src/engine/manifest';
import { quantile } from '../bench/stats';
import type { GenerateOptions, ReportResult } from '../../src/engine/types';
import { plainBeamOf } from '../../src/engine/settings';
import type { FindingKey } from '../../src/text/findings';
import type { UncertainPolicy } from '../../src/text/metrics/clinical';
import { assertedFindings, scoreReports } from '../../src/text/metrics/clinical';
import { LabelTemplateBaseline, mostCommon, NearestNeighbourBaseline, type CorpusText } from './baselines';
import { readEmbeddingCache, VisionEmbedder, writeEmbeddingCache } from './embeddings';
import { PointingTally, targetsFor } from './groundingRun';
import { LateralityTally } from './laterality';
import { sideSummaries } from './sideTally';
import { subtypeRecord } from './subtype';
import { loadRecordImage, unitToPixels, type LoadedImage } from './images';
import type { ManifestRecord } from './manifest';
import { ModelRunner, noRerankCandidate } from './modelRunner';
import { compareSystems } from './pairedBootstrap';
import { defaultPerturbations, perturb, perturbationName } from './perturb';
import { ProgressBar, type ProgressStream } from './progress';
import { robustnessRow, stratifiedSubset, type RobustnessRow } from './robustness';
import { scoreAll, type EvalItem } from './scoring';
import { SecondLookTally } from './secondLookTally';
import { NotReadTally } from './notReadTally';
import type { EvalResults, PerImageReport, Refinement, RobustnessResults } from './resultsSchema';
import { truthFindings } from './truth';

export const SYSTEMS = [
  'serpent',
  'serpent_no_rerank',
  'serpent_diverse_lm',
  'serpent_lambda0',
  'always_normal',
  'nearest_neighbour',
  'label_template',
] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface EvalOptions {
  records: ManifestRecord[]; // the whole manifest (eval split, grounding splits)
  trainRecords: ManifestRecord[]; // the training split the baselines learn from
  root: string;
  trainRoot: string;
  split: string;
  limit?: number;
  model: string;
  ablationModel?: string;
  device: 'cpu' | 'wasm';
  precision?: Precision;
  staticDecoder?: boolean; // step the report model through decoder_static (the steps WebGPU replays)
  threads?: number; // ORT intra-op threads of the report model (1: the decoder's small matmuls gain nothing from more)
  systems: readonly SystemName[];
  groundingSplits: readonly string[];
  robustnessN: number;
  cacheDir: string;
  uncertain: UncertainPolicy;
  corpus: CorpusText;
  stream?: ProgressStream & { write(s: string): unknown };
}

const has = (o: EvalOptions, s: SystemName): boolean => o.systems.includes(s);

/** The plain beam search the refinement is compared with: the same width, one group, no rerank. */
/** serpent_no_rerank's search: a plain beam as wide as the refinement's candidate count (settings.plainBeamOf). */
export const plainBeam = (runner: ModelRunner): GenerateOptions => plainBeamOf(runner.manifest.decoding);

async function generateAll(
  runner: ModelRunner,
  label: string,
  recs: readonly ManifestRecord[],
  o: EvalOptions,
  each: (rec: ManifestRecord, img: LoadedImage, result: ReportResult, i: number) => Promise<void> | void,
  settings: GenerateOptions = {},
): Promise<number> {
  const bar = new ProgressBar(label, recs.length, o.stream);
  for (let i = 0; i < recs.length; i++) {
    const img = await loadRecordImage(o.root, recs[i], runner.manifest.preprocessing);
    await each(recs[i], img, await runner.generate(img.pixels, recs[i].id, settings), i);
    bar.tick();
  }
  return bar.finish();
}

async function trainEmbeddings(embedder: VisionEmbedder, runner: ModelRunner, o: EvalOptions): Promise<Float32Array[]> {
  const key = {
    modelId: runner.manifest.id,
    visionSha: embedder.visionSha,
    preprocessing: runner.manifest.preprocessing,
    ids: o.trainRecords.map((r) => r.id),
  };
  const cached = readEmbeddingCache(o.cacheDir, key);
  if (cached) return cached;
  const bar = new ProgressBar('train embeddings', o.trainRecords.length, o.stream);
  const out: Float32Array[] = [];
  for (let i = 0; i < o.trainRecords.length; i += 64) {
    const chunk = o.trainRecords.slice(i, i + 64);
    const pixels = await Promise.all(chunk.map(async (r) => (await loadRecordImage(o.trainRoot, r, runner.manifest.preprocessing)).pixels));
    out.push(...(await embedder.embed(pixels)));
    bar.tick(chunk.length);
  }
  bar.finish();
  writeEmbeddingCache(o.cacheDir, key, out);
  return out;
}

export async function runEvaluation(o: EvalOptions) {
  const t0 = Date.now();
  const evalRecs = o.records.filter((r) => r.split === o.split).slice(0, o.limit ?? Infinity);
  if (evalRecs.length === 0) throw new RangeError(`no images in split "${o.split}" of the manifest; pass --split with a split it has`);
  const runner = await ModelRunner.open(o.model, o.device, o.precision, o.threads, o.staticDecoder);
  const grid = heatmapGrid(runner.manifest); // the word maps' grid: the towers' own when they have one
  const items: EvalItem[] = evalRecs.map((r) => ({
    id: r.id,
    source: r.source,
    references: o.corpus.references(r),
    truth: truthFindings(r),
    subtype: subtypeRecord(r),
  }));
  const reports: Partial<Record<SystemName, string[]>> = {};
  const skipped: Record<string, string> = {};
  const timings: Record<string, number> = {};
  const needEmbeds = has(o, 'nearest_neighbour') || has(o, 'label_template');
  const embedder = needEmbeds ? await VisionEmbedder.open(o.model, runner.manifest, runner.info.precision, o.device) : null;
  const tally = new PointingTally();
  const laterality = new LateralityTally();
  const groundingIds = new Set<string>();
  const subset = new Set(stratifiedSubset(evalRecs, o.robustnessN));
  const units = new Map<number, LoadedImage>();
  const testEmbeds: Float32Array[] = [];
  const serpent: string[] = [];
  const diverseLm: string[] = [];
  const reportMs = { serpent: [] as number[], serpent_no_rerank: [] as number[] };
  const rerankChanged: boolean[] = []; // per image: the similarity moved the choice off the best LM score
  const findingSets: number[] = []; // per image: distinct finding sets among the candidates
  const rule = runner.manifest.second_look;
  const secondLook = rule ? new SecondLookTally(rule) : null;
  const notRead = runner.manifest.assessed_findings ? new NotReadTally(runner.manifest.assessed_findings) : null;

  timings.serpent_s = await generateAll(runner, 'serpent', evalRecs, o, async (rec, img, result, i) => {
    serpent.push(result.report.text);
    const lmChoice = noRerankCandidate(result);
    diverseLm.push(lmChoice.text);
    reportMs.serpent.push(result.timings.total_ms);
    rerankChanged.push(result.rerankChangedChoice);
    findingSets.push(result.refinement.findingSets);
    secondLook?.add(items[i].source, result, items[i].truth, lmChoice.findings);
    notRead?.add(items[i].source, result, items[i].truth);
    if (embedder) testEmbeds.push((await embedder.embed([img.pixels]))[0]);
    if (subset.has(i)) units.set(i, img);
    laterality.add(rec.id, result, img.pre);
    if (o.groundingSplits.includes(rec.split)) {
      const targets = targetsFor(rec, img.pre, img, grid);
      if (targets.length) {
        tally.add(rec.id, result, targets, img.pre);
        groundingIds.add(rec.id);
      }
    }
  });
  if (has(o, 'serpent')) reports.serpent = serpent;
  if (has(o, 'serpent_diverse_lm')) reports.serpent_diverse_lm = diverseLm;
  if (has(o, 'serpent_no_rerank')) {
    const plain: string[] = [];
    timings.no_rerank_s = await generateAll(
      runner,
      'serpent_no_rerank',
      evalRecs,
      o,
      (_r, _i, result) => {
        plain.push(result.report.text);
        reportMs.serpent_no_rerank.push(result.timings.total_ms);
      },
      plainBeam(runner),
    );
    reports.serpent_no_rerank = plain;
  }

  const extra = o.records.filter(
    (r) => o.groundingSplits.includes(r.split) && !groundingIds.has(r.id) && (r.nodule || r.boxes?.length || r.rsna_boxes?.length),
  );
  timings.grounding_s = await generateAll(runner, 'grounding', extra, o, (rec, img, result) =>
    tally.add(rec.id, result, targetsFor(rec, img.pre, img, grid), img.pre),
  );

  if (has(o, 'serpent_lambda0')) {
    if (!o.ablationModel) skipped.serpent_lambda0 = 'no --ablation-model DIR given (a model trained with λ = 0)';
    else {
      const ablation = await ModelRunner.open(o.ablationModel, o.device, o.precision, o.threads).catch((err: Error) => err);
      if (ablation instanceof Error) skipped.serpent_lambda0 = `cannot load ${o.ablationModel}: ${ablation.message}`;
      else {
        const texts: string[] = [];
        timings.lambda0_s = await generateAll(ablation, 'serpent_lambda0', evalRecs, o, (_r, _i, result) => void texts.push(result.report.text));
        reports.serpent_lambda0 = texts;
        await ablation.dispose();
      }
    }
  }

  const baseline = (name: SystemName, make: () => string[]): void => {
    if (!has(o, name)) return;
    try {
      reports[name] = make();
    } catch (err) {
      skipped[name] = `failed: ${(err as Error).name}: ${(err as Error).message}`;
      (o.stream ?? process.stderr).write(`${name} ${skipped[name]}\n`);
    }
  };
  baseline('always_normal', () => {
    const normals = o.trainRecords.filter((r) => truthFindings(r)[0] === 'no_finding').flatMap((r) => o.corpus.references(r));
    const common = mostCommon(normals);
    return evalRecs.map(() => common.text);
  });
  if (embedder) {
    const t = Date.now();
    if (o.trainRecords.length === 0) {
      for (const s of ['nearest_neighbour', 'label_template'] as const) if (has(o, s)) skipped[s] = 'no training split to learn from (pass --train-manifest)';
    } else {
      const trainEmbeds = await trainEmbeddings(embedder, runner, o);
      baseline('nearest_neighbour', () => {
        const nn = new NearestNeighbourBaseline(trainEmbeds, (i) => o.corpus.references(o.trainRecords[i])[0]);
        return testEmbeds.map((e) => nn.report(e).text);
      });
      baseline('label_template', () => {
        const truths: FindingKey[][] = o.trainRecords.map(truthFindings);
        const template = new LabelTemplateBaseline(trainEmbeds, truths, o.corpus);
        return testEmbeds.map((e, i) => template.report(e, evalRecs[i].id).text);
      });
    }
    timings.baselines_s = (Date.now() - t) / 1000;
    await embedder.dispose();
  }

  const robustness = await runRobustness(runner, o, evalRecs, items, [...subset], units, serpent, timings);
  await runner.dispose();
  const scored = scoreAll(reports as Record<string, string[]>, items, o.uncertain);
  timings.total_s = (Date.now() - t0) / 1000;
  const perImage: PerImageReport[] = items.map((it, i) => ({
    id: it.id,
    source: it.source,
    truth: it.truth,
    reports: Object.fromEntries(Object.entries(reports).map(([name, texts]) => [name, texts![i]])),
  }));
  const results: EvalResults = {
    model: {
      id: runner.manifest.id,
      version: runner.manifest.version,
      dir: runner.dir,
      precision: runner.info.precision,
      backend: runner.info.backend,
      static_decoder: runner.info.staticDecoder,
    },
    split: o.split,
    n: evalRecs.length,
    settings: runner.manifest.decoding,
    uncertain_policy: o.uncertain,
    references_per_image: items[0]?.references.length ?? 0,
    rerank_changed_share: rerankChanged.filter(Boolean).length / evalRecs.length, // vs the best LM score among the same candidates
    refinement: refinementSummary(serpent, reports.serpent_no_rerank, reportMs, { rerankChanged, findingSets }, o.uncertain),
    refinement_by_source: Object.fromEntries(
      [...new Set(items.map((it) => it.source))].map((src) => {
        const at = items.flatMap((it, i) => (it.source === src ? [i] : []));
        const pick = <T>(xs: readonly T[]) => at.map((i) => xs[i]);
        const ms = { serpent: pick(reportMs.serpent), serpent_no_rerank: pick(reportMs.serpent_no_rerank) };
        const perImage = { rerankChanged: pick(rerankChanged), findingSets: pick(findingSets) };
        return [src, refinementSummary(pick(serpent), reports.serpent_no_rerank && pick(reports.serpent_no_rerank), ms, perImage, o.uncertain)];
      }),
    ),
    ...(rule && secondLook
      ? {
          second_look: {
            rule: { min_draws: rule.min_draws, min_reader: rule.min_reader },
            all: secondLook.summary(),
            by_source: Object.fromEntries(secondLook.sources().map((src) => [src, secondLook.summary(src)])),
          },
        }
      : {}),
    ...(notRead ? { not_read: notRead.summary() } : {}),
    systems: scored.systems,
    skipped,
    per_source: scored.per_source,
    comparisons: compareSystems(reports, items, o.uncertain),
    sides: sideSummaries(reports, evalRecs),
    grounding: {
      splits: o.groundingSplits,
      grid,
      rule:
        'hit = the argmax cell of the sentence heatmap touches the NIH box / JSRT nodule disk (radius = size_mm/2 at 0.175 mm/px in 2048 px) / ' +
        "any of the image's RSNA opacity boxes",
      jsrt_nodule: tally.summary('jsrt_nodule'),
      nih_box: tally.summary('nih_box'),
      rsna_box: tally.summary('rsna_box'),
      targets: tally.targets(),
      laterality: laterality.summary(),
    },
    robustness,
    timings_s: timings,
  };
  return { results, perImage };
}

async function runRobustness(
  runner: ModelRunner,
  o: EvalOptions,
  evalRecs: ManifestRecord[],
  items: EvalItem[],
  subset: number[],
  units: Map<number, LoadedImage>,
  clean: string[],
  timings: Record<string, number>,
): Promise<RobustnessResults> {
  if (subset.length === 0) return { n: 0, note: 'disabled (--robustness-n 0)' };
  const truths = subset.map((i) => items[i].truth);
  const cleanTexts = subset.map((i) => clean[i]);
  const rows: Record<string, RobustnessRow> = { clean: robustnessRow(scoreReports(cleanTexts, truths, o.uncertain), cleanTexts, cleanTexts) };
  const perturbations = defaultPerturbations();
  const bar = new ProgressBar('robustness', subset.length * perturbations.length, o.stream);
  const S = runner.manifest.preprocessing.image_size;
  for (const p of perturbations) {
    const texts: string[] = [];
    for (const [j, i] of subset.entries()) {
      const img = units.get(i)!;
      const q = p.kind === 'noise' ? { ...p, seed: p.seed * 100003 + j } : p;
      const result = await runner.generate(unitToPixels(perturb(img.unit, S, q), runner.manifest.preprocessing), evalRecs[i].id);
      texts.push(result.report.text);
      bar.tick();
    }
    rows[perturbationName(p)] = robustnessRow(scoreReports(texts, truths, o.uncertain), texts, cleanTexts);
  }
  timings.robustness_s = bar.finish();
  return { n: subset.length, system: 'serpent' as const, rows };
}

const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** How often the rerank moved the choice, how many finding sets the candidates offered, how often the refinement's
 *  report differs from the plain beam's (in text, in asserted findings), and its time. */
function refinementSummary(
  serpent: readonly string[],
  plain: readonly string[] | undefined,
  ms: { serpent: number[]; serpent_no_rerank: number[] },
  perImage: { rerankChanged: readonly boolean[]; findingSets: readonly number[] },
  uncertain: UncertainPolicy,
): Refinement {
  const out: Refinement = {
    n: serpent.length,
    rerank_changed_share: perImage.rerankChanged.filter(Boolean).length / serpent.length,
    finding_sets_mean: perImage.findingSets.reduce((a, b) => a + b, 0) / serpent.length,
    median_report_ms: median(ms.serpent),
  };
  if (!plain) return out;
  const key = (t: string) => assertedFindings(t, uncertain).join('|');
  out.changed_vs_plain_beam_share = serpent.filter((t, i) => t !== plain[i]).length / serpent.length;
  out.findings_changed_vs_plain_beam_share = serpent.filter((t, i) => key(t) !== key(plain[i])).length / serpent.length;
  out.median_plain_beam_ms = median(ms.serpent_no_rerank);
  out.time_ratio = out.median_report_ms / out.median_plain_beam_ms;
  return out;
}
