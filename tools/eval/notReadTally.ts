// The eval's "not read" count: how many of serpent's drafts carry a sentence that rules out a finding its val drafts
// were not shown to find (the engine's ReportResult.unassessed, from the manifest's assessed_findings), per source;
// and per such finding, how many of this split's films have it, how many of their drafts found it, and how many drafts
// rule it out unread. Absent for a model without assessed_findings.
import { labelReport } from '../../src/text/labeler';
import { FINDING_KEYS, type FindingKey } from '../../src/text/findings';
import type { AssessedFindingsEntry } from '../../src/engine/unassessed';
import type { ReportResult } from '../../src/engine/types';

export interface NotReadSource {
  n: number;
  drafts_marked: number; // drafts with at least one "not read" sentence
  sentences: number; // "not read" sentences in all
}

export interface NotReadFinding {
  positives: number; // films of this split whose labels have it
  found: number; // … whose draft asserts it
  ruled_out_unread: number; // drafts with a "not read" sentence that rules it out
}

export interface NotReadSummary {
  measured_on: string; // the split the manifest's choice was made on
  assessed: string[];
  all: NotReadSource;
  by_source: Record<string, NotReadSource>;
  by_finding: Record<string, NotReadFinding>; // the findings not assessed that a film has or a draft rules out
}

export class NotReadTally {
  private readonly sources = new Map<string, NotReadSource>();
  private readonly findings = new Map<FindingKey, NotReadFinding>();

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
    const assessed = new Set<string>(this.entry.assessed);
    const found = labelReport(result.report.text).findings;
    const finding = (f: FindingKey): NotReadFinding => {
      let c = this.findings.get(f);
      if (!c) this.findings.set(f, (c = { positives: 0, found: 0, ruled_out_unread: 0 }));
      return c;
    };
    for (const f of new Set(truth)) {
      if (f === 'no_finding' || assessed.has(f)) continue;
      finding(f).positives++;
      if (found[f] !== 'negative') finding(f).found++;
    }
    for (const f of new Set(statements.flatMap((s) => s.findings))) finding(f as FindingKey).ruled_out_unread++;
  }

  summary(): NotReadSummary {
    const empty = { n: 0, drafts_marked: 0, sentences: 0 };
    return {
      measured_on: this.entry.split,
      assessed: [...this.entry.assessed],
      all: this.sources.get('\0all') ?? empty,
      by_source: Object.fromEntries([...this.sources].filter(([k]) => k !== '\0all')),
      by_finding: Object.fromEntries(FINDING_KEYS.flatMap((f) => (this.findings.has(f) ? [[f, { ...this.findings.get(f)! }]] : []))),
    };
  }
}
