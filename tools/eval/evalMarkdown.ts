// The eval section of docs/RESULTS.md: headline table per system, per-source micro-F1, grounding and robustness,
// with the command line that produced it.
import { comparisonsMarkdown, shareWithInterval } from './comparisonMarkdown';
import { comparedWithPlainBeam, type EvalResults } from './resultsSchema';
import { formatNumber, markdownTable } from './resultsDoc';
import type { SystemScores } from './scoring';
import type { LateralitySummary } from './laterality';
import type { SideSummary } from './sideTally';
import type { SecondLookSummary } from './secondLookTally';
import type { NotReadSource, NotReadSummary } from './notReadTally';

const NLG_COLS = ['bleu1', 'bleu2', 'bleu3', 'bleu4', 'meteor', 'rouge_l', 'cider'] as const;

/** "0.229 (0.121–0.390)": a rate with its interval (older results without one show the rate alone). */
export function withInterval(rate: number, interval?: [number, number]): string {
  if (!interval?.every(Number.isFinite)) return formatNumber(rate);
  return `${formatNumber(rate)} (${formatNumber(interval[0])}–${formatNumber(interval[1])})`;
}

function systemRow(name: string, s: SystemScores): (string | number)[] {
  const c = s.clinical;
  return [name, ...NLG_COLS.map((k) => s.nlg[k]), c.micro_f1, c.macro_f1, c.normal_abnormal_accuracy, c.hallucination_rate, c.omission_rate];
}

export function evalMarkdown(r: EvalResults, command: string, date = new Date().toISOString().slice(0, 10)): string {
  const parts: string[] = [];
  parts.push(`## Evaluation: ${r.model.id} ${r.model.version}, split \`${r.split}\` (${r.n} images)`);
  parts.push(
    `Command: \`${command}\` — ${date}, ${r.model.precision} on ${r.model.backend}, ${r.references_per_image} composed references per image, ` +
      `uncertain findings counted as ${r.uncertain_policy === 'positive' ? 'asserted' : 'not asserted'}.`,
  );
  parts.push(
    'NLG as pycocoevalcap computes it (PTB-style tokens; BLEU "closest"; ROUGE-L β = 1.2; CIDEr-D σ = 6 with document frequencies over this set\'s ' +
      'references). **METEOR here is `meteor_exact_stem`**: METEOR 1.5 scoring with exact and Porter-stem matching only — not the Java METEOR (no ' +
      "WordNet synonyms, no paraphrases), so it reads lower than published METEOR. Clinical: the project's finding labeler on each generated " +
      'report against the image\'s labels (micro/macro F1 without "No Finding"; hallucination = share of reports asserting a finding the labels ' +
      'lack; omission = share missing a labelled finding).',
  );
  parts.push(
    markdownTable(
      ['system', 'B1', 'B2', 'B3', 'B4', 'METEOR (exact+stem)', 'ROUGE-L', 'CIDEr-D', 'micro-F1', 'macro-F1', 'normal/abnormal acc', 'halluc.', 'omission'],
      Object.entries(r.systems).map(([name, s]) => systemRow(name, s)),
    ),
  );
  const skipped = Object.entries(r.skipped);
  if (skipped.length) parts.push(skipped.map(([s, why]) => `- \`${s}\` skipped: ${why}`).join('\n'));
  parts.push(
    `The rerank changed the chosen candidate (against the best language-model score among the same candidates) for ` +
      `${shareWithInterval(r.rerank_changed_share, r.n)} of images.` +
      (r.refinement.finding_sets_mean !== undefined
        ? ` The candidates asserted ${r.refinement.finding_sets_mean.toFixed(2)} distinct finding sets per image on average (1 = they differ in wording only).`
        : ''),
  );
  const ref = r.refinement;
  if (comparedWithPlainBeam(ref)) {
    parts.push(
      `Against the plain beam as wide as its candidate count (\`serpent_no_rerank\`), the refinement's report differs for ` +
        `${(100 * ref.changed_vs_plain_beam_share).toFixed(1)}% of images and asserts other findings for ` +
        `${(100 * ref.findings_changed_vs_plain_beam_share).toFixed(1)}%; median report time ${ref.median_report_ms.toFixed(0)} ms vs ` +
        `${ref.median_plain_beam_ms.toFixed(0)} ms (×${ref.time_ratio.toFixed(2)}, onnxruntime-node CPU, 1 thread).`,
    );
  }
  parts.push(...comparisonsMarkdown(r.comparisons ?? []));

  const sources = Object.keys(r.per_source);
  const systems = Object.keys(r.systems);
  parts.push('### Per source (micro-F1 / CIDEr-D / hallucination rate)');
  parts.push(
    markdownTable(
      ['system', ...sources.map((s) => `${s} (n=${r.per_source[s][systems[0]]?.n ?? 0})`)],
      systems.map((name) => [
        name,
        ...sources.map((s) => {
          const x = r.per_source[s][name];
          return x ? `${x.clinical.micro_f1.toFixed(3)} / ${x.nlg.cider.toFixed(3)} / ${x.clinical.hallucination_rate.toFixed(3)}` : '–';
        }),
      ]),
    ),
  );

  const bySource = r.refinement_by_source;
  if (Object.values(bySource).some(comparedWithPlainBeam)) {
    parts.push('### Refinement per source (`serpent` against its best-LM candidate and against `serpent_no_rerank`)');
    parts.push(
      markdownTable(
        ['source', 'n', 'finding sets / image', 'rerank changed the choice', 'report differs from plain beam', 'findings differ from plain beam'],
        Object.entries(bySource).map(([src, x]) => [
          src,
          x.n,
          x.finding_sets_mean ?? '–',
          x.rerank_changed_share,
          x.changed_vs_plain_beam_share ?? '–',
          x.findings_changed_vs_plain_beam_share ?? '–',
        ]),
      ),
    );
  }

  if (r.second_look) parts.push(...secondLookMarkdown(r.second_look));
  if (r.not_read) parts.push(...notReadMarkdown(r.not_read));

  const withSubtype = systems.filter((name) => r.systems[name].subtype);
  if (withSubtype.length) {
    parts.push(`### Pneumonia subtype (images whose labels say bacterial or viral: Kermany; n = ${r.systems[withSubtype[0]].subtype!.n})`);
    parts.push(
      markdownTable(
        ['system', 'names a subtype', 'agrees (all)', 'agrees (when named)'],
        withSubtype.map((name) => {
          const x = r.systems[name].subtype!;
          return [name, x.stated, x.agreement, x.agreement_when_stated];
        }),
      ),
    );
  }

  parts.push(...sidesMarkdown(r.sides ?? {}));

  const g = r.grounding;
  parts.push(`### Grounding (pointing game, splits ${g.splits.join(', ')}, grid ${g.grid.join('×')})`);
  parts.push(
    `Rule: ${g.rule}. "named" = reports that asserted the annotated finding (its sentences' heatmap); "second look" = reports that left it out while the second look flagged it, ` +
      "which use the lesion map the page shows for it; the others use the whole report's mean heatmap.",
  );
  parts.push(
    markdownTable(
      [
        'target',
        'n',
        'named',
        'hit (all, Wilson 95 %)',
        'hit (named)',
        'second look',
        'hit (second look)',
        'centre prior',
        'random cell',
        "peak on the target's side",
        'median peak–target distance (film widths)',
      ],
      (['jsrt_nodule', 'nih_box', 'rsna_box'] as const).map((k) => [
        k,
        g[k].n,
        g[k].n_mentioned,
        withInterval(g[k].hit_rate, g[k].hit_interval),
        g[k].hit_rate_mentioned,
        g[k].n_second_look ?? 0,
        g[k].hit_rate_second_look ?? NaN,
        g[k].centre_hit_rate,
        g[k].random_hit_rate,
        g[k].same_side_rate,
        g[k].median_distance,
      ]),
    ),
  );
  if (g.laterality) parts.push(lateralityLine(r.split, g.laterality));

  const rb = r.robustness;
  if ('rows' in rb && rb.rows) {
    parts.push(
      `### Robustness (serpent, ${rb.n} images stratified by source; noise σ as a fraction of the intensity range, blur σ in pixels of the model ` +
        `input, contrast about the image mean; mirrored: the film flipped left to right, as a film saved flipped reaches the model unless the page's flip is taken)`,
    );
    parts.push(
      markdownTable(
        ['condition', 'micro-F1', 'macro-F1', 'normal/abnormal acc', 'halluc.', 'omission', 'reports changed'],
        Object.entries(rb.rows).map(([name, x]) => [
          name,
          x.micro_f1,
          x.macro_f1,
          x.normal_abnormal_accuracy,
          x.hallucination_rate,
          x.omission_rate,
          x.changed_share,
        ]),
      ),
    );
  }
  parts.push(
    `Time: ${Object.entries(r.timings_s)
      .map(([k, v]) => `${k.replace(/_s$/, '')} ${v.toFixed(0)} s`)
      .join(', ')}.`,
  );
  return parts.join('\n\n');
}

/** How the evaluation numbers are made (written beside every eval section). */
export function evalMethodsMarkdown(): string {
  return (
    `## How the evaluation is computed (\`npm run eval\`)

- **References.** There are no real reports for these images: each image's references are the K reports the
  corpus builder composes from its labels (same composer, same seed, \`tools/eval/corpusText.ts\`). NLG scores
  therefore measure agreement with label-derived text, not with radiologists' reports.
- **NLG** (\`src/text/metrics/\`), as pycocoevalcap computes it: PTB-style tokenisation (lower-case, punctuation
  dropped); corpus BLEU-1..4 with the closest reference length; ROUGE-L with β = 1.2 (max precision and max recall
  over references); CIDEr-D (n = 4, σ = 6, clipping, ×10) with document frequencies over the references of the
  evaluated set — per-source rows use that source's references, so CIDEr-D is not comparable across rows.
- **METEOR is \`meteor_exact_stem\`**: METEOR 1.5's scoring (α 0.85, β 0.2, γ 0.6, δ 0.75, exact 1.0 / stem 0.6,
  fragmentation penalty, corpus score from summed statistics) with only exact and Porter-stem matching. It is
  **not** the Java METEOR 1.5 that pycocoevalcap runs: there are no WordNet synonyms or paraphrase tables here, so
  it is lower than published METEOR numbers. The JSON carries it as both \`meteor\` and \`meteor_exact_stem\`.
- **Clinical** (\`src/text/metrics/clinical.ts\`): the project's finding labeler reads each generated report; a
  finding stated as uncertain counts as asserted (\`--uncertain negative\` to change). Truth: the image's source
  labels mapped through \`src/text/data/corpus/source_labels.json\`; both sides closed under parents. Micro/macro F1
  exclude "No Finding" (macro over findings present in the set); hallucination rate = share of reports asserting a
  finding the labels lack; omission rate = share of reports missing a labelled finding.
- **Systems.** \`serpent\`: model defaults (with diverse beam groups and the rerank when the manifest sets them).
  \`serpent_no_rerank\`: a plain beam search as wide as the refinement's candidate count (beam + samples; one group, no samples, β = 0; a second decode).
  \`serpent_diverse_lm\`: \`serpent\`'s own candidates chosen by length-normalised log-prob alone (β = 0). \`serpent_lambda0\`: a model trained ` +
    `without the refine loss (\`--ablation-model\`).
  \`always_normal\`: the most common normal report among the training split's composed reports.
  \`nearest_neighbour\`: the first composed report of the training image nearest by image_embeds cosine.
  \`label_template\`: a logistic-regression probe on image_embeds (300 full-batch gradient steps, per-finding F1
  thresholds on train) whose predicted findings the composer writes as a report.
- **Pneumonia subtype**: on images whose labels say bacterial or viral (Kermany), the report "names" a subtype when
  it says bacterial or viral but not both; agreement is over all such images (silence does not agree) and over those
  whose report names one (\`tools/eval/subtype.ts\`).
- **Grounding** (pointing game): annotated images of the grounding splits (JSRT nodules: centre and diameter; NIH
  boxes; RSNA opacity boxes on nih64 images, one target per image, any of its boxes) mapped through the
  preprocessing's scale/offset into the patch grid; a hit when the argmax cell of the heatmap of the sentences
  asserting the annotated finding touches the box / nodule disk. Reports that do not name the finding use the whole report's mean heatmap (counted separately). Baselines: the cell at the image centre,
  and the expected hit rate of a uniformly random cell of the image. The default grounding splits are val and test
  because the test split holds no NIH box (5 in train, 4 in val). Only the similarity towers see box positions in
  training, and only the train split's (JSRT nodules, NIH and RSNA boxes).
- **Paired differences**: \`serpent\` against each reference system on the same images, by a bootstrap that draws each
  source's images with replacement (2,000 resamples, seed 1; \`tools/eval/pairedBootstrap.ts\`); 95 % percentile
  intervals of the micro-F1 difference, the hallucination ratio and the omission difference. The rerank's changed
  share carries its Wilson interval. \`npm run eval-compare\` computes the same from saved reports, also across runs.
- **Robustness**: \`serpent\` on a source-stratified subset (\`--robustness-n\`) with Gaussian noise (σ = 0.05, 0.1,
  0.2 of the intensity range), Gaussian blur (σ = 1, 2 px of the model input) and contrast ×0.5 / ×1.5 about the
  mean, applied to the [0,1] image before normalisation; "reports changed" = share that differ from the clean one.`
  );
}

/** The side table: per system and source: finding, where the reports put the finding against where the source says
 *  it is (tools/eval/sideTally.ts); nothing when no image of the split has a truth side. */
export function sidesMarkdown(sides: Record<string, SideSummary>): string[] {
  const rows = Object.entries(sides).flatMap(([name, s]) =>
    Object.entries(s.by_finding).map(([key, c]) => [
      name,
      key,
      c.n,
      c.not_asserted,
      c.no_side,
      c.right_side,
      c.wrong_side,
      c.lobe_named ? `${c.lobe_right} of ${c.lobe_named}` : '–',
    ]),
  );
  if (!rows.length) return [];
  return [
    "### Where the report puts it (images whose source gives a finding's side: JSRT nodules with their lobe, NIH boxes; the COVID-19 pattern and viral pneumonia are bilateral)",
    markdownTable(['system', 'source: finding', 'n', 'not asserted', 'asserted, no side', 'right side', 'wrong side', 'lobe right (of named)'], rows),
  ];
}

/** Do the sentence maps peak on the side their sentence names? One line. */
export function lateralityLine(split: string, lat: LateralitySummary): string {
  const head = `Laterality (every ${split} image, serpent's reports): `;
  if (lat.n === 0) return `${head}no positive sentence names one side, so no heatmap peak is checked against a named side.`;
  const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '–');
  return (
    `${head}of ${lat.n} positive sentences that name one side, the sentence heatmap's peak ` +
    `lies on the patient's side they name for ${fmt(lat.side_agreement)} (chance 0.5; ` +
    Object.entries(lat.by_finding)
      .map(([f, v]) => `${f} ${fmt(v.side_agreement)} of ${v.n}`)
      .join(', ') +
    `). Pleural effusion sentences (${lat.effusion.n}): peak in the lower half of the film ${fmt(lat.effusion.lower_half)} (chance 0.5).`
  );
}

/** The second look per source: the findings the refinement left out that the page flags, and how often they were there. */
export function secondLookMarkdown(x: NonNullable<EvalResults['second_look']>): string[] {
  const row = (name: string, y: SecondLookSummary): (string | number)[] => [
    name,
    y.n,
    y.films_flagged,
    y.findings_flagged,
    y.findings_flagged ? y.share_present : '–',
    y.films_with_map,
    y.map_present,
    `${y.votes_dropped_flagged} of ${y.votes_dropped}`,
  ];
  return [
    `### Second look (\`serpent\`: findings left out of the draft that ${x.rule.min_draws} or more draws assert or the finding reader gives ${x.rule.min_reader} or more)`,
    markdownTable(
      [
        'source',
        'n',
        'drafts with a flag',
        'findings flagged',
        'flagged and present',
        'drafts with the lesion map shown for one',
        '… whose finding is present',
        "present findings the LM's choice asserted and the draft left out: flagged",
      ],
      [...Object.entries(x.by_source).map(([src, y]) => row(src, y)), row('all', x.all)],
    ),
  ];
}

/** "Not read": serpent's drafts that rule out a finding its val drafts were not shown to find, per source and per finding. */
export function notReadMarkdown(x: NotReadSummary): string[] {
  const row = (name: string, y: NotReadSource): (string | number)[] => [name, y.n, y.drafts_marked, y.n ? y.drafts_marked / y.n : '–', y.sentences];
  return [
    `### Not read (\`serpent\`: draft sentences that rule out a finding its ${x.measured_on} drafts were not shown to find; assessed: ${x.assessed.join(', ')})`,
    markdownTable(
      ['source', 'n', 'drafts with a "not read" sentence', 'share', '"not read" sentences'],
      [...Object.entries(x.by_source).map(([src, y]) => row(src, y)), row('all', x.all)],
    ),
    markdownTable(
      ['finding (not assessed)', 'films with it', 'drafts that found it', 'drafts that rule it out, marked "not read"'],
      Object.entries(x.by_finding).map(([f, y]) => [f, y.positives, y.recalled, y.ruled_out]),
    ),
  ];
}
