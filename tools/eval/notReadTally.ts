// The eval's "not read" count: how many of serpent's drafts carry a sentence that rules out a finding its val drafts
// were not shown to find (the engine's ReportResult.unassessed, from the manifest's assessed_findings), per source;
// and per such finding, this split's counts as `npm run assessed-findings` takes them (AssessedTally): the films that
// have it, the drafts that found it, and the drafts that rule it out. Absent for a model without assessed_findings.
import type { FindingKey } from '../../src/text/findings';
import type { AssessedFindingsEntry } from '../../src/engine/unassessed';
import type { ReportResult } from '../../src/engine/types';
import { AssessedTally, type FindingCount } from './assessedTally';

export interface NotReadSource {
  n: number;
  drafts_marked: number; // drafts with at least one "not read" sentence
  sentences: number; // "not read" sentences in all
}

export interface NotReadSummary {
  measured_on: string; // the split the manifest's choice was made on
  assessed: string[];
  all: NotReadSource;
  by_source: Record<string, NotReadSource>;
  by_finding: Partial<Record<FindingKey, FindingCount>>; // the findings not assessed that a film has or a draft rules out
}

export class NotReadTally {
  private readonly sources = new Map<string, NotReadSource>();
  private readonly findings = new AssessedTally();

  constructor(private readonly entry: AssessedFindingsEntry) {}

  add(source: string, result: Pick<ReportResult, 'report' | 'unassessed'>, truth: readonly FindingKey[]): void {
    const statements = result.unassessed?.statements ?? [];
    for (const key of [source, '\0all']) {
      const s = this.sources.get(key) ?? { n: 0, drafts_marked: 0, sentences: 0 };
      s.n++;
      if (statements.length) s.drafts_marked++;
      s.sentences += statements.length;
      this.sources.set(key, s);
    }
    this.findings.add(truth, result.report.text);
  }

  summary(): NotReadSummary {
    const empty = { n: 0, drafts_marked: 0, sentences: 0 };
    const assessed = new Set<string>(this.entry.assessed);
    const counted = this.findings.entry(this.entry.split, this.entry.min_positives, this.entry.min_recall).by_finding;
    return {
      measured_on: this.entry.split,
      assessed: [...this.entry.assessed],
      all: this.sources.get('\0all') ?? empty,
      by_source: Object.fromEntries([...this.sources].filter(([k]) => k !== '\0all')),
      by_finding: Object.fromEntries(Object.entries(counted).filter(([f]) => !assessed.has(f))),
    };
  }
}
