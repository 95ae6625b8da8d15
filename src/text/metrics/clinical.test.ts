// Hand-made cases for the clinical metrics; expected numbers are worked out in the comments.
import { describe, expect, it } from 'vitest';
import { caseCounts, ClinicalInputError, scoreClinical, scoreReports, type ClinicalCase } from './clinical';

describe('scoreClinical', () => {
  // 1 normal image, normal report: agrees, nothing extra, nothing missing.
  // 2 effusion image, report asserts effusion: TP.
  // 3 nodule image (closed: nodule + lung_lesion), normal report: omits both, normal/abnormal wrong.
  // 4 normal image, report asserts cardiomegaly: hallucination, normal/abnormal wrong.
  const cases: ClinicalCase[] = [
    { truth: ['no_finding'], predicted: [] },
    { truth: ['pleural_effusion'], predicted: ['pleural_effusion'] },
    { truth: ['nodule'], predicted: [] },
    { truth: ['no_finding'], predicted: ['cardiomegaly'] },
  ];
  const s = scoreClinical(cases);

  it('computes per-finding precision, recall, F1 and support', () => {
    expect(s.per_finding.pleural_effusion).toEqual({ precision: 1, recall: 1, f1: 1, support: 1, predicted: 1, tp: 1 });
    expect(s.per_finding.lung_lesion).toEqual({ precision: 0, recall: 0, f1: 0, support: 1, predicted: 0, tp: 0 });
    expect(s.per_finding.cardiomegaly).toEqual({ precision: 0, recall: 0, f1: 0, support: 0, predicted: 1, tp: 0 });
    // No Finding: reports 1 and 3 are normal (predicted 2), images 1 and 4 are normal (support 2), TP = image 1.
    expect(s.per_finding.no_finding).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2, tp: 1 });
    expect(s.per_finding.edema).toBeUndefined(); // neither present nor asserted
  });

  it('micro-averages over findings without No Finding and macro-averages over supported findings', () => {
    // TP 1 (effusion); asserted 2 (effusion, cardiomegaly); true 3 (effusion, nodule, lung lesion).
    // P = 1/2, R = 1/3, F1 = 2·(1/6)/(5/6) = 0.4. Macro over effusion (1), nodule (0), lung lesion (0) = 1/3.
    expect(s.micro_precision).toBeCloseTo(0.5, 12);
    expect(s.micro_recall).toBeCloseTo(1 / 3, 12);
    expect(s.micro_f1).toBeCloseTo(0.4, 12);
    expect(s.macro_f1).toBeCloseTo(1 / 3, 12);
  });

  it('reports normal/abnormal accuracy, hallucination and omission rates', () => {
    expect(s.normal_abnormal_accuracy).toBe(0.5); // cases 1 and 2 right
    expect(s.hallucination_rate).toBe(0.25); // case 4
    expect(s.omission_rate).toBe(0.25); // case 3
    expect(s.omission_rate_abnormal).toBe(0.5); // case 3 of the abnormal cases 2 and 3
    expect(s.mean_hallucinated).toBe(0.25); // one extra finding over 4 reports
    expect(s.mean_omitted).toBe(0.5); // nodule + lung lesion over 4 reports
  });

  it('gives micro F1 0 to a system that always reports normal', () => {
    const normal = scoreClinical(cases.map((c) => ({ ...c, predicted: [] })));
    expect(normal.micro_f1).toBe(0);
    expect(normal.hallucination_rate).toBe(0);
    expect(normal.omission_rate).toBe(0.5); // images 2 and 3
  });

  it('closes both sides under parents, so a child finding counts for its parent', () => {
    // Bacterial pneumonia image (pneumonia, consolidation, lung opacity); the report says consolidation only:
    // consolidation and its parent lung opacity are right, pneumonia is omitted, nothing is hallucinated.
    const r = scoreClinical([{ truth: ['pneumonia', 'consolidation'], predicted: ['consolidation'] }]);
    expect(r.per_finding.lung_opacity?.tp).toBe(1);
    expect(r.per_finding.pneumonia?.recall).toBe(0);
    expect(r.hallucination_rate).toBe(0);
    expect(r.mean_omitted).toBe(1);
  });

  it("counts one report's findings against its truth after closing both under parents", () => {
    // truth: consolidation (→ lung opacity) and effusion; asserted: pneumonia (→ lung opacity) and consolidation
    const c = caseCounts({ truth: ['consolidation', 'pleural_effusion'], predicted: ['pneumonia', 'consolidation'] });
    expect(c).toEqual({ tp: 2, predicted: 3, support: 3, extra: 1, missing: 1 });
    expect(caseCounts({ truth: ['no_finding'], predicted: [] })).toEqual({ tp: 0, predicted: 0, support: 0, extra: 0, missing: 0 });
  });

  it('rejects unknown findings and empty input with a typed error', () => {
    expect(() => scoreClinical([])).toThrow(ClinicalInputError);
    expect(() => scoreClinical([{ truth: ['Effusion' as never], predicted: [] }])).toThrow(/unknown finding/);
  });
});

describe('scoreReports (labeler on generated text)', () => {
  const truth = [['no_finding'], ['pleural_effusion']] as const;
  it('labels reports and counts an uncertain finding as asserted by default', () => {
    const reports = ['Possible left lower lobe pneumonia. No pleural effusion.', 'There is a small right pleural effusion. Heart size is normal.'];
    const positive = scoreReports(
      reports,
      truth.map((t) => [...t]),
    );
    expect(positive.hallucination_rate).toBe(0.5); // "possible pneumonia" on the normal image
    expect(positive.per_finding.pleural_effusion?.tp).toBe(1);
    const firm = scoreReports(
      reports,
      truth.map((t) => [...t]),
      'negative',
    );
    expect(firm.hallucination_rate).toBe(0);
    expect(firm.micro_f1).toBe(1);
  });
});
