// The self-refinement sweep's scoring: search configurations in one label, each decoded image's candidates re-chosen
// by the engine's own rerank under every β, γ and τ and scored with the clinical metrics, and the --candidates file
// that saves them for --rescore. No model here: tools/sweepRerank.ts decodes.
import { readFileSync } from 'node:fs';
import { UsageError } from '../cli/flags';
import { caseCounts, scoreClinical, type CaseCounts } from '../../src/text/metrics/clinical';
import { pairedBootstrap, type PairedComparison } from '../eval/pairedBootstrap';
import { withAncestors, type FindingKey } from '../../src/text/findings';
import { rerank } from '../../src/engine/rerank';
import type { LeftOutFinding } from '../../src/engine/secondLook';
import { flaggedWithTruth } from '../eval/secondLookTally';
import type { SecondLook } from '../../src/engine/manifest';
import { searchLabel } from '../../src/engine/settings';
import type { Candidate } from '../../src/engine/types';

export interface SearchConfig {
  beam: number;
  groups: number;
  diversity_penalty: number;
  samples: number;
  temperature: number;
}

/** BEAMxGROUPS:PENALTY, optionally +sS@T: S sampled alternatives at temperature T (e.g. 3x3:2, 1x1:0+s2@1). */
export function parseConfig(text: string): SearchConfig {
  const m = /^(\d+)x(\d+):([\d.]+)(?:\+s(\d+)(?:@([\d.]+))?)?$/.exec(text);
  if (!m) throw new UsageError(`--configs: "${text}" is not BEAMxGROUPS:PENALTY[+sSAMPLES@TEMPERATURE] (e.g. 6x3:1, 1x1:0+s2@1)`);
  return { beam: Number(m[1]), groups: Number(m[2]), diversity_penalty: Number(m[3]), samples: Number(m[4] ?? 0), temperature: Number(m[5] ?? 1) };
}

/** The candidate the engine would choose under β, γ, τ and reader weight w: the engine's own rerank over the saved
 *  candidates (their length-normalised logp given as the logp, with α 0) and the image's finding reading. */
export function choose(
  cands: readonly Candidate[],
  beta: number,
  consensus = 0,
  voteThreshold = 0,
  reading?: Readonly<Record<string, number>>,
  readerWeight = 0,
): Candidate {
  const hyps = cands.map((c) => ({ tokenIds: c.tokenIds, logp: c.lengthNormLogp, score: c.score, textEmbeds: [], group: c.group }));
  const ranked = rerank(
    hyps,
    cands.map((c) => c.similarity),
    cands.map((c) => c.findings),
    0,
    beta,
    consensus,
    cands.map((c) => c.draws),
    voteThreshold,
    reading && { findings: reading, weight: readerWeight },
  );
  return cands[ranked.chosen.index];
}

export interface SweepRow extends SearchConfig {
  beta: number;
  consensus: number;
  vote_threshold: number;
  reader_weight?: number; // w: the finding reader's share of each vote (absent in sweeps saved before it)
  micro_f1: number;
  macro_f1: number;
  hallucination_rate: number;
  omission_rate: number;
  changed_share: number; // the chosen candidate is not the LM's best
  findings_changed_share: number; // … and asserts other findings than the LM's best
  finding_sets_mean: number;
  multi_set_share: number; // images whose candidates assert ≥ 2 finding sets
  lm_fewest_errors: number; // of those: share where the LM's choice has the fewest finding errors among the candidates
  sim_fewest_errors: number; // … and where the most similar candidate has
  agree_fewest_errors: number; // … and where the candidate the others agree with most has
  ceiling_micro_f1?: number; // the pool's ceiling: every image's candidate with the fewest finding errors (a choice
  ceiling_hallucination_rate?: number; // that reads the labels; what no rerank of these candidates can exceed by that count)
  median_ms: number;
  per_source?: Record<string, { n: number; micro_f1: number; hallucination_rate: number }>;
}

export interface Sweep {
  split: string;
  n: number;
  model: string;
  description: string;
  rows: SweepRow[];
}

/** Finding errors of a report: findings asserted but absent, plus findings present but not asserted (both closed). */
export function findingErrors(c: Candidate, truth: readonly FindingKey[]): number {
  const predicted = new Set(c.findings); // the engine's labeler reading of c.text
  const actual = new Set<string>(withAncestors(truth.filter((k) => k !== 'no_finding')));
  return [...predicted].filter((k) => !actual.has(k)).length + [...actual].filter((k) => !predicted.has(k)).length;
}

/** γ so large that agreement decides and the LM score only orders candidates of equal agreement. */
const AGREEMENT_FIRST = 1e6;

/** Who judges findings better where the candidates disagree: on images with ≥ 2 finding sets, how often the LM's
 *  choice, the most image-similar candidate, and the candidate the others agree with most (ties to the LM's order)
 *  has the fewest finding errors among the candidates. */
export function judgeFindings(perImage: readonly (readonly Candidate[])[], truths: readonly (readonly FindingKey[])[]) {
  let multi = 0,
    lm = 0,
    sim = 0,
    agree = 0;
  perImage.forEach((cands, i) => {
    if (new Set(cands.map((c) => c.findings.join('|'))).size < 2) return;
    multi++;
    const errors = cands.map((c) => findingErrors(c, truths[i]));
    const fewest = Math.min(...errors);
    const best = (key: (c: Candidate) => number) => cands.reduce((a, c, j) => (key(c) > key(cands[a]) ? j : a), 0);
    if (errors[best((c) => c.lengthNormLogp)] === fewest) lm++;
    if (errors[best((c) => c.similarity)] === fewest) sim++;
    if (errors[cands.indexOf(choose(cands, 0, AGREEMENT_FIRST))] === fewest) agree++;
  });
  const share = (k: number) => (multi ? k / multi : 0);
  return { multi_set_share: multi / perImage.length, lm_fewest_errors: share(lm), sim_fewest_errors: share(sim), agree_fewest_errors: share(agree) };
}

/** The pool's ceiling: the clinical scores if every image's draft were its candidate with the fewest finding errors
 *  (ties: the LM's order). A rerank that reads only the candidates cannot beat it on finding errors, so a search whose
 *  ceiling is below a target cannot reach it by any β, γ or τ. */
export function poolCeiling(perImage: readonly (readonly Candidate[])[], truths: readonly (readonly FindingKey[])[]) {
  const picks = perImage.map((cands, i) => {
    const errors = cands.map((c) => findingErrors(c, truths[i]));
    const better = (j: number, best: number) =>
      errors[j] < errors[best] || (errors[j] === errors[best] && cands[j].lengthNormLogp > cands[best].lengthNormLogp);
    return cands[cands.reduce((best, _, j) => (better(j, best) ? j : best), 0)];
  });
  const s = scoreClinical(picks.map((c, i) => ({ predicted: c.findings as FindingKey[], truth: [...truths[i]] })));
  return { ceiling_micro_f1: s.micro_f1, ceiling_hallucination_rate: s.hallucination_rate };
}

export interface SweepCase {
  candidates: Candidate[];
  ms: number;
  truth: FindingKey[];
  source?: string; // the image's data source, for the per-source columns
  reading?: Record<string, number>; // the finding reader's P(f | film) for the findings the candidates assert
}

export interface RerankGrid {
  betas: number[];
  gammas: number[];
  taus: number[];
  readerWeights: number[]; // tried only with τ > 0: without votes the reader weighs nothing
}

/** One image's line in the --candidates file: enough to re-choose it under other β, γ and τ (--rescore). */
export function savedCase(cfg: SearchConfig, rec: { id: string; source: string }, c: SweepCase) {
  const cands = c.candidates.map((x) => ({
    text: x.text,
    tokenIds: x.tokenIds,
    lm: x.lengthNormLogp,
    sim: x.similarity,
    agreement: x.agreement,
    group: x.group,
    sampled: x.sampled,
    draws: x.draws,
    findings: x.findings,
    errors: findingErrors(x, c.truth),
  }));
  return { config: searchLabel(cfg), id: rec.id, source: rec.source, truth: c.truth, ms: c.ms, cands, ...(c.reading ? { reading: c.reading } : {}) };
}

export type SavedCase = ReturnType<typeof savedCase> & { reading?: Record<string, number> };

export function restoredCase(s: SavedCase): SweepCase {
  const candidates = s.cands.map(
    (x): Candidate => ({
      text: x.text,
      tokenIds: x.tokenIds,
      logp: x.lm,
      length: x.tokenIds.length,
      lengthNormLogp: x.lm,
      similarity: x.sim,
      agreement: x.agreement,
      support: 0,
      score: x.lm,
      group: x.group,
      sampled: x.sampled ?? false,
      draws: x.draws ?? 1,
      findings: x.findings,
      chosen: false,
    }),
  );
  return { candidates, ms: s.ms ?? NaN, truth: s.truth, source: s.source, ...(s.reading ? { reading: s.reading } : {}) };
}

/** The sweep rows of one search configuration: its decoded images re-chosen under every β, γ, τ and (with τ > 0) w. */
export function scoreConfig(cfg: SearchConfig, cases: readonly SweepCase[], grid: RerankGrid): SweepRow[] {
  const rows: SweepRow[] = [];
  const truths = cases.map((c) => c.truth);
  const sets = cases.map((c) => new Set(c.candidates.map((x) => x.findings.join('|'))).size);
  const pools = cases.map((c) => c.candidates);
  const judges = judgeFindings(pools, truths);
  const ceiling = poolCeiling(pools, truths);
  const ms = cases.map((c) => c.ms).sort((a, b) => a - b);
  const lmChoices = cases.map((c) => choose(c.candidates, 0));
  for (const beta of grid.betas)
    for (const consensus of grid.gammas)
      for (const voteThreshold of grid.taus)
        for (const readerWeight of voteThreshold > 0 ? grid.readerWeights : [0]) {
          const chosen = cases.map((c) => choose(c.candidates, beta, consensus, voteThreshold, c.reading, readerWeight));
          const clinical = chosen.map((c, i) => ({ predicted: c.findings as FindingKey[], truth: truths[i] }));
          const s = scoreClinical(clinical);
          const per_source: Record<string, { n: number; micro_f1: number; hallucination_rate: number }> = {};
          for (const source of new Set(cases.map((c) => c.source ?? ''))) {
            if (!source) continue;
            const own = scoreClinical(clinical.filter((_, i) => cases[i].source === source));
            per_source[source] = { n: own.n, micro_f1: own.micro_f1, hallucination_rate: own.hallucination_rate };
          }
          const changed = chosen.filter((c, i) => c !== lmChoices[i]).length;
          const findingsChanged = chosen.filter((c, i) => c.findings.join('|') !== lmChoices[i].findings.join('|')).length;
          const row: SweepRow = {
            ...cfg,
            beta,
            consensus,
            vote_threshold: voteThreshold,
            reader_weight: readerWeight,
            micro_f1: s.micro_f1,
            macro_f1: s.macro_f1,
            hallucination_rate: s.hallucination_rate,
            omission_rate: s.omission_rate,
            changed_share: changed / cases.length,
            findings_changed_share: findingsChanged / cases.length,
            finding_sets_mean: sets.reduce((a, b) => a + b, 0) / sets.length,
            ...judges,
            ...ceiling,
            median_ms: ms[Math.floor(ms.length / 2)],
            per_source,
          };
          imageCounts.set(row, { counts: clinical.map(caseCounts), sources: cases.map((c) => c.source ?? ''), chosen, cases });
          rows.push(row);
        }
  return rows;
}

/** Each scored row's per-image finding counts, in its cases' order (not in the JSON: a sweep read back with --from
 *  has none). Every configuration of a sweep decodes the same images in the same order, so two rows pair up. */
const imageCounts = new WeakMap<SweepRow, { counts: CaseCounts[]; sources: string[]; chosen: Candidate[]; cases: readonly SweepCase[] }>();

/** The chosen row against the plain beam on the same images (tools/eval/pairedBootstrap.ts), or null for rows read
 *  back from a sweep's JSON, which keeps no per-image counts. */
export function chosenVsPlain(best: SweepRow, plain: SweepRow, resamples = 2000): PairedComparison | null {
  const [a, b] = [imageCounts.get(best), imageCounts.get(plain)];
  if (!a || !b || a.counts.length !== b.counts.length) return null;
  return pairedBootstrap({ a: 'chosen', b: 'plain beam' }, a.counts, b.counts, a.sources, { resamples });
}

/** Each finding a row's drafts leave out that `rule` flags (src/engine/secondLook.ts), with its image and whether it
 *  was present; null for rows read back from JSON. */
function leftOutOf(row: SweepRow, rule: Pick<SecondLook, 'min_draws' | 'min_reader'>): { image: number; left: LeftOutFinding; present: boolean }[] | null {
  const kept = imageCounts.get(row);
  if (!kept) return null;
  return kept.cases.flatMap((c, image) => flaggedWithTruth(c.candidates, kept.chosen[image].findings, c.reading, rule, c.truth).map((f) => ({ image, ...f })));
}

/** How often the findings the page would flag for a second look under `rule` were present on this row's images: the
 *  manifest's `second_look` record. Null for rows read back from JSON. */
export function secondLookOf(row: SweepRow, rule: Pick<SecondLook, 'min_draws' | 'min_reader'>, split: string): SecondLook | null {
  const flagged = leftOutOf(row, rule);
  if (!flagged) return null;
  const present = flagged.filter((f) => f.present).length;
  const films = imageCounts.get(row)!.cases.length;
  const images = new Set(flagged.map((f) => f.image)).size;
  const byFinding: NonNullable<SecondLook['by_finding']> = {};
  for (const { left, present: there } of flagged) {
    const counts = (byFinding[left.finding] ??= { flagged: 0, present: 0 });
    counts.flagged++;
    if (there) counts.present++;
  }
  return { ...rule, split, films, images, flagged: flagged.length, share_present: flagged.length ? present / flagged.length : 0, by_finding: byFinding };
}

const READER_BINS: [number, string][] = [
  [0.1, 'reader < 0.1'],
  [0.25, 'reader 0.1–0.25'],
  [0.5, 'reader 0.25–0.5'],
  [Number.POSITIVE_INFINITY, 'reader ≥ 0.5'],
];

/** Every finding this row's drafts leave out although a candidate asserts it, binned by its evidence (draws asserting
 *  it; the finding reader's P), with how many were present: what the second-look rule's thresholds are chosen from. */
export function leftOutByEvidence(row: SweepRow): { evidence: string; left: number; present: number }[] | null {
  const all = leftOutOf(row, { min_draws: 1, min_reader: 0 });
  if (!all) return null;
  const bins = new Map<string, { order: number; left: number; present: number }>();
  const add = (evidence: string, order: number, present: boolean) => {
    const b = bins.get(evidence) ?? { order, left: 0, present: 0 };
    b.left++;
    if (present) b.present++;
    bins.set(evidence, b);
  };
  for (const { left: f, present } of all) {
    add(`${f.draws} of ${f.totalDraws} draws`, f.draws, present);
    const r = f.reader === undefined ? -1 : READER_BINS.findIndex(([below]) => f.reader! < below);
    add(r < 0 ? 'reader: none' : READER_BINS[r][1], 1000 + r, present);
  }
  return [...bins].sort(([, a], [, b]) => a.order - b.order).map(([evidence, { left, present }]) => ({ evidence, left, present }));
}

/** Re-chooses the candidates a sweep saved with --candidates, without decoding again. */
export function rescoreSweep(file: string, grid: RerankGrid): Sweep {
  const saved = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as SavedCase);
  if (saved.length === 0) throw new UsageError(`--rescore: ${file} holds no saved candidates; write it with --candidates`);
  const labels = [...new Set(saved.map((s) => s.config))];
  const rows = labels.flatMap((label) => scoreConfig(parseConfig(label), saved.filter((s) => s.config === label).map(restoredCase), grid));
  const n = saved.filter((s) => s.config === labels[0]).length;
  return { split: 'saved', n, model: '', description: `${n} images saved in ${file}`, rows };
}
