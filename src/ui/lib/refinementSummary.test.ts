import { describe, expect, it } from 'vitest';
import type { Candidate, ReportResult } from '../../engine/types';
import type { SubtypeReading } from '../../engine/subtypeGate';
import { flagRecordLine, markFindings, readerPercent, sideGateLine, subtypeLine, tallyLines, whyChosen } from './refinementSummary';
import { readFileSync } from 'node:fs';
import type { ModelManifest } from '../../engine/manifest';
import {
  BEAM_MAX,
  BETA_MAX,
  CONSENSUS_MAX,
  PENALTY_MAX,
  SAMPLES_MAX,
  TEMPERATURE_MAX,
  VOTE_THRESHOLD_MAX,
  groupChoices,
  refinementDefaults,
  withBeam,
} from './refinementSettings';

const cand = (text: string, lengthNormLogp: number, similarity: number, findings: string[], chosen = false): Candidate => ({
  text,
  tokenIds: [5],
  logp: lengthNormLogp,
  length: 1,
  lengthNormLogp,
  similarity,
  agreement: 0,
  score: lengthNormLogp + similarity,
  group: 0,
  sampled: false,
  draws: 1,
  support: 0,
  findings,
  chosen,
});

function result(candidates: Candidate[], over: Partial<ReportResult> = {}): ReportResult {
  const sets = new Set(candidates.map((c) => c.findings.join('|'))).size;
  const counts = new Map<string, number>();
  for (const c of candidates) for (const f of c.findings) counts.set(f, (counts.get(f) ?? 0) + 1);
  const lm = candidates.reduce((b, c, i) => (c.lengthNormLogp > candidates[b].lengthNormLogp ? i : b), 0);
  return {
    report: { findings: '', impression: '', text: candidates[0].text },
    candidates,
    rerankChangedChoice: !candidates[lm].chosen,
    refinement: { similaritySource: 'towers', findingSets: sets, tally: [...counts].map(([finding, n]) => ({ finding, candidates: n })), lmChoice: lm },
    tokens: [],
    heatmap: { grid: [1, 1], views: 1, values: new Float32Array(0) },
    sentenceHeatmaps: new Float32Array(0),
    ood: { score: 0, threshold: 1 },
    warnings: [],
    backend: 'wasm',
    settings: { beam: 3, alpha: 1, beta: 2, repetition_penalty: 1, no_repeat_ngram: 3, min_length: 2, max_length: 60 },
    timings: { encode_ms: 1, decode_ms: 1, total_ms: 2 },
    ...over,
  } as ReportResult;
}

const effusionDraft = cand('small left pleural effusion.', -0.5, 0.8, ['pleural_effusion'], true);
const normal = cand('no acute disease.', -0.3, 0.2, ['no_finding']);
const both = cand('left effusion and cardiomegaly.', -0.6, 0.6, ['cardiomegaly', 'pleural_effusion']);

describe('refinement summary', () => {
  it('marks a candidate’s findings against the draft by name', () => {
    expect(markFindings(both, effusionDraft)).toEqual({ shared: ['Pleural Effusion'], extra: ['Cardiomegaly'], missing: [] });
    expect(markFindings(normal, effusionDraft)).toEqual({ shared: [], extra: ['No Finding'], missing: ['Pleural Effusion'] });
  });
  it('tallies each finding as "n of m" and whether the draft asserts it', () => {
    const lines = tallyLines(result([effusionDraft, normal, both]));
    expect(lines).toContainEqual({ finding: 'Pleural Effusion', count: 2, total: 3, draws: 2, totalDraws: 3, inDraft: true });
    expect(lines).toContainEqual({ finding: 'Cardiomegaly', count: 1, total: 3, draws: 1, totalDraws: 3, inDraft: false });
  });
  it('counts a sample that repeats a candidate as one more draw for its findings', () => {
    const lines = tallyLines(result([{ ...effusionDraft, draws: 4 }, normal, { ...both, draws: 2 }]));
    expect(lines).toContainEqual({ finding: 'Pleural Effusion', count: 2, total: 3, draws: 6, totalDraws: 7, inDraft: true });
    expect(lines).toContainEqual({ finding: 'No finding', count: 1, total: 3, draws: 1, totalDraws: 7, inDraft: false });
  });
  it('under finding votes, names the finding the re-rank dropped and how many draws asserted it', () => {
    const lmPick = { ...both, lengthNormLogp: -0.1, support: -0.3, score: 0.2, similarity: 0.6 };
    const draft = { ...effusionDraft, draws: 5, support: 0.1, score: 0.9 };
    const settings = { beam: 1, alpha: 1, beta: 1, repetition_penalty: 1, no_repeat_ngram: 3, min_length: 2, max_length: 60, samples: 6, vote_threshold: 0.7 };
    const text = whyChosen(result([draft, lmPick, normal], { settings }));
    expect(text).toContain('more than 70 % of the draws');
    expect(text).toContain('drops Cardiomegaly (asserted by 1 of 7 draws)');
    expect(text).toContain('votes 0.100 vs -0.300');
  });
  it('with a finding reader, gives its reading per finding and names its weight in the rule', () => {
    const lmPick = { ...both, lengthNormLogp: -0.1, support: -0.3, score: 0.2, similarity: 0.6 };
    const draft = { ...effusionDraft, draws: 5, support: 0.1, score: 0.9 };
    const settings = { beam: 1, alpha: 1, beta: 2, repetition_penalty: 1, no_repeat_ngram: 3, min_length: 2, max_length: 60, samples: 6, vote_threshold: 0.6 };
    const base = result([draft, lmPick, normal], { settings });
    const reading = { pleural_effusion: 0.91, cardiomegaly: 0.04 };
    const withReader = { ...base, refinement: { ...base.refinement, reading, readerWeight: 0.5 } };
    expect(tallyLines(withReader).find((l) => l.finding === 'Cardiomegaly')?.reader).toBe(0.04);
    const text = whyChosen(withReader);
    expect(text).toContain('0.50 × the finding reader’s probability from the film, is above 60 %');
    expect(text).toContain('drops Cardiomegaly (asserted by 1 of 7 draws; the finding reader 4 %)');
    // Shown but weighing nothing: the rule and the reasons speak of the draws alone.
    const shownOnly = whyChosen({ ...withReader, refinement: { ...withReader.refinement, readerWeight: 0 } });
    expect(shownOnly).toContain('more than 60 % of the draws');
    expect(shownOnly).not.toContain('finding reader');
    expect(tallyLines(base).every((l) => l.reader === undefined)).toBe(true);
    expect([0.004, 0.5, 0.994, 1].map(readerPercent)).toEqual(['< 1 %', '50 %', '> 99 %', '> 99 %']);
  });
  it('counts candidates that assert nothing as a normal alternative, only when some candidate asserts a finding', () => {
    const none = cand('no acute disease.', -0.3, 0.2, [], true);
    const lines = tallyLines(result([none, cand('a focal infiltrate.', -0.5, 0.3, ['infiltration', 'lung_opacity']), cand('clear lungs.', -0.6, 0.1, [])]));
    expect(lines).toContainEqual({ finding: 'No finding', count: 2, total: 3, draws: 2, totalDraws: 3, inDraft: true });
    expect(lines).toContainEqual({ finding: 'Infiltration', count: 1, total: 3, draws: 1, totalDraws: 3, inDraft: false });
    expect(tallyLines(result([none, cand('clear lungs.', -0.6, 0.1, [])]))).toEqual([]);
  });
  it('says the similarity overrode the language model, with both numbers, when the re-rank changed the choice', () => {
    const text = whyChosen(result([effusionDraft, normal, both]));
    expect(text).toContain('3 different sets of findings');
    expect(text).toContain('preferred candidate 2');
    expect(text).toContain('LM score -0.300 vs -0.500');
    expect(text).toContain('similarity 0.800 vs 0.200');
  });
  it('says the candidates’ agreement overrode the language model when the consensus term changed the choice', () => {
    const lmPick = { ...cand('small nodule in the right lung.', -0.2, 0.5, ['nodule', 'lung_lesion']), agreement: 0 };
    const majority = [
      { ...cand('no acute disease.', -0.4, 0.5, ['no_finding'], true), agreement: 0.5 },
      { ...cand('lungs are clear.', -0.5, 0.5, ['no_finding']), agreement: 0.5 },
    ];
    const settings = { beam: 1, alpha: 1, beta: 0, repetition_penalty: 1, no_repeat_ngram: 3, min_length: 2, max_length: 60, samples: 2, consensus: 1 };
    const text = whyChosen(result([majority[0], lmPick, majority[1]], { settings }));
    expect(text).toContain('preferred candidate 2');
    expect(text).toContain('asserts what more of the other candidates assert (agreement on findings 0.500 vs 0.000)');
    expect(text).toContain('γ = 1 × 0.500 outweighs 0.200');
    expect(text).not.toContain('similarity');
  });
  it('says when the candidates differ in wording only, and when the LM’s choice was kept', () => {
    const a = cand('no acute disease.', -0.2, 0.5, ['no_finding'], true);
    const b = cand('no acute cardiopulmonary disease.', -0.4, 0.4, ['no_finding']);
    const text = whyChosen(result([a, b]));
    expect(text).toContain('differ in wording only');
    expect(text).toContain('language model’s best candidate');
    expect(whyChosen(result([a]))).toContain('nothing to weigh');
    expect(whyChosen(result([a]))).toContain('add sampled alternatives');
    const sure = result([a], {
      settings: { beam: 1, alpha: 1, beta: 0, repetition_penalty: 1, no_repeat_ngram: 3, min_length: 2, max_length: 60, samples: 2 },
    });
    expect(whyChosen(sure)).toContain('all 2 samples repeated the draft');
  });
});

describe('refinement settings', () => {
  it('the committed model’s defaults fit the settings form’s bounds (an out-of-range field blocks Re-run)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../../public/models/serpent-cxr/manifest.json', import.meta.url), 'utf8')) as ModelManifest;
    const d = refinementDefaults(manifest.decoding);
    const bounds: [number, number][] = [
      [d.beam, BEAM_MAX],
      [d.diversity_penalty, PENALTY_MAX],
      [d.samples, SAMPLES_MAX],
      [d.temperature, TEMPERATURE_MAX],
      [d.beta, BETA_MAX],
      [d.consensus, CONSENSUS_MAX],
      [d.vote_threshold, VOTE_THRESHOLD_MAX],
    ];
    for (const [value, max] of bounds) expect(value).toBeLessThanOrEqual(max);
  });
  it('offers only group counts that divide the beam, and keeps a valid pair when the beam changes', () => {
    expect(groupChoices(6)).toEqual([1, 2, 3, 6]);
    expect(withBeam({ beam: 6, groups: 6, diversity_penalty: 2, samples: 0, temperature: 1, beta: 1, consensus: 0, vote_threshold: 0 }, 4)).toEqual({
      beam: 4,
      groups: 4,
      diversity_penalty: 2,
      samples: 0,
      temperature: 1,
      beta: 1,
      consensus: 0,
      vote_threshold: 0,
    });
    expect(withBeam({ beam: 6, groups: 3, diversity_penalty: 2, samples: 0, temperature: 1, beta: 1, consensus: 0, vote_threshold: 0 }, 4).groups).toBe(2);
    expect(withBeam({ beam: 3, groups: 3, diversity_penalty: 2, samples: 2, temperature: 1, beta: 1, consensus: 0, vote_threshold: 0 }, 5).groups).toBe(1);
  });
  it('reads the manifest’s decoding defaults, groups 1, penalty 0 and γ 0 when absent', () => {
    expect(refinementDefaults({ beam: 3, alpha: 1, beta: 2, repetition_penalty: 1, no_repeat_ngram: 3, min_length: 2, max_length: 60 })).toEqual({
      beam: 3,
      groups: 1,
      diversity_penalty: 0,
      samples: 0,
      temperature: 1,
      beta: 2,
      consensus: 0,
      vote_threshold: 0,
    });
    expect(
      refinementDefaults({ beam: 1, alpha: 1, beta: 0, repetition_penalty: 1, no_repeat_ngram: 3, min_length: 2, max_length: 60, consensus: 0.5 }).consensus,
    ).toBe(0.5);
  });
});

describe('subtypeLine', () => {
  const pneumonia = [{ findings: ['lung_opacity', 'pneumonia'] }];
  const reading = (bacterial: number, allowed: 'bacterial' | 'viral' | null): SubtypeReading => ({ bacterial, margin: 0.35, allowed });
  const result = (subtype: ReturnType<typeof reading> | undefined, candidates = pneumonia) =>
    ({ refinement: { similaritySource: 'towers', findingSets: 1, tally: [], lmChoice: 0, subtype }, candidates }) as unknown as Parameters<
      typeof subtypeLine
    >[0];

  it('says which subtype the image backs and that the other is never written', () => {
    expect(subtypeLine(result(reading(0.9, 'bacterial')))).toBe(
      'Pneumonia type: the image probe reads bacterial (P(bacterial) 0.90, beyond its ±0.35 margin), so the draft may call it bacterial and never viral.',
    );
    expect(subtypeLine(result(reading(0.1, 'viral')))).toMatch(/reads viral .* never bacterial/);
  });

  it('says when the type in the draft is one the probe put in', () => {
    expect(subtypeLine(result({ ...reading(0.1, 'viral'), named: true }))).toBe(
      'Pneumonia type: the image probe reads viral (P(bacterial) 0.10, beyond its ±0.35 margin), so the draft calls it viral, a word the probe put in where the language model wrote no type, and never bacterial.',
    );
    expect(subtypeLine(result({ ...reading(0.1, 'viral'), named: false }))).toMatch(/so the draft may call it viral and never bacterial/);
  });

  it('names the image reader when the probe reads it', () => {
    expect(subtypeLine(result({ ...reading(0.8, 'bacterial'), feature: 'image_reader', named: true }))).toBe(
      'Pneumonia type: the image reader (a second network that reads the film) reads bacterial (P(bacterial) 0.80, beyond its ±0.35 margin), so the draft calls it bacterial, a word the image reader put in where the language model wrote no type, and never viral.',
    );
    expect(subtypeLine(result({ ...reading(0.6, null), feature: 'image_reader' }))).toMatch(
      /^Pneumonia type: the image reader \(a second network that reads the film\) is unsure/,
    );
  });

  it("says when the draft's own pattern kept the type out", () => {
    expect(subtypeLine(result({ ...reading(0.8, 'bacterial'), feature: 'image_reader', named: false, patternDisagrees: true }))).toBe(
      'Pneumonia type: the image reader (a second network that reads the film) reads bacterial (P(bacterial) 0.80, beyond its ±0.35 margin), but the draft describes an interstitial pattern, which reads viral, so the draft names neither type.',
    );
    expect(subtypeLine(result({ ...reading(0.1, 'viral'), named: false, patternDisagrees: true }))).toMatch(/describes a consolidation, which reads bacterial/);
  });

  it('says when the image backs neither, and stays silent without the gate or without a pneumonia', () => {
    expect(subtypeLine(result(reading(0.6, null)))).toMatch(/unsure \(P\(bacterial\) 0.60, within ±0.35 of even\), so the draft names neither/);
    expect(subtypeLine(result(undefined))).toBeNull();
    expect(subtypeLine(result(reading(0.9, 'bacterial'), [{ findings: [] }]))).toBeNull();
  });
});

describe('sideGateLine', () => {
  const result = (sideGate: unknown) =>
    ({ refinement: { similaritySource: 'towers', findingSets: 1, tally: [], lmChoice: 0, sideGate } }) as unknown as Parameters<typeof sideGateLine>[0];
  const measured = [{ finding: 'nodule', right: 6, sided: 13, split: 'val' }];

  it('says the side was left out, with the measurement behind it, only when the gate took one out', () => {
    expect(sideGateLine(result({ findings: ['nodule'], removed: true, measured }))).toBe(
      "Side left out: the draft does not say on which side the nodule is, because this model's drafts put it on the wrong side too often " +
        '(nodule: right side in 6 of 13 val drafts that named one). Read the side from the film.',
    );
    expect(sideGateLine(result({ findings: ['nodule'], removed: false, measured }))).toBeNull();
    expect(sideGateLine(result(undefined))).toBeNull();
  });
});

describe('flagRecordLine', () => {
  const left = [
    { finding: 'nodule', draws: 2, totalDraws: 5 },
    { finding: 'pleural_effusion', draws: 3, totalDraws: 5 },
    { finding: 'atelectasis', draws: 2, totalDraws: 5 },
  ];
  it('gives each flagged finding its own val record, and says when the rule never flagged it there', () => {
    const by_finding = { nodule: { flagged: 3, present: 1 }, pleural_effusion: { flagged: 1, present: 1 } };
    expect(flagRecordLine(left, { by_finding })).toBe(
      'Nodule: present in 1 of its 3 flags; Pleural Effusion: present in 1 of its 1 flag; Atelectasis: never flagged there.',
    );
  });
  it('says nothing for a record without per-finding counts, or with nothing flagged', () => {
    expect(flagRecordLine(left, {})).toBeNull();
    expect(flagRecordLine([], { by_finding: {} })).toBeNull();
  });
});
