import { describe, expect, it } from 'vitest';
import type { ReportResult } from '../../src/engine/types';
import { flaggedWithTruth, SecondLookTally } from './secondLookTally';

const rule = { min_draws: 2, min_reader: 0.5 };
const cand = (findings: string[], draws: number, chosen = false) => ({ findings, draws, chosen });

/** A draft whose candidates and reading are all the tally reads. */
function draft(candidates: ReturnType<typeof cand>[], reading?: Record<string, number>, mapped?: string[]): ReportResult {
  return {
    candidates,
    refinement: { reading },
    ...(mapped ? { secondLookMap: { findings: mapped, values: new Float32Array(4) } } : {}),
  } as unknown as ReportResult;
}

describe('the second look through the eval', () => {
  it('flags what the rule flags and checks it against the labels, a broader label counting for its specific finding', () => {
    const cs = [cand(['no_finding'], 2, true), cand(['nodule'], 2), cand(['pleural_effusion'], 1)];
    expect(flaggedWithTruth(cs, ['no_finding'], { pleural_effusion: 0.6 }, rule, ['nodule']).map((f) => [f.left.finding, f.present])).toEqual([
      ['nodule', true],
      ['pleural_effusion', false],
    ]);
    // "lung lesion" labelled, "nodule" flagged: not present (the label does not say which lesion); the other way it is
    expect(flaggedWithTruth(cs, ['no_finding'], undefined, rule, ['lung_lesion'])[0].present).toBe(false);
    expect(flaggedWithTruth([cand(['no_finding'], 2, true), cand(['lung_lesion'], 3)], [], undefined, rule, ['nodule'])[0].present).toBe(true);
  });

  it('counts drafts with a flag, flagged findings, how many were present, the drafts with the lesion map, and the flagged share of what the votes dropped, per source', () => {
    const tally = new SecondLookTally(rule);
    // the LM would have drafted the nodule (present): the votes dropped it and the page flags it
    tally.add('jsrt', draft([cand(['no_finding'], 2, true), cand(['nodule'], 3)], undefined, ['nodule']), ['nodule'], ['nodule']);
    // the LM would have drafted it too, but one draw backs it: dropped, not flagged
    tally.add('jsrt', draft([cand(['no_finding'], 4, true), cand(['nodule'], 1)]), ['nodule'], ['nodule']);
    tally.add('kermany', draft([cand(['pneumonia'], 3, true), cand(['pleural_effusion'], 2)]), ['pneumonia'], ['pneumonia']);
    // a dropped consolidation that was not there costs nothing
    tally.add('kermany', draft([cand(['no_finding'], 3, true), cand(['consolidation'], 2)], undefined, ['consolidation']), ['no_finding'], ['consolidation']);
    expect(tally.sources()).toEqual(['jsrt', 'kermany']);
    const counts = (n: number, flaggedFilms: number, flaggedFindings: number, share: number, mapped: number, mappedPresent: number) => ({
      n,
      films_flagged: flaggedFilms,
      findings_flagged: flaggedFindings,
      share_present: share,
      films_with_map: mapped,
      map_present: mappedPresent,
    });
    expect(tally.summary('jsrt')).toEqual({ ...counts(2, 1, 1, 1, 1, 1), votes_dropped: 2, votes_dropped_flagged: 1 });
    expect(tally.summary('kermany')).toEqual({ ...counts(2, 2, 2, 0, 1, 0), votes_dropped: 0, votes_dropped_flagged: 0 });
    expect(tally.summary()).toEqual({ ...counts(4, 3, 3, 1 / 3, 2, 1), votes_dropped: 2, votes_dropped_flagged: 1 });
    expect(new SecondLookTally(rule).summary().share_present).toBeNaN();
  });
});

describe('what the votes dropped, and what the page shows of it', () => {
  it('counts a dropped broader finding as shown when a more specific one is flagged', () => {
    const tally = new SecondLookTally(rule);
    // the LM's choice asserts a lung lesion; the page flags the nodule, which is a lung lesion
    tally.add('jsrt', draft([cand(['no_finding'], 2, true), cand(['nodule', 'lung_lesion'], 3)]), ['nodule'], ['lung_lesion']);
    expect(tally.summary()).toMatchObject({ votes_dropped: 1, votes_dropped_flagged: 1 });
  });
});
