// The sweep's choice of defaults and its judge of who picks findings better, on hand-made rows and candidates.
import { describe, expect, it } from 'vitest';
import { assertedFindings } from '../src/text/metrics/clinical';
import type { Candidate } from '../src/engine/types';
import { searchLabel } from '../src/engine/settings';
import { chooseDefaults } from './sweepRerank';
import { chosenVsPlain, judgeFindings, leftOutByEvidence, parseConfig, poolCeiling, restoredCase, savedCase, scoreConfig, secondLookOf } from './sweep/scoring';

const row = (beam: number, groups: number, beta: number, micro_f1: number, hallucination_rate: number, finding_sets_mean: number) => ({
  beam,
  groups,
  beta,
  micro_f1,
  hallucination_rate,
  finding_sets_mean,
});

function candidate(text: string, lengthNormLogp: number, similarity: number, agreement = 0, draws = 1): Candidate {
  const findings = assertedFindings(text);
  return {
    text,
    tokenIds: [],
    logp: lengthNormLogp,
    length: 1,
    lengthNormLogp,
    similarity,
    agreement,
    score: 0,
    group: 0,
    sampled: false,
    draws,
    support: 0,
    findings,
    chosen: false,
  };
}

describe('chooseDefaults', () => {
  it('takes the lowest hallucination at micro-F1 ≥ the plain beam, then higher micro-F1, then more finding sets', () => {
    const plain = row(3, 1, 0, 0.7, 0.2, 1);
    const worseF1 = row(3, 3, 1, 0.69, 0.05, 1.5);
    const a = row(3, 3, 0, 0.72, 0.1, 1.1);
    const b = row(3, 3, 0, 0.72, 0.1, 1.7);
    expect(chooseDefaults([plain, worseF1, a, b]).best).toBe(b);
    expect(chooseDefaults([plain, worseF1]).best).toBe(plain);
    expect(chooseDefaults([plain, a, row(3, 3, 2, 0.75, 0.1, 1)]).best.micro_f1).toBe(0.75);
  });

  it('compares with the widest plain beam when the sweep has no beam 3, and refuses a sweep without a plain beam', () => {
    const sampled = { ...row(1, 1, 0, 0.72, 0.1, 1.2), samples: 4 };
    const beam5 = row(5, 1, 0, 0.71, 0.12, 1);
    const beam2 = row(2, 1, 0, 0.9, 0.3, 1);
    expect(chooseDefaults([sampled, beam2, beam5]).plain).toBe(beam5);
    expect(chooseDefaults([sampled, beam2, beam5]).best).toBe(sampled);
    expect(() => chooseDefaults([sampled])).toThrow(/no plain beam/);
  });
});

describe('judgeFindings', () => {
  it('counts, where the candidates disagree, whose pick has the fewest finding errors', () => {
    const normal = 'no focal consolidation, pleural effusion or pneumothorax.';
    const effusion = 'there is a small left pleural effusion.';
    const disagree = [candidate(effusion, -0.2, 0.9), candidate(normal, -0.5, 0.95)]; // truth normal: similarity right
    const agree = [candidate(normal, -0.2, 0.9), candidate(normal, -0.3, 0.8)];
    const lmRight = [candidate(effusion, -0.2, 0.8), candidate(normal, -0.4, 0.9)]; // truth effusion: LM right
    const judged = judgeFindings([disagree, agree, lmRight], [['no_finding'], ['no_finding'], ['pleural_effusion']]);
    expect(judged.multi_set_share).toBeCloseTo(2 / 3, 6);
    expect(judged.lm_fewest_errors).toBeCloseTo(0.5, 6);
    expect(judged.sim_fewest_errors).toBeCloseTo(0.5, 6);
  });
  it('judges the candidate the others agree with most, ties to the LM’s order', () => {
    const normal = 'no focal consolidation, pleural effusion or pneumothorax.';
    const effusion = 'there is a small left pleural effusion.';
    const lone = [candidate(effusion, -0.1, 0.9, 0), candidate(normal, -0.3, 0.5, 0.5), candidate(normal, -0.4, 0.5, 0.5)];
    expect(judgeFindings([lone], [['no_finding']]).agree_fewest_errors).toBe(1);
    expect(judgeFindings([lone], [['pleural_effusion']]).agree_fewest_errors).toBe(0);
    expect(judgeFindings([lone], [['pleural_effusion']]).lm_fewest_errors).toBe(1);
  });
});

describe('poolCeiling', () => {
  it('scores every image drafted from its candidate with the fewest finding errors, ties to the LM’s order', () => {
    const normal = 'no focal consolidation, pleural effusion or pneumothorax.';
    const effusion = 'there is a small left pleural effusion.';
    const pool = [candidate(effusion, -0.2, 0.9), candidate(normal, -0.5, 0.95)];
    // truth normal: the normal candidate (no hallucination); truth effusion: the effusion one (a hit)
    expect(poolCeiling([pool, pool], [['no_finding'], ['pleural_effusion']])).toEqual({ ceiling_micro_f1: 1, ceiling_hallucination_rate: 0 });
    // a pool of effusion reports only: the ceiling keeps the hallucination no rerank can avoid
    const onlyEffusion = [candidate(effusion, -0.2, 0.9), candidate(`${effusion} no pneumothorax.`, -0.3, 0.8)];
    expect(poolCeiling([onlyEffusion], [['no_finding']]).ceiling_hallucination_rate).toBe(1);
  });
});

describe('search configurations', () => {
  it('reads and names beams, diverse groups and sampled alternatives', () => {
    expect(parseConfig('3x3:2')).toEqual({ beam: 3, groups: 3, diversity_penalty: 2, samples: 0, temperature: 1 });
    expect(parseConfig('1x1:0+s2@0.7')).toEqual({ beam: 1, groups: 1, diversity_penalty: 0, samples: 2, temperature: 0.7 });
    expect(parseConfig('1x1:0+s4')).toMatchObject({ samples: 4, temperature: 1 });
    expect(() => parseConfig('3x3')).toThrow(/BEAMxGROUPS:PENALTY/);
    for (const text of ['3x3:2', '1x1:0+s2@0.7', '3x1:0']) expect(searchLabel(parseConfig(text))).toBe(text);
    expect(searchLabel({ beam: 3, groups: 1, diversity_penalty: 0 })).toBe('3x1:0');
  });
});

describe('scoring a configuration under finding votes', () => {
  const normal = 'no focal consolidation, pleural effusion or pneumothorax.';
  const effusion = 'there is a small left pleural effusion.';
  const cfg = parseConfig('1x1:0+s4@1');
  // A normal film: the greedy draft asserts an effusion that 1 of 5 draws backs; a repeated normal sample holds 4.
  const cases = [
    { candidates: [candidate(effusion, -0.1, 0.5), candidate(normal, -0.3, 0.5, 0, 4)], ms: 10, truth: ['no_finding' as const], source: 's' },
    { candidates: [candidate(effusion, -0.1, 0.5, 0, 5)], ms: 20, truth: ['pleural_effusion' as const], source: 's' },
  ];
  const grid = { betas: [0], gammas: [0], taus: [0, 0.6], readerWeights: [0] };

  it('drops the finding few draws back under τ, and says the choice and its findings changed', () => {
    const [lm, voted] = scoreConfig(cfg, cases, grid);
    expect(lm).toMatchObject({ vote_threshold: 0, hallucination_rate: 0.5, changed_share: 0, findings_changed_share: 0 });
    expect(voted).toMatchObject({ vote_threshold: 0.6, hallucination_rate: 0, micro_f1: 1, changed_share: 0.5, findings_changed_share: 0.5 });
  });

  it('compares the chosen row with the plain one image by image, and not for rows read back from JSON', () => {
    const [lm, voted] = scoreConfig(cfg, cases, grid);
    const cmp = chosenVsPlain(voted, lm, 200)!;
    expect([cmp.micro_f1.a, cmp.micro_f1.b]).toEqual([voted.micro_f1, lm.micro_f1]);
    expect([cmp.hallucination_rate.a, cmp.hallucination_rate.b]).toEqual([0, 0.5]);
    expect(cmp.n).toBe(2);
    expect(chosenVsPlain(JSON.parse(JSON.stringify(voted)), lm)).toBeNull();
  });

  it('measures how often the findings a chosen row leaves out and the page would flag were present', () => {
    const [lm, voted] = scoreConfig(cfg, cases, grid);
    // under votes, case 2's draft keeps its effusion (5 draws); case 1's draft drops the effusion 1 draw backs: not flagged
    expect(secondLookOf(voted, { min_draws: 1, min_reader: 1 }, 'val')).toEqual({
      min_draws: 1,
      min_reader: 1,
      split: 'val',
      films: 2,
      images: 1,
      flagged: 1,
      share_present: 0, // the film is normal: the left-out effusion was not there
      by_finding: { pleural_effusion: { flagged: 1, present: 0 } },
    });
    expect(secondLookOf(voted, { min_draws: 2, min_reader: 1 }, 'val')).toMatchObject({ images: 0, flagged: 0 });
    expect(secondLookOf(lm, { min_draws: 1, min_reader: 1 }, 'val')).toMatchObject({ flagged: 0 }); // the LM's pick keeps it
    expect(secondLookOf(JSON.parse(JSON.stringify(voted)), { min_draws: 1, min_reader: 1 }, 'val')).toBeNull();
    // every left-out finding by its evidence: the effusion one draw of five named, with no reading, and absent
    expect(leftOutByEvidence(voted)).toEqual([
      { evidence: '1 of 5 draws', left: 1, present: 0 },
      { evidence: 'reader: none', left: 1, present: 0 },
    ]);
    expect(leftOutByEvidence(lm)).toEqual([]);
  });

  it('re-scores the saved candidates of a case exactly as the decoded ones', () => {
    const restored = cases.map((c, i) => restoredCase(JSON.parse(JSON.stringify(savedCase(cfg, { id: `x${i}`, source: 's' }, c)))));
    expect(scoreConfig(cfg, restored, grid)).toEqual(scoreConfig(cfg, cases, grid));
  });

  // A film with an effusion that 1 of 5 draws names: the votes alone drop it; a finding reader that sees it keeps it
  // once its weight lifts the vote over τ (0.25·0.2 + 0.75·0.95 = 0.76 > 0.6; at w ½: 0.575, still dropped).
  const missed = [
    {
      candidates: [candidate(normal, -0.1, 0.5, 0, 4), candidate(effusion, -0.3, 0.5)],
      ms: 10,
      truth: ['pleural_effusion' as const],
      source: 's',
      reading: { pleural_effusion: 0.95 },
    },
  ];
  it('lets the finding reader keep a finding few draws name, by its weight, only under votes', () => {
    const rows = scoreConfig(cfg, missed, { betas: [0], gammas: [0], taus: [0, 0.6], readerWeights: [0, 0.5, 0.75] });
    expect(rows.map((r) => [r.vote_threshold, r.reader_weight, r.micro_f1])).toEqual([
      [0, 0, 0],
      [0.6, 0, 0],
      [0.6, 0.5, 0],
      [0.6, 0.75, 1],
    ]);
    const restored = missed.map((c) => restoredCase(JSON.parse(JSON.stringify(savedCase(cfg, { id: 'm', source: 's' }, c)))));
    expect(restored[0].reading).toEqual({ pleural_effusion: 0.95 });
  });
});
