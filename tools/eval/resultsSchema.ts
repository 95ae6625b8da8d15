// The eval's results JSON (what `npm run eval` writes to --out) and its per-image reports (.reports.jsonl),
// declared once: runEvaluation builds values of these types, and every reader (the Markdown section, the
// manifest's headline numbers, the tests) reads them through these types.
import type { Precision } from '../../src/engine/manifest';
import type { ModelManifest } from '../../src/engine/manifest';
import type { Backend } from '../../src/engine/types';
import type { FindingKey } from '../../src/text/findings';
import type { UncertainPolicy } from '../../src/text/metrics/clinical';
import type { PointingRow, PointingSummary } from './groundingRun';
import type { PairedComparison } from './pairedBootstrap';
import type { LateralitySummary } from './laterality';
import type { SideSummary } from './sideTally';
import type { RobustnessRow } from './robustness';
import type { SystemScores } from './scoring';
import type { SecondLookSummary } from './secondLookTally';
import type { NotReadSummary } from './notReadTally';

/** How often the rerank moved the choice, and the refinement's time. */
export interface RefinementSummary {
  n: number;
  rerank_changed_share: number; // vs the best language-model score among the same candidates
  finding_sets_mean?: number; // distinct finding sets among an image's candidates (1 = they differ in wording only)
  median_report_ms: number;
}

/** Present when the plain beam (`serpent_no_rerank`) was decoded too. */
export interface PlainBeamComparison {
  changed_vs_plain_beam_share: number; // the refinement's report text differs
  findings_changed_vs_plain_beam_share: number; // its asserted findings differ
  median_plain_beam_ms: number;
  time_ratio: number; // median_report_ms / median_plain_beam_ms
}

export type Refinement = RefinementSummary & Partial<PlainBeamComparison>;

export function comparedWithPlainBeam(r: Refinement): r is RefinementSummary & PlainBeamComparison {
  return r.changed_vs_plain_beam_share !== undefined;
}

export interface GroundingResults {
  splits: readonly string[];
  grid: [number, number];
  rule: string;
  jsrt_nodule: PointingSummary;
  nih_box: PointingSummary;
  rsna_box: PointingSummary;
  targets?: PointingRow[]; // absent in results written before they were recorded
  laterality?: LateralitySummary; // lateralised sentences of the eval split's serpent reports
}

export type RobustnessResults = { n: 0; note: string } | { n: number; system: 'serpent'; rows: Record<string, RobustnessRow> };

export interface EvalResults {
  command?: string; // the eval command that computed these (absent in older results)
  model: { id: string; version: string; dir: string; precision: Precision; backend: Backend; static_decoder?: boolean };
  split: string;
  n: number;
  settings: ModelManifest['decoding'];
  uncertain_policy: UncertainPolicy;
  references_per_image: number;
  rerank_changed_share: number;
  refinement: Refinement;
  refinement_by_source: Record<string, Refinement>;
  // serpent's drafts: the findings left out that the model's rule flags, how often present, and where the lesion map
  // could show one (absent for a model without the rule, and in older results)
  second_look?: { rule: { min_draws: number; min_reader: number }; all: SecondLookSummary; by_source: Record<string, SecondLookSummary> };
  // serpent's drafts: sentences that rule out a finding its val drafts were not shown to find (absent without the
  // manifest's assessed_findings, and in older results)
  not_read?: NotReadSummary;
  systems: Record<string, SystemScores>;
  sides?: Record<string, SideSummary>; // per system: does the report put a finding on the side its source gives (absent in older results)
  skipped: Record<string, string>;
  per_source: Record<string, Record<string, SystemScores>>;
  comparisons?: PairedComparison[]; // paired bootstrap of the clinical differences (absent in older results)
  grounding: GroundingResults;
  robustness: RobustnessResults;
  timings_s: Record<string, number>;
}

/** One line of <out>.reports.jsonl: every system's report for one image. */
export interface PerImageReport {
  id: string;
  source: string;
  truth: FindingKey[];
  reports: Record<string, string>;
}
