import { describe, expect, it } from 'vitest';
import { NotReadTally } from './notReadTally';
import type { AssessedFindingsEntry } from '../../src/engine/unassessed';

const entry: AssessedFindingsEntry = {
  split: 'val',
  films: 10,
  min_positives: 5,
  min_recall: 0.5,
  by_finding: {},
  assessed: ['consolidation', 'pneumonia', 'lung_opacity'],
};
const draft = (text: string, statements: { sentence: number; findings: string[] }[]) => ({
  report: { findings: text, impression: '', text },
  unassessed: { statements, measured: [], split: 'val' },
});

describe('the not-read tally', () => {
  it('counts marked drafts per source, and for unassessed findings the films with them, the drafts that found them and those that rule them out', () => {
    const t = new NotReadTally(entry);
    const normal = draft('no pleural effusion or pneumothorax. the heart is normal.', [
      { sentence: 0, findings: ['pneumothorax', 'pleural_effusion'] },
      { sentence: 1, findings: ['cardiomegaly'] },
    ]);
    t.add('nih64', normal, ['pleural_effusion']);
    t.add('nih64', draft('small right pleural effusion.', []), ['pleural_effusion', 'atelectasis']);
    t.add('kermany', draft('focal consolidation consistent with pneumonia.', []), ['consolidation', 'pneumonia', 'lung_opacity']);
    const s = t.summary();
    expect(s.all).toEqual({ n: 3, drafts_marked: 1, sentences: 2 });
    expect(s.by_source).toEqual({ nih64: { n: 2, drafts_marked: 1, sentences: 2 }, kermany: { n: 1, drafts_marked: 0, sentences: 0 } });
    expect(s.by_finding).toEqual({
      cardiomegaly: { positives: 0, recalled: 0, ruled_out: 1 },
      atelectasis: { positives: 1, recalled: 0, ruled_out: 0 },
      pneumothorax: { positives: 0, recalled: 0, ruled_out: 1 },
      pleural_effusion: { positives: 2, recalled: 1, ruled_out: 1 },
    });
    expect(Object.keys(s.by_finding)).not.toContain('consolidation'); // assessed: the eval's other tables score it
    expect(s.measured_on).toBe('val');
  });
});
