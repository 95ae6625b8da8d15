import { describe, expect, it } from 'vitest';
import type { ManifestRecord } from './manifest';
import { SideTally, sideSummaries, sideVerdict, truthSides } from './sideTally';
import { labelReport } from '../../src/text/labeler';

const rec = (fields: Partial<ManifestRecord> & Pick<ManifestRecord, 'id' | 'source' | 'labels'>): ManifestRecord =>
  ({ image: 'x.png', split: 'test', width: 224, height: 224, ...fields }) as ManifestRecord;

const nodule = (position: string) => rec({ id: 'jsrt/J1', source: 'jsrt', labels: ['Nodule'], nodule: { x: 1600, y: 700, size_mm: 15, position } } as never);
const covid = rec({ id: 'covid_qu/C1', source: 'covid_qu', labels: ['COVID-19'] });
const normal = rec({ id: 'jsrt/N1', source: 'jsrt', labels: ['No Finding'] });

describe('the side tally', () => {
  it('reads the truth side from the source as the corpus composes it', () => {
    expect(truthSides(nodule('l.upper lobe(S1+2)'))).toEqual([{ finding: 'nodule', side: 'left', lobe: 'upper' }]);
    expect(truthSides(covid)).toEqual([{ finding: 'covid19_pattern', side: 'bilateral' }]);
    expect(truthSides(normal)).toEqual([]);
  });

  it('tells the right side, the wrong side, no side and no mention apart', () => {
    const truth = truthSides(nodule('r.upper lobe'))[0];
    const v = (text: string) => sideVerdict(truth, labelReport(text).mentions);
    expect(v('a pulmonary nodule is seen in the right upper lobe.')).toMatchObject({ verdict: 'right_side', lobe: true });
    expect(v('a pulmonary nodule is seen in the right lower lobe.')).toMatchObject({ verdict: 'right_side', lobe: false });
    expect(v('a pulmonary nodule is seen in the left lung.')).toMatchObject({ verdict: 'wrong_side', said: 'left' });
    expect(v('a pulmonary nodule is seen.').verdict).toBe('no_side');
    expect(v('no nodule in the right lung. the lungs are clear.').verdict).toBe('not_asserted');
  });

  it('counts per source and finding, wrong sides first among the examples', () => {
    const t = new SideTally();
    expect(t.add(nodule('r.upper lobe'), 'there is a nodule in the left lung.')).toEqual(['wrong_side']);
    t.add(nodule('l.lower lobe'), 'there is a nodule in the left lower lobe.');
    t.add(nodule('l.lower lobe'), 'there is a nodule.');
    t.add(covid, 'bilateral peripheral opacities consistent with covid-19 pneumonia.');
    t.add(normal, 'the lungs are clear.');
    const s = t.summary();
    expect(s.by_finding['jsrt:nodule']).toEqual({ n: 3, not_asserted: 0, no_side: 1, right_side: 1, wrong_side: 1, lobe_named: 1, lobe_right: 1 });
    expect(s.by_finding['covid_qu:covid19_pattern'].right_side).toBe(1);
    expect(s.wrong_share_of_sided).toBeCloseTo(1 / 3);
    expect(s.examples[0]).toEqual({ id: 'jsrt/J1', finding: 'nodule', truth: 'right upper', said: 'left', verdict: 'wrong_side' });
  });

  it('summarises each system over the same images and leaves out sets without a truth side', () => {
    const records = [nodule('r.upper lobe'), normal];
    const out = sideSummaries({ a: ['nodule in the right lung.', 'clear.'], b: ['nodule in the left lung.', 'clear.'], c: undefined }, records);
    expect(Object.keys(out)).toEqual(['a', 'b']);
    expect(out.a.by_finding['jsrt:nodule'].right_side).toBe(1);
    expect(out.b.by_finding['jsrt:nodule'].wrong_side).toBe(1);
    expect(sideSummaries({ a: ['clear.'] }, [normal])).toEqual({});
  });
});
