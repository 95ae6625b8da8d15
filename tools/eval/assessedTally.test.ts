import { describe, expect, it } from 'vitest';
import { AssessedTally } from './assessedTally';

describe('the assessed-findings tally', () => {
  it('counts the films with a finding, the drafts that found it and the drafts that rule it out; assessed needs both thresholds', () => {
    const t = new AssessedTally();
    const effusionMissed = 'the heart is normal. no pleural effusion or pneumothorax.';
    for (let i = 0; i < 6; i++) t.add(['pleural_effusion'], effusionMissed);
    for (let i = 0; i < 4; i++) t.add(['consolidation', 'pneumonia', 'lung_opacity'], 'focal consolidation consistent with pneumonia. no pleural effusion.');
    t.add(['consolidation', 'pneumonia', 'lung_opacity'], 'the lungs are clear. no consolidation.');
    t.add(['nodule', 'lung_lesion'], 'possible nodule in the left lung.');
    t.add(['no_finding'], effusionMissed);
    const e = t.entry('val', 5, 0.5);
    expect(e.films).toBe(13);
    expect(e.by_finding.pleural_effusion).toEqual({ positives: 6, recalled: 0, ruled_out: 11 });
    expect(e.by_finding.consolidation).toEqual({ positives: 5, recalled: 4, ruled_out: 1 });
    expect(e.by_finding.nodule).toEqual({ positives: 1, recalled: 1, ruled_out: 0 }); // uncertain counts as found
    expect(e.by_finding.no_finding).toBeUndefined();
    expect(e.assessed).toEqual(['lung_opacity', 'consolidation', 'pneumonia']); // a consolidation found is an opacity found
    expect(t.entry('val', 1, 0.5).assessed).toContain('nodule');
    expect(t.entry('val', 5, 0.9).assessed).toEqual([]);
  });
});
