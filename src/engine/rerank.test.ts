// The rerank on hand-built candidates whose similarities and scores are known.
import { describe, expect, it } from 'vitest';
import type { Hypothesis } from './beamSearch';
import { decoderSimilarity, findingAgreement, findingJaccard, findingSupport, findingVotes, rerank, tallyFindings } from './rerank';

const pImg = new Float32Array([1, 0, 0]);
const hyp = (tokenIds: number[], logp: number, embeds: number[][]): Hypothesis => ({
  tokenIds,
  logp,
  score: logp,
  textEmbeds: embeds.map((e) => Float32Array.from(e)),
  group: 0,
});

// A: more likely, text points away from the image; B: less likely, text aligned with the image.
const a = hyp([5, 6, 2], -3, [
  [0, 1, 0],
  [0, 0, 1],
]); // p_txt = (0, .5, .5) → cos 0
const b = hyp([7, 8, 9, 2], -4, [
  [1, 1, 0],
  [1, -1, 0],
  [1, 0, 0],
]); // p_txt = (1, 0, 0) → cos 1

describe('rerank', () => {
  it('with beta = 0 keeps the length-normalised beam order', () => {
    const r = rerank(
      [a, b],
      [a, b].map((h) => decoderSimilarity(h, pImg)),
      [[], []],
      0,
      0,
    );
    expect(r.chosen.tokenIds).toEqual(a.tokenIds);
    expect(r.rerankChangedChoice).toBe(false);
    expect(r.candidates.map((c) => c.similarity)).toEqual([0, 1]);
  });

  it('computes lengthNormLogp = logp/|c|^alpha and score = that + beta·cos', () => {
    const r = rerank(
      [a, b],
      [a, b].map((h) => decoderSimilarity(h, pImg)),
      [[], []],
      1,
      0.5,
    );
    const ca = r.candidates.find((c) => c.tokenIds === a.tokenIds)!;
    const cb = r.candidates.find((c) => c.tokenIds === b.tokenIds)!;
    expect(ca.lengthNormLogp).toBeCloseTo(-1, 6);
    expect(cb.lengthNormLogp).toBeCloseTo(-1, 6);
    expect(ca.score).toBeCloseTo(-1, 6);
    expect(cb.score).toBeCloseTo(-0.5, 6);
    expect(cb.length).toBe(4);
  });

  it('a large enough beta changes the choice, and says so', () => {
    const r = rerank(
      [a, b],
      [a, b].map((h) => decoderSimilarity(h, pImg)),
      [[], []],
      0,
      2,
    );
    expect(r.chosen.tokenIds).toEqual(b.tokenIds);
    expect(r.rerankChangedChoice).toBe(true);
    expect(r.candidates.filter((c) => c.chosen)).toHaveLength(1);
    expect(r.candidates[0].chosen).toBe(true);
  });

  it('an empty report (only EOS) has similarity 0', () => {
    const h = hyp([2], -0.1, []);
    const r = rerank([h], [decoderSimilarity(h, pImg)], [[]], 1, 1);
    expect(r.chosen.similarity).toBe(0);
    expect(r.chosen.score).toBeCloseTo(-0.1, 6);
  });
});

describe('what the refinement weighed', () => {
  it('counts, per finding, the candidates asserting it, and candidates with the same finding set as one alternative', () => {
    const c = hyp([9, 2], -1, []);
    const r = rerank([a, b, c], [0, 1, 0.5], [['pleural_effusion'], ['pleural_effusion', 'lung_opacity'], ['lung_opacity', 'pleural_effusion']], 1, 0);
    expect(r.findingSets).toBe(2);
    expect(r.tally).toEqual([
      { finding: 'pleural_effusion', candidates: 3 },
      { finding: 'lung_opacity', candidates: 2 },
    ]);
    expect(r.candidates.find((x) => x.tokenIds === b.tokenIds)!.findings).toEqual(['lung_opacity', 'pleural_effusion']);
    expect(r.lmChoice.tokenIds).toEqual(c.tokenIds);
  });

  it('a finding asserted twice in one candidate counts once', () => {
    expect(tallyFindings([{ findings: ['nodule', 'nodule'] }, { findings: [] }])).toEqual([{ finding: 'nodule', candidates: 1 }]);
  });

  it('agreement is the mean Jaccard of a candidate’s finding set with each other candidate’s', () => {
    expect(findingJaccard([], [])).toBe(1); // two normal reports agree
    expect(findingJaccard(['effusion'], [])).toBe(0);
    expect(findingJaccard(['effusion', 'opacity'], ['opacity'])).toBe(0.5);
    expect(findingAgreement([['nodule']])).toEqual([1]);
    expect(findingAgreement([['nodule'], [], []])).toEqual([0, 0.5, 0.5]);
    expect(findingAgreement([['a', 'b'], ['a'], ['a']])).toEqual([0.5, 0.75, 0.75]);
    // A reading drawn three times: its own copies agree with it, and it weighs three times for the others.
    expect(findingAgreement([['nodule'], []], [1, 3])).toEqual([0, 2 / 3]);
    expect(findingAgreement([['nodule']], [4])).toEqual([1]);
    expect(() => findingAgreement([['a']], [1, 1])).toThrow(RangeError);
  });

  it('the consensus term picks the finding set most candidates share over a lone, likelier one, and only when weighted', () => {
    const lone = hyp([5, 2], -0.2, []); // the LM's choice asserts a nodule
    const normal1 = hyp([6, 2], -0.4, []);
    const normal2 = hyp([7, 2], -0.5, []);
    const findings = [['nodule'], [], []];
    const off = rerank([lone, normal1, normal2], [0, 0, 0], findings, 1, 0, 0);
    expect(off.chosen.tokenIds).toEqual(lone.tokenIds);
    expect(off.candidates.map((c) => c.agreement)).toEqual([0, 0.5, 0.5]);
    const small = rerank([lone, normal1, normal2], [0, 0, 0], findings, 1, 0, 0.1); // 0.1 × 0.5 < the 0.1 LM gap
    expect(small.rerankChangedChoice).toBe(false);
    const on = rerank([lone, normal1, normal2], [0, 0, 0], findings, 1, 0, 1);
    expect(on.chosen.tokenIds).toEqual(normal1.tokenIds); // among the agreeing ones the LM still orders
    expect(on.chosen.score).toBeCloseTo(-0.2 + 0.5, 6);
    expect(on.rerankChangedChoice).toBe(true);
    expect(on.lmChoice.tokenIds).toEqual(lone.tokenIds);
  });

  it('refuses mismatched similarity lists', () => {
    expect(() => rerank([a, b], [0], [[], []], 1, 1)).toThrow(RangeError);
  });
});

describe('finding votes', () => {
  const h = (id: number, logp: number) => hyp([id, 2], logp, []);
  const effusion = ['pleural_effusion'];
  const effusionCardio = ['cardiomegaly', 'pleural_effusion'];

  it('gives each finding the share of draws asserting it, a repeated sample counting each time', () => {
    const votes = findingVotes([effusionCardio, effusion, []], [1, 3, 1]);
    expect(votes.get('pleural_effusion')).toBeCloseTo(4 / 5, 9);
    expect(votes.get('cardiomegaly')).toBeCloseTo(1 / 5, 9);
    expect(findingSupport(effusionCardio, votes, 0.5)).toBeCloseTo(0.3 - 0.3, 9);
    expect(findingSupport([], votes, 0.5)).toBe(0);
  });

  it('drops a finding few draws back even when the language model prefers the candidate asserting it', () => {
    // The LM's best asserts cardiomegaly, which 1 of 5 draws backs; effusion alone is backed by 4 of 5.
    const r = rerank([h(5, -0.1), h(6, -0.9), h(7, -0.5)], [0.5, 0.5, 0.5], [effusionCardio, effusion, []], 0, 0, 0, [1, 3, 1], 0.6);
    expect(r.lmChoice.tokenIds[0]).toBe(5);
    expect(r.chosen.tokenIds[0]).toBe(6);
    expect(r.rerankChangedChoice).toBe(true);
    expect(r.chosen.support).toBeCloseTo(0.8 - 0.6, 9);
    // Without votes the same candidates keep the LM's choice.
    expect(rerank([h(5, -0.1), h(6, -0.9), h(7, -0.5)], [0.5, 0.5, 0.5], [effusionCardio, effusion, []], 0, 0, 0, [1, 3, 1]).chosen.tokenIds[0]).toBe(5);
  });

  it('lets the image–text similarity pay for a finding the draws leave short, through the set’s best candidate', () => {
    const hyps = [h(5, -0.2), h(6, -0.4), h(7, -0.3)];
    const findings = [effusion, [], effusion];
    // Effusion: 2 of 4 draws, below τ 0.6 by 0.1; its best similarity beats the normal reading's by 0.2.
    const sims = [0.3, 0.4, 0.6];
    expect(rerank(hyps, sims, findings, 0, 0, 0, [1, 2, 1], 0.6).chosen.tokenIds[0]).toBe(6);
    const paid = rerank(hyps, sims, findings, 0, 1, 0, [1, 2, 1], 0.6);
    // Both effusion candidates score the set's (−0.1 + 0.6); the LM orders them, so the draft is the LM's best of the set.
    expect(paid.chosen.tokenIds[0]).toBe(5);
    expect(paid.candidates[1].tokenIds[0]).toBe(7);
    expect(paid.candidates[0].score).toBeCloseTo(paid.candidates[1].score, 9);
    expect(paid.rerankChangedChoice).toBe(false);
  });

  it('refuses a threshold outside [0, 1)', () => {
    expect(() => rerank([h(5, -0.1)], [0], [[]], 0, 0, 0, [1], 1)).toThrow(RangeError);
  });
});
