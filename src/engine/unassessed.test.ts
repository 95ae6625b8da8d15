// Which draft sentences rule out a finding the model was not shown to read, and the manifest entry's check at load.
import { describe, expect, it } from 'vitest';
import { ModelManifestError } from './errors';
import { checkAssessedFindings, unassessedStatements, type AssessedFindingsEntry } from './unassessed';

const entry: AssessedFindingsEntry = {
  split: 'val',
  films: 100,
  min_positives: 5,
  min_recall: 0.5,
  by_finding: { consolidation: { positives: 40, recalled: 30 }, pleural_effusion: { positives: 12, recalled: 0 }, pneumothorax: { positives: 8, recalled: 0 } },
  assessed: ['consolidation', 'pneumonia', 'lung_opacity'],
};

describe('sentences that rule out what the model cannot read', () => {
  it('marks the negatives of unassessed findings, sentence by sentence, in vocabulary order', () => {
    const u = unassessedStatements(
      [
        'the heart and mediastinum are normal.',
        'no focal consolidation, pleural effusion, or pneumothorax identified.',
        'there is focal airspace consolidation consistent with bacterial pneumonia.',
        'no acute cardiopulmonary abnormality.',
      ],
      entry,
    );
    expect(u.statements).toEqual([
      { sentence: 0, findings: ['cardiomegaly'] },
      { sentence: 1, findings: ['pneumothorax', 'pleural_effusion'] },
    ]);
    expect(u.measured).toEqual([
      { finding: 'cardiomegaly', positives: 0, recalled: 0 },
      { finding: 'pneumothorax', positives: 8, recalled: 0 },
      { finding: 'pleural_effusion', positives: 12, recalled: 0 },
    ]);
    expect(u.split).toBe('val');
  });

  it('leaves alone what the model reads, and what a sentence asserts rather than rules out', () => {
    const u = unassessedStatements(['no focal consolidation.', 'small left pleural effusion.', 'possible pneumothorax.'], entry);
    expect(u.statements).toEqual([]);
    expect(u.measured).toEqual([]);
  });

  it('refuses an entry that does not list its findings as this model knows them', () => {
    expect(() => checkAssessedFindings(entry)).not.toThrow();
    expect(() => checkAssessedFindings({ ...entry, assessed: ['lung_shadow' as never] })).toThrow(ModelManifestError);
    expect(() => checkAssessedFindings({ ...entry, by_finding: { nodule: { positives: 1.5, recalled: 0 } } })).toThrow(/assessed-findings -- --write/);
    expect(() => checkAssessedFindings({ split: 'val' })).toThrow(ModelManifestError);
  });
});
