// The second look through the eval: for each draft, the findings the refinement left out that the model's rule flags
// (src/engine/secondLook.ts, as the page lists them), whether each was present in the image's labels, and whether the
// page could show the lesion map for it. Per source and overall: how often the page flags, how often it is right, and
// how much of what the votes cost it shows: of the present findings the language model's own choice among the same
// candidates asserted and the draft left out, how many the page flags.
import type { SecondLook } from '../../src/engine/manifest';
import { leftOutFindings, type LeftOutFinding } from '../../src/engine/secondLook';
import type { Candidate, ReportResult } from '../../src/engine/types';
import { withAncestors, type FindingKey } from '../../src/text/findings';

type Rule = Pick<SecondLook, 'min_draws' | 'min_reader'>;

/** The findings an image's labels hold, with their broader ones. */
const labelledSet = (truth: readonly FindingKey[]): Set<string> => new Set<string>(withAncestors(truth.filter((k) => k !== 'no_finding')));

/** The flagged findings of one draft, each with whether the labels hold it (a label's broader findings count). */
export function flaggedWithTruth(
  candidates: readonly Pick<Candidate, 'findings' | 'draws'>[],
  draft: readonly string[],
  reading: Readonly<Record<string, number>> | undefined,
  rule: Rule,
  truth: readonly FindingKey[],
): { left: LeftOutFinding; present: boolean }[] {
  const labelled = labelledSet(truth);
  return leftOutFindings(candidates, draft, reading, rule).map((left) => ({ left, present: labelled.has(left.finding) }));
}

export interface SecondLookSummary {
  n: number; // drafts
  films_flagged: number; // drafts with at least one flagged finding
  findings_flagged: number;
  share_present: number; // of the flagged findings, present in the labels (NaN when none)
  films_with_map: number; // drafts where the page can show the lesion map for a flagged finding
  map_present: number; // of those, drafts whose mapped finding is present in the labels
  votes_dropped: number; // present findings the LM's choice asserted and the draft left out (what the votes cost)
  votes_dropped_flagged: number; // of those, flagged (or a more specific finding of theirs flagged)
}

interface Row {
  source: string;
  flagged: number;
  present: number;
  mapped: boolean;
  mappedPresent: boolean;
  dropped: number;
  droppedFlagged: number;
}

export class SecondLookTally {
  private rows: Row[] = [];

  constructor(private readonly rule: Rule) {}

  /** lmChoice: the findings of the candidate the language model alone would have drafted (the best length-normalised
   *  log-probability among the same candidates). */
  add(source: string, result: ReportResult, truth: readonly FindingKey[], lmChoice: readonly string[]): void {
    const chosen = result.candidates.find((c) => c.chosen) ?? result.candidates[0];
    const draft = new Set(chosen?.findings ?? []);
    const flagged = flaggedWithTruth(result.candidates, [...draft], result.refinement.reading, this.rule, truth);
    const mapped = result.secondLookMap?.findings ?? [];
    const labelled = labelledSet(truth);
    const covered = new Set<string>(withAncestors(flagged.map((f) => f.left.finding as FindingKey)));
    const dropped = lmChoice.filter((f) => f !== 'no_finding' && !draft.has(f) && labelled.has(f));
    this.rows.push({
      source,
      flagged: flagged.length,
      present: flagged.filter((f) => f.present).length,
      mapped: mapped.length > 0,
      mappedPresent: flagged.some((f) => f.present && mapped.includes(f.left.finding)),
      dropped: dropped.length,
      droppedFlagged: dropped.filter((f) => covered.has(f)).length,
    });
  }

  /** Over one source's drafts, or all of them. */
  summary(source?: string): SecondLookSummary {
    const rows = source === undefined ? this.rows : this.rows.filter((r) => r.source === source);
    const sum = (f: (r: Row) => number): number => rows.reduce((a, r) => a + f(r), 0);
    const findings = sum((r) => r.flagged);
    return {
      n: rows.length,
      films_flagged: sum((r) => Number(r.flagged > 0)),
      findings_flagged: findings,
      share_present: findings ? sum((r) => r.present) / findings : Number.NaN,
      films_with_map: sum((r) => Number(r.mapped)),
      map_present: sum((r) => Number(r.mappedPresent)),
      votes_dropped: sum((r) => r.dropped),
      votes_dropped_flagged: sum((r) => r.droppedFlagged),
    };
  }

  sources(): string[] {
    return [...new Set(this.rows.map((r) => r.source))];
  }
}
