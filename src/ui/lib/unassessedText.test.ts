import { describe, expect, it } from 'vitest';
import type { UnassessedReport } from '../../engine/types';
import { unassessedBySentence, unassessedLine } from './unassessedText';

const u: UnassessedReport = {
  statements: [
    { sentence: 0, findings: ['cardiomegaly'] },
    { sentence: 1, findings: ['pneumothorax', 'pleural_effusion'] },
  ],
  measured: [
    { finding: 'cardiomegaly', positives: 0, recalled: 0 },
    { finding: 'pneumothorax', positives: 8, recalled: 0 },
    { finding: 'pleural_effusion', positives: 12, recalled: 1 },
  ],
  split: 'val',
};

describe('the words for sentences the model did not read', () => {
  it('names the findings per sentence for its mark', () => {
    expect([...unassessedBySentence(u)]).toEqual([
      [0, ['Cardiomegaly']],
      [1, ['Pneumothorax', 'Pleural Effusion']],
    ]);
    expect(unassessedBySentence(undefined).size).toBe(0);
  });

  it('says what was measured for each finding, and what to do', () => {
    expect(unassessedLine(u)).toBe(
      `Not read by this model: Cardiomegaly (no val film has one), Pneumothorax (its drafts found 0 of the 8 val films with one), Pleural Effusion (1 of 12). The sentences marked "not read" rule them out in the model's usual wording, not from this film: check them on the film.`,
    );
    const one: UnassessedReport = { statements: [u.statements[1]], measured: u.measured.slice(1), split: 'val' };
    expect(unassessedLine(one)).toMatch(
      /^Not read by this model: Pneumothorax \(its drafts found 0 of the 8 val films with one\), Pleural Effusion \(1 of 12\)\. The sentence marked "not read" rules them out/,
    );
    expect(unassessedLine({ ...u, statements: [] })).toBeNull();
  });
});
