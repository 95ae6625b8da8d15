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

  it('counts drafts with a flag, flagged findings, how many were present, and the drafts with the lesion map, per source', () => {
    const tally = new SecondLookTally(rule);
    tally.add('jsrt', draft([cand(['no_finding'], 2, true), cand(['nodule'], 3)], undefined, ['nodule']), ['nodule']);
    tally.add('jsrt', draft([cand(['no_finding'], 4, true), cand(['nodule'], 1)]), ['nodule']); // one draw: not flagged
    tally.add('kermany', draft([cand(['pneumonia'], 3, true), cand(['pleural_effusion'], 2)], undefined), ['pneumonia']);
    tally.add('kermany', draft([cand(['no_finding'], 3, true), cand(['consolidation'], 2)], undefined, ['consolidation']), ['no_finding']);
    expect(tally.sources()).toEqual(['jsrt', 'kermany']);
    expect(tally.summary('jsrt')).toEqual({ n: 2, films_flagged: 1, findings_flagged: 1, share_present: 1, films_with_map: 1, map_present: 1 });
    expect(tally.summary('kermany')).toEqual({ n: 2, films_flagged: 2, findings_flagged: 2, share_present: 0, films_with_map: 1, map_present: 0 });
    expect(tally.summary()).toEqual({ n: 4, films_flagged: 3, findings_flagged: 3, share_present: 1 / 3, films_with_map: 2, map_present: 1 });
    expect(new SecondLookTally(rule).summary().share_present).toBeNaN();
  });
});
