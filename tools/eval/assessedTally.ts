// Which findings have the drafts been shown to find? Per finding: the films whose labels have it and how many of
// their drafts assert it (positive or uncertain, as the eval scores), and how many drafts rule it out in so many words.
// A finding is assessed when at least `minPositives` films have it and the drafts found at least `minRecall` of them.
import { FINDING_KEYS, type FindingKey } from '../../src/text/findings';
import { labelReport } from '../../src/text/labeler';
import type { AssessedFindingsEntry } from '../../src/engine/unassessed';

export interface FindingCount {
  positives: number; // films whose labels have it
  recalled: number; // … whose draft asserts it
  ruled_out: number; // drafts (of any film) that rule it out in so many words
}

export class AssessedTally {
  private readonly counts = new Map<FindingKey, FindingCount>();
  private films = 0;

  add(truth: readonly FindingKey[], draft: string): void {
    this.films++;
    const { findings, mentions } = labelReport(draft);
    const count = (f: FindingKey): FindingCount => {
      let c = this.counts.get(f);
      if (!c) this.counts.set(f, (c = { positives: 0, recalled: 0, ruled_out: 0 }));
      return c;
    };
    for (const f of new Set(truth)) {
      if (f === 'no_finding') continue;
      count(f).positives++;
      if (findings[f] !== 'negative') count(f).recalled++;
    }
    for (const f of new Set(mentions.filter((m) => m.status === 'negative' && m.finding !== 'no_finding').map((m) => m.finding))) count(f).ruled_out++;
  }

  /** The manifest entry: every finding counted, in vocabulary order, and the assessed ones. */
  entry(split: string, minPositives: number, minRecall: number): AssessedFindingsEntry & { by_finding: Partial<Record<FindingKey, FindingCount>> } {
    const by_finding: Partial<Record<FindingKey, FindingCount>> = {};
    for (const f of FINDING_KEYS) {
      const c = this.counts.get(f);
      if (c) by_finding[f] = { ...c };
    }
    const assessed = FINDING_KEYS.filter((f) => {
      const c = this.counts.get(f);
      return !!c && c.positives >= minPositives && c.recalled >= minRecall * c.positives;
    });
    return { split, films: this.films, min_positives: minPositives, min_recall: minRecall, by_finding, assessed };
  }
}
