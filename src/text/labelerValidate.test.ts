import { describe, expect, it } from 'vitest';
import { computeMetrics, formatMetricsTable } from './labelerMetrics';
import { buildValidationSet, CsvFormatError, meshToFindings, parseCsv, predictedSet, readIuReports } from './labelerValidate';
import { labelReport } from './labeler';
import type { FindingKey } from './findings';

describe('parseCsv', () => {
  it('handles quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsv('a,b,c\n1,"x, ""y""\nz",3\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, "y"\nz', '3'],
    ]);
  });

  it('throws a typed error on an unbalanced quote', () => {
    expect(() => parseCsv('a,"b\n')).toThrow(CsvFormatError);
  });

  it('reads IU report rows and checks the header', () => {
    const rows = readIuReports('uid,MeSH,Problems,image,indication,comparison,findings,impression\n7,normal,normal,PA,,,"Clear, no effusion.",Normal.\n');
    expect(rows).toEqual([{ uid: '7', mesh: 'normal', problems: 'normal', findings: 'Clear, no effusion.', impression: 'Normal.' }]);
    expect(() => readIuReports('uid,findings\n1,x\n')).toThrow(/MeSH/);
  });
});

describe('meshToFindings', () => {
  it('maps qualified terms, adds parents and ignores terms outside the vocabulary', () => {
    const m = meshToFindings('Cardiomegaly/borderline;Pleural Effusion/left;Opacity/lung/base/left;Calcified Granuloma;Thoracic Vertebrae/degenerative');
    expect(m.findings).toEqual(['cardiomegaly', 'lung_opacity', 'pleural_effusion']);
    expect(m.unmappedHeads).toEqual([]);
    expect(m.indexed).toBe(true);
  });

  it('normal and ignored-only codes give No Finding; qualifiers select rules', () => {
    expect(meshToFindings('normal').findings).toEqual(['no_finding']);
    expect(meshToFindings('Calcified Granuloma/lung/upper lobe/left').findings).toEqual(['no_finding']);
    expect(meshToFindings('Nodule/lung/lingula').findings).toEqual(['lung_lesion', 'nodule']);
    expect(meshToFindings('Cardiac Shadow/enlarged').findings).toEqual(['cardiomegaly']);
    expect(meshToFindings('Cardiac Shadow/obscured').findings).toEqual(['no_finding']);
  });

  it('flags reports without human codes and unknown heads', () => {
    expect(meshToFindings('No Indexing').indexed).toBe(false);
    expect(meshToFindings('').indexed).toBe(false);
    expect(meshToFindings('Unicorn/horn').unmappedHeads).toEqual(['unicorn']);
  });
});

describe('computeMetrics', () => {
  const s = (...keys: FindingKey[]) => new Set<FindingKey>(keys);
  // Four hand-made reports. edema: tp 1 (r0), fp 1 (r1), fn 1 (r2) → P = R = F1 = 0.5.
  // cardiomegaly: tp 2 (r0, r3) → F1 = 1. no_finding: fn 1 (r1 gold), fp 0 → P 0 (nothing predicted), R 0.
  const gold = [s('edema', 'cardiomegaly'), s('no_finding'), s('edema'), s('cardiomegaly')];
  const pred = [s('edema', 'cardiomegaly'), s('edema'), s('hernia'), s('cardiomegaly')];

  it('computes per-finding precision, recall, F1 and support', () => {
    const m = computeMetrics(gold, pred, ['no_finding', 'cardiomegaly', 'edema', 'hernia', 'mass']);
    const by = Object.fromEntries(m.perFinding.map((x) => [x.finding, x]));
    expect(by.edema).toMatchObject({ tp: 1, fp: 1, fn: 1, support: 2, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(by.cardiomegaly).toMatchObject({ tp: 2, fp: 0, fn: 0, f1: 1 });
    expect(by.no_finding).toMatchObject({ tp: 0, fp: 0, fn: 1, precision: 0, recall: 0, f1: 0 });
    expect(by.hernia).toMatchObject({ tp: 0, fp: 1, fn: 0, support: 0, f1: 0 });
    expect(by.mass).toMatchObject({ tp: 0, fp: 0, fn: 0, support: 0 });
    // micro: tp 3, fp 2, fn 2 → P = R = 0.6; macro over supported findings (no_finding, cardiomegaly, edema) = 0.5.
    expect(m.microF1).toBeCloseTo(0.6, 10);
    expect(m.macroF1).toBeCloseTo(0.5, 10);
    expect(m.nReports).toBe(4);
    expect(formatMetricsTable(m).split('\n')).toHaveLength(6);
  });

  it('refuses mismatched inputs', () => {
    expect(() => computeMetrics(gold, pred.slice(1), ['edema'])).toThrow(/one set per report/);
  });
});

describe('buildValidationSet', () => {
  it('labels findings+impression, skips unindexed and empty reports, and scores uncertain by policy', () => {
    const reports = readIuReports(
      [
        'uid,MeSH,Problems,image,indication,comparison,findings,impression',
        '1,Cardiomegaly/mild,Cardiomegaly,,,,Mild cardiomegaly.,No acute disease.',
        '2,Pleural Effusion/left,Pleural Effusion,,,,Possible small left effusion.,',
        '3,No Indexing,No Indexing,,,,Clear lungs.,',
        '4,normal,normal,,,,,',
      ].join('\n'),
    );
    const strict = buildValidationSet(reports, labelReport, false);
    expect(strict.cases.map((c) => c.uid)).toEqual(['1', '2']);
    expect(strict.skippedNotIndexed).toBe(1);
    expect(strict.skippedNoText).toBe(1);
    expect([...strict.cases[0].predicted]).toEqual(['cardiomegaly']);
    expect([...strict.cases[1].predicted]).toEqual(['no_finding']);
    const lenient = buildValidationSet(reports, labelReport, true);
    expect([...lenient.cases[1].predicted]).toEqual(['pleural_effusion']);
    expect(predictedSet(labelReport('No effusion.').findings, true)).toEqual(new Set(['no_finding']));
  });
});
