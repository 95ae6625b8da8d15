import { describe, expect, it } from 'vitest';
import findingsJson from './findings.json' with { type: 'json' };
import { FINDING_KEYS, FINDING_NAMES, ancestorsOf, withAncestors } from './findings';

describe('finding vocabulary', () => {
  it("keeps CheXpert's 14 observations first, in CheXpert order", () => {
    expect(findingsJson.slice(0, 14).map((f) => f.name)).toEqual([
      'No Finding',
      'Enlarged Cardiomediastinum',
      'Cardiomegaly',
      'Lung Lesion',
      'Lung Opacity',
      'Edema',
      'Consolidation',
      'Pneumonia',
      'Atelectasis',
      'Pneumothorax',
      'Pleural Effusion',
      'Pleural Other',
      'Fracture',
      'Support Devices',
    ]);
    expect(findingsJson.map((f) => f.key)).toEqual([...FINDING_KEYS]);
    for (const f of findingsJson) expect(f.description.length).toBeGreaterThan(10);
  });

  it('links Nodule and Mass to Lung Lesion and closes over parents', () => {
    expect(ancestorsOf('nodule')).toEqual(['nodule', 'lung_lesion']);
    expect(withAncestors(['mass', 'pleural_thickening'])).toEqual(['lung_lesion', 'pleural_other', 'mass', 'pleural_thickening']);
    expect(FINDING_NAMES.covid19_pattern).toBe('COVID-19 pattern');
  });
});
