// The self-refinement sweep: for each search configuration (beam width, diverse beam groups and their per-step token
// penalty, and sampled alternatives with their temperature: 3x3:2, 1x1:0+s2@1) decodes each image of a
// split once, keeps every finished candidate with its length-normalised logp and image–text similarity, then
// re-chooses under each β, consensus weight γ (the candidates' agreement on findings) and finding-vote threshold τ
// (src/engine/rerank.ts) and scores the chosen reports with the clinical metrics (tools/sweep/scoring.ts). The default
// is the configuration with the lowest hallucination rate whose micro-F1 is at least the plain beam's (beam 3, one
// group, no samples, β = γ = τ = 0);
// `--write-defaults` writes it into the model's manifest. It also says, where a configuration's candidates disagree
// on findings, whether the LM's choice, the most image-similar candidate or the one the others agree with most is the
// one with the fewest finding errors.
//   npm run sweep-rerank -- [--manifest PATH] [--root DIR] [--split val] [--model DIR] [--per-source 60]
//        [--configs 3x1:0,3x3:1,1x1:0+s2@1] [--betas 0,0.25,0.5,1,2,4,8] [--consensus 0,0.5,1] [--vote-thresholds 0,0.6,0.7] [--reader-weights 0,0.5]
//        [--out FILE.json] [--candidates FILE.jsonl] [--write-defaults]
//   npm run sweep-rerank -- --rescore FILE.jsonl [--betas …] [--consensus …] [--vote-thresholds …]   # saved candidates
//   npm run sweep-rerank -- --from out/sweep-val.json --write-defaults      # re-choose from a saved sweep
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FLAGS, parseFlags, usage, UsageError, type FlagSpec, type Flags } from './cli/flags';
import { runMain } from './cli/main';
import { CXR_MANIFEST, outPath, writeJsonFile } from './cli/paths';
import { loadRecordImage } from './eval/images';
import { readManifest } from './eval/manifest';
import { ModelRunner } from './eval/modelRunner';
import { truthFindings } from './eval/truth';
import { searchLabel } from '../src/engine/settings';
import { ratioText, signed, withRange } from './eval/comparisonMarkdown';
import {
  chosenVsPlain,
  leftOutByEvidence,
  parseConfig,
  secondLookOf,
  type RerankGrid,
  rescoreSweep,
  savedCase,
  scoreConfig,
  type Sweep,
  type SweepCase,
  type SweepRow,
} from './sweep/scoring';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';

const specs = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split (default val)' },
  configs: { type: 'list', help: 'search configurations BEAMxGROUPS:PENALTY (default 3x1:0,3x3:0.5,3x3:1,3x3:2,3x3:4,6x3:1,6x3:2,6x6:1,6x6:2)' },
  betas: { type: 'list', help: 'β values to try (default 0,0.25,0.5,1,2,4,8)' },
  consensus: { type: 'list', help: 'γ values to try: weight of a candidate’s agreement on findings with the others (default 0)' },
  'vote-thresholds': { type: 'list', help: 'τ values to try: the finding votes’ threshold, 0 = off (default 0)' },
  'reader-weights': { type: 'list', help: 'w values to try with each τ > 0: the finding reader’s share of each vote (default 0)' },
  'per-source': { type: 'number', help: 'images per source, spread over the split (default 60)' },
  out: { type: 'string', help: 'results JSON (default out/sweep-rerank.json)' },
  candidates: {
    type: 'string',
    help: 'also write every candidate (text, token ids, logp, similarity, findings, finding errors against the labels) per image and configuration to this JSONL',
  },
  rescore: { type: 'string', help: 're-choose the candidates saved by --candidates (FILE.jsonl) instead of decoding again' },
  from: { type: 'string', help: 'choose (and with --write-defaults write) from a saved sweep JSON instead of decoding again' },
  'write-defaults': {
    type: 'boolean',
    help: "write the chosen search, β, γ, τ and w into the model's manifest.json, and its second_look record (the left-out findings the page flags)",
  },
  'second-look-draws': { type: 'number', help: 'the page flags a left-out finding that at least this many draws assert (default 2)' },
  'second-look-reader': { type: 'number', help: '… or that the finding reader gives at least this probability (default 0.25)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

function rerankGrid(f: Flags<typeof specs>): RerankGrid {
  const betas = (f.betas ?? ['0', '0.25', '0.5', '1', '2', '4', '8']).map(Number);
  const gammas = (f.consensus ?? ['0']).map(Number);
  const taus = (f['vote-thresholds'] ?? ['0']).map(Number);
  if ([...betas, ...gammas].some((x) => !Number.isFinite(x) || x < 0)) throw new UsageError('--betas and --consensus take numbers ≥ 0');
  const readerWeights = (f['reader-weights'] ?? ['0']).map(Number);
  if (taus.some((x) => !(x >= 0 && x < 1))) throw new UsageError('--vote-thresholds take numbers from 0 (off) to below 1');
  if (readerWeights.some((x) => !(x >= 0 && x <= 1))) throw new UsageError('--reader-weights take numbers from 0 to 1');
  return { betas, gammas, taus, readerWeights };
}

/** Decodes each image once per configuration and scores the choice under every β. */
const NO_PLAIN_BEAM = 'the sweep has no plain beam search to compare with: add one to --configs (e.g. 3x1:0), with 0 among the β, γ and τ';

/** A plain beam search row: one group, no samples, and nothing re-chosen (β, γ and τ 0). */
const isPlain = (r: Pick<Choosable, 'groups' | 'beta' | 'samples' | 'consensus' | 'vote_threshold'>): boolean =>
  r.groups === 1 && !r.samples && r.beta === 0 && !r.consensus && !r.vote_threshold;

async function decodeSweep(f: Flags<typeof specs>, modelDir: string): Promise<Sweep> {
  const manifestPath = f.manifest ?? CXR_MANIFEST;
  const root = f.root ?? path.dirname(manifestPath);
  const split = f.split ?? 'val';
  const perSource = f['per-source'] ?? 60;
  const grid = rerankGrid(f);
  if (f.candidates) writeFileSync(f.candidates, '');
  const configs = (f.configs ?? ['3x1:0', '3x3:0.5', '3x3:1', '3x3:2', '3x3:4', '6x3:1', '6x3:2', '6x6:1', '6x6:2']).map(parseConfig);
  // The rule compares with a plain beam: say so before decoding, not after.
  if (!configs.some((c) => isPlain({ ...c, beta: 0 })) || ![grid.betas, grid.gammas, grid.taus].every((xs) => xs.includes(0)))
    throw new UsageError(NO_PLAIN_BEAM);
  const bySource = new Map<string, ReturnType<typeof readManifest>>();
  for (const r of readManifest(manifestPath).filter((r) => r.split === split)) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);
  const records = [...bySource.values()].flatMap((rs) => {
    const step = Math.max(1, Math.floor(rs.length / perSource));
    return rs.filter((_, i) => i % step === 0).slice(0, perSource);
  });
  const runner = await ModelRunner.open(modelDir, 'cpu', 'int8', 1);
  const pre = runner.manifest.preprocessing;
  const images = await Promise.all(records.map((rec) => loadRecordImage(root, rec, pre)));
  const truths = records.map(truthFindings);
  const rows: SweepRow[] = [];
  for (const cfg of configs) {
    const cases: SweepCase[] = [];
    for (const [i, rec] of records.entries()) {
      const res = await runner.generate(images[i].pixels, rec.id, { ...cfg, beta: 0, consensus: 0 });
      const { reading } = res.refinement;
      cases.push({ candidates: res.candidates, ms: res.timings.total_ms, truth: truths[i], source: rec.source, ...(reading ? { reading } : {}) });
      process.stderr.write(`\r${searchLabel(cfg)} ${i + 1}/${records.length}`);
    }
    process.stderr.write('\n');
    if (f.candidates) appendFileSync(f.candidates, `${cases.map((c, i) => JSON.stringify(savedCase(cfg, records[i], c))).join('\n')}\n`);
    rows.push(...scoreConfig(cfg, cases, grid));
  }
  await runner.dispose();
  const description =
    `${records.length} ${split} images (${[...bySource.keys()].join(', ')}; ≤${perSource} per source), ${runner.manifest.id} ` +
    `${runner.manifest.version} int8, similarity: ${runner.manifest.similarity ? 'towers' : 'decoder'}`;
  return { split, n: records.length, model: runner.manifest.id, description, rows };
}

/** The plain beam (one group, no samples, β 0, γ 0, no votes; beam 3 when the sweep has it, else its widest plain beam) and
 *  the lowest hallucination at micro-F1 ≥ the plain beam's. Ties: higher micro-F1, then more finding sets per image (the
 *  candidates show the reader more clinical alternatives), then the earlier row. A sweep without a plain beam has no
 *  reference for the rule: a UsageError says to add one. */
type Choosable = Pick<SweepRow, 'beam' | 'groups' | 'beta' | 'micro_f1' | 'hallucination_rate' | 'finding_sets_mean'> & {
  consensus?: number;
  reader_weight?: number;
  samples?: number;
  vote_threshold?: number;
};
export function chooseDefaults<R extends Choosable>(rows: readonly R[]): { plain: R; best: R } {
  const plains = rows.filter(isPlain);
  const plain = plains.find((r) => r.beam === 3) ?? plains.reduce<R | undefined>((w, r) => (w && w.beam >= r.beam ? w : r), undefined);
  if (!plain) throw new UsageError(NO_PLAIN_BEAM);
  const eligible = rows.filter((r) => r.micro_f1 >= plain.micro_f1);
  const better = (a: R, b: R) =>
    b.hallucination_rate !== a.hallucination_rate
      ? b.hallucination_rate < a.hallucination_rate
      : b.micro_f1 !== a.micro_f1
        ? b.micro_f1 > a.micro_f1
        : b.finding_sets_mean > a.finding_sets_mean;
  const best = eligible.reduce((a, b) => (better(a, b) ? b : a), plain);
  return { plain, best };
}

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, specs, 'npm run sweep-rerank --');
  if (f.help) return void console.log(usage('npm run sweep-rerank -- [flags]', specs));
  const modelDir = f.model ?? defaultModelDir();
  const sweep: Sweep = f.from
    ? (JSON.parse(readFileSync(f.from, 'utf8')) as Sweep)
    : f.rescore
      ? { ...rescoreSweep(f.rescore, rerankGrid(f)), ...(f.split ? { split: f.split } : {}) }
      : await decodeSweep(f, modelDir);
  const { plain, best } = chooseDefaults(sweep.rows);
  console.log(`self-refinement sweep on ${sweep.description ?? `${sweep.n} ${sweep.split} images`}`);
  console.log(
    '| search | β | γ | τ | w | micro-F1 | macro-F1 | hallucination | omission | choices changed | findings changed | finding sets / image | median ms ' +
      '| per source: micro-F1 / hallucination |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of sweep.rows) {
    console.log(
      `| ${searchLabel(r)} | ${r.beta} | ${r.consensus ?? 0} | ${r.vote_threshold ?? 0} | ${r.reader_weight ?? 0} | ${r.micro_f1.toFixed(3)} | ${r.macro_f1.toFixed(3)} | ` +
        `${r.hallucination_rate.toFixed(3)} | ${r.omission_rate.toFixed(3)} | ${(100 * r.changed_share).toFixed(1)}% | ` +
        `${r.findings_changed_share === undefined ? '–' : `${(100 * r.findings_changed_share).toFixed(1)}%`} | ` +
        `${r.finding_sets_mean.toFixed(2)} | ${Number.isFinite(r.median_ms) ? r.median_ms.toFixed(0) : '–'} | ` +
        `${Object.entries(r.per_source ?? {})
          .map(([source, x]) => `${source} ${x.micro_f1.toFixed(3)} / ${x.hallucination_rate.toFixed(3)}`)
          .join(', ')} |`,
    );
  }
  console.log(
    `chosen: ${searchLabel(best)}, β ${best.beta}, γ ${best.consensus ?? 0}, τ ${best.vote_threshold ?? 0}, w ${best.reader_weight ?? 0} (hallucination ` +
      `${best.hallucination_rate.toFixed(3)} vs the plain beam ${plain.beam}'s ${plain.hallucination_rate.toFixed(3)}, micro-F1 ${best.micro_f1.toFixed(3)} vs ` +
      `${plain.micro_f1.toFixed(3)})`,
  );
  const vsPlain = best === plain ? null : chosenVsPlain(best, plain);
  if (vsPlain) {
    console.log(
      `chosen against the plain beam on the same images (paired bootstrap by source, ${vsPlain.resamples} resamples, 95 %): micro-F1 ` +
        `${withRange(vsPlain.micro_f1.diff, signed)}, hallucination ×${withRange(vsPlain.hallucination_rate.ratio, ratioText)}, omission ` +
        `${withRange(vsPlain.omission_rate.diff, signed)}`,
    );
  }
  const secondLook = secondLookOf(best, { min_draws: f['second-look-draws'] ?? 2, min_reader: f['second-look-reader'] ?? 0.25 }, sweep.split);
  const evidence = leftOutByEvidence(best);
  if (evidence?.length) {
    console.log(
      '\nFindings the chosen setting leaves out although a candidate asserts them, by their evidence\n| evidence | left out | present |\n|---|---|---|',
    );
    for (const e of evidence) console.log(`| ${e.evidence} | ${e.left} | ${e.left ? `${((100 * e.present) / e.left).toFixed(0)} %` : '–'} |`);
  }
  if (secondLook) {
    console.log(
      `left out by the chosen setting and flagged for a second look (≥ ${secondLook.min_draws} draws or the reader ≥ ${secondLook.min_reader}): ` +
        `${secondLook.flagged} findings on ${secondLook.images} of ${secondLook.films} films, present ${(100 * secondLook.share_present).toFixed(0)} % of the time`,
    );
  }
  console.log(
    '\nWhere the candidates disagree (≥ 2 finding sets): whose pick has the fewest finding errors among them; and the pool’s ' +
      'ceiling, every image drafted from its candidate with the fewest finding errors (no rerank of these candidates does better)',
  );
  console.log(
    '| search | images with ≥ 2 finding sets | LM’s choice | most similar candidate | most agreed candidate | ceiling: micro-F1 / hallucination |\n|---|---|---|---|---|---|',
  );
  for (const r of sweep.rows.filter((x) => x.beta === 0 && !x.consensus && !x.vote_threshold && x.multi_set_share !== undefined)) {
    const pct = (x: number | undefined) => (x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);
    const ceiling = r.ceiling_micro_f1 === undefined ? '–' : `${r.ceiling_micro_f1.toFixed(3)} / ${r.ceiling_hallucination_rate!.toFixed(3)}`;
    console.log(
      `| ${searchLabel(r)} | ${pct(r.multi_set_share)} | ${pct(r.lm_fewest_errors)} | ${pct(r.sim_fewest_errors)} | ${pct(r.agree_fewest_errors)} | ${ceiling} |`,
    );
  }
  if (!f.from) {
    const out = f.out ?? outPath('sweep-rerank.json');
    writeJsonFile(out, { ...sweep, chosen: best, plain, ...(vsPlain ? { chosen_vs_plain: vsPlain } : {}), ...(secondLook ? { second_look: secondLook } : {}) });
  }
  if (f['write-defaults']) {
    const file = path.join(modelDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    const { beam, groups, diversity_penalty, samples = 0, temperature = 1, beta, consensus = 0, vote_threshold = 0, reader_weight = 0 } = best;
    Object.assign(manifest.decoding, { beam, groups, diversity_penalty, samples, temperature, beta, consensus, vote_threshold, reader_weight });
    if (secondLook) manifest.second_look = secondLook;
    else if (manifest.second_look) {
      // a sweep read back with --from has no per-image choices: a record measured under other defaults would mislead
      delete manifest.second_look;
      console.log('removed second_look from the manifest: re-measure it with --rescore on saved candidates, or a decode');
    }
    writeJsonFile(file, manifest, 2);
    console.log(`wrote the chosen decoding defaults into ${file}`);
  }
}

runMain(import.meta.url, main);
