import { describe, expect, it } from 'vitest';
import { leftOutFindings } from './secondLook';

const cand = (findings: string[], draws = 1) => ({ findings, draws });
const RULE = { min_draws: 2, min_reader: 0.25 };

describe('leftOutFindings', () => {
  it('flags a left-out finding that enough draws assert, or that the reader backs, and nothing the draft has', () => {
    const candidates = [
      cand([]), // the draft: normal
      cand(['pleural_effusion', 'cardiomegaly'], 2), // a sample drawn twice
      cand(['pneumothorax']),
      cand(['consolidation', 'lung_opacity']),
    ];
    const reading = { consolidation: 0.3, lung_opacity: 0.3, pneumothorax: 0.05, cardiomegaly: 0.1 };
    const left = leftOutFindings(candidates, [], reading, RULE);
    // most draws first, then the reader's probability (none counts as 0)
    expect(left.map((f) => f.finding)).toEqual(['cardiomegaly', 'pleural_effusion', 'consolidation']);
    expect(left[1]).toEqual({ finding: 'pleural_effusion', draws: 2, totalDraws: 5 }); // no reading for it
    expect(left[2]).toEqual({ finding: 'consolidation', draws: 1, totalDraws: 5, reader: 0.3 }); // lung opacity, its parent, is said by it
    expect(leftOutFindings(candidates, ['pleural_effusion', 'cardiomegaly', 'consolidation', 'lung_opacity'], reading, RULE)).toEqual([]);
  });

  it('keeps a broader finding when its specific one is not flagged, and never flags "no finding"', () => {
    const candidates = [cand(['no_finding'], 3), cand(['nodule', 'lung_lesion']), cand(['mass', 'lung_lesion'])];
    // lung lesion: 2 draws; nodule and mass 1 each and no reading: only the broader finding is flagged
    expect(leftOutFindings(candidates, [], undefined, RULE).map((f) => f.finding)).toEqual(['lung_lesion']);
    // with the reader backing the nodule, the nodule says it and lung lesion goes
    expect(leftOutFindings(candidates, [], { nodule: 0.42 }, RULE).map((f) => f.finding)).toEqual(['nodule']);
  });

  it('follows the rule it is given', () => {
    const candidates = [cand([]), cand(['pneumothorax'], 2)];
    expect(leftOutFindings(candidates, [], undefined, { min_draws: 3, min_reader: 0.25 })).toEqual([]);
    expect(leftOutFindings(candidates, [], { pneumothorax: 0.5 }, { min_draws: 3, min_reader: 0.5 })).toHaveLength(1);
  });
});
