// The corpus builder's text side for the evaluation (reference reports and template reports), built exactly
// as tools/corpus/build.ts builds it: sentence pools from the IU train reports, the ReportComposer, and one
// seeded generator per image (seedFor(seed, id)), so an image's references are the reports the corpus wrote
// for it. Seed and K come from corpus/meta.json when a corpus exists, else from the corpus defaults.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CompositionError, type CompositionPlan } from '../../src/text/compose';
import { CorpusComposer } from '../../src/text/corpusComposer';
import type { Location } from '../../src/text/composeLocation';
import sourceLabels from '../../src/text/data/corpus/source_labels.json' with { type: 'json' };
import { planFor, type ManifestRow } from '../../src/text/composeMapping';
import { withAncestors, type FindingKey } from '../../src/text/findings';
import { readIuTrainReports } from '../corpus/sources';
import { DEFAULT_REPORTS_PER_IMAGE, DEFAULT_SEED } from '../corpus/config';
import type { CorpusText } from './baselines';
import type { ManifestRecord } from './manifest';

export interface CorpusTextOptions {
  dataRoot: string; // ../shared/data (for iu_xray/)
  seed?: number;
  reportsPerImage?: number;
}

/** Seed and K of a built corpus (corpus/meta.json), if there is one. */
export function corpusSettings(corpusDir: string): { seed?: number; reportsPerImage?: number } {
  const file = path.join(corpusDir, 'meta.json');
  if (!existsSync(file)) return {};
  const meta = JSON.parse(readFileSync(file, 'utf8')) as { seed?: number; reports_per_image?: number };
  return { seed: meta.seed, reportsPerImage: meta.reports_per_image };
}

/** Findings the corpus states bilaterally (source_labels.json location "bilateral"), so the template does too. */
const BILATERAL = new Set<string>(
  Object.values((sourceLabels as unknown as { sources: Record<string, Record<string, { location?: string; express?: { key: string }[] }>> }).sources)
    .flatMap((labels) => Object.values(labels))
    .filter((e) => e.location === 'bilateral')
    .flatMap((e) => (e.express ?? []).map((x) => x.key)),
);

const composerByRoot = new Map<string, CorpusComposer>();

/** The corpus composer over the IU train reports, built once per process and data folder. */
function composerFor(dataRoot: string): CorpusComposer {
  let composer = composerByRoot.get(dataRoot);
  if (!composer) {
    composer = new CorpusComposer(readIuTrainReports(path.join(dataRoot, 'iu_xray')));
    composerByRoot.set(dataRoot, composer);
  }
  return composer;
}

export class ComposedCorpusText implements CorpusText {
  readonly seed: number;
  readonly k: number;
  private readonly composer: CorpusComposer;
  private readonly cache = new Map<string, string[]>();

  constructor(
    private readonly records: ReadonlyMap<string, ManifestRecord>,
    opts: CorpusTextOptions,
  ) {
    this.seed = opts.seed ?? DEFAULT_SEED;
    this.k = opts.reportsPerImage ?? DEFAULT_REPORTS_PER_IMAGE;
    this.composer = composerFor(opts.dataRoot);
  }

  references(rec: { id: string }): string[] {
    const hit = this.cache.get(rec.id);
    if (hit) return hit;
    const row = this.records.get(rec.id);
    if (!row) throw new RangeError(`no manifest record ${rec.id} to compose references for`);
    const texts = this.composer.reportsFor(planFor(row as ManifestRow), this.k, this.seed, rec.id).map((r) => r.text);
    this.cache.set(rec.id, texts);
    return texts;
  }

  private composeFindings(findings: readonly FindingKey[], id: string): string {
    const location = (f: FindingKey): Location => (BILATERAL.has(f) ? { side: 'bilateral' } : {});
    const plan: CompositionPlan = {
      id: `template:${id}`,
      findings: findings.length ? withAncestors(findings) : ['no_finding'],
      express: findings.map((f) => ({ findings: [f], key: f, location: location(f) })),
      impression: findings.map((f) => ({ key: f, location: location(f) })),
    };
    return this.composer.reportFor(plan, this.seed, `template:${id}`).text;
  }

  /** A report stating the findings; if the composer cannot state them together, the largest prefix it can. */
  reportForFindings(findings: readonly FindingKey[], id: string): string {
    const abnormal = findings.filter((f) => f !== 'no_finding');
    try {
      return this.composeFindings(abnormal, id);
    } catch (err) {
      if (!(err instanceof CompositionError)) throw err;
      const kept: FindingKey[] = [];
      for (const f of abnormal) {
        try {
          this.composeFindings([...kept, f], id);
          kept.push(f);
        } catch (inner) {
          if (!(inner instanceof CompositionError)) throw inner;
        }
      }
      return this.composeFindings(kept, id);
    }
  }
}
