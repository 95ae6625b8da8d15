// The corpus's report composer, defined once: sentence pools from the IU train reports, bank sentences and
// impressions normalised as the corpus writes text, and one seeded generator per image. The corpus builder
// writes training reports with it and the evaluation recomposes the same reports as references, so the two
// cannot drift apart.
import { cleanReport } from './clean';
import { ReportComposer, type ComposedReport, type CompositionPlan } from './compose';
import { buildPools, type IuReportText } from './composePools';
import { mulberry32, seedFor } from './composeRng';
import { ancestorsOf } from './findings';
import { canonicalText } from './tokenizer';

export class CorpusComposer {
  readonly composer: ReportComposer;

  constructor(iuTrainReports: readonly IuReportText[]) {
    const pools = buildPools(iuTrainReports, cleanReport, ancestorsOf);
    this.composer = new ReportComposer(pools, undefined, undefined, (t) => canonicalText(cleanReport(t)));
  }

  /** The K reports the corpus writes for one image, seeded by (seed, key). */
  reportsFor(plan: CompositionPlan, k: number, seed: number, key: string): ComposedReport[] {
    return this.composer.compose(plan, k, mulberry32(seedFor(seed, key)));
  }

  /** One report for a plan, seeded by (seed, key). */
  reportFor(plan: CompositionPlan, seed: number, key: string): ComposedReport {
    return this.composer.composeOne(plan, mulberry32(seedFor(seed, key)));
  }
}
