import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../bench/stats';
import { comparisonsMarkdown, shareWithInterval, signed } from './comparisonMarkdown';
import { lateralityLine, notReadMarkdown, secondLookMarkdown, sidesMarkdown, withInterval } from './evalMarkdown';

describe('evalMarkdown cells', () => {
  it('writes a hit rate with its Wilson interval, and the rate alone for results written before intervals', () => {
    expect(withInterval(8 / 35, wilsonInterval(8, 35))).toBe('0.229 (0.121–0.390)');
    expect(withInterval(0.5)).toBe('0.500');
    expect(withInterval(Number.NaN, wilsonInterval(0, 0))).toBe('–');
  });
});

describe('evalMarkdown side and laterality lines', () => {
  const counts = { n: 16, not_asserted: 6, no_side: 2, right_side: 3, wrong_side: 5, lobe_named: 3, lobe_right: 1 };
  it('writes one row per system and source: finding, and nothing without a truth side', () => {
    const [heading, table] = sidesMarkdown({ serpent: { by_finding: { 'jsrt:nodule': counts }, wrong_share_of_sided: 5 / 8, examples: [] } });
    expect(heading).toMatch(/^### Where the report puts it/);
    expect(table).toContain('| serpent | jsrt:nodule | 16 | 6 | 2 | 3 | 5 | 1 of 3 |');
    expect(sidesMarkdown({})).toEqual([]);
  });

  it('says plainly when no sentence names a side instead of an empty agreement', () => {
    const none = {
      n: 0,
      side_agreement: Number.NaN,
      by_finding: {},
      effusion: { n: 0, lower_half: Number.NaN, side_agreement: Number.NaN, examples: [] },
      examples: [],
    };
    expect(lateralityLine('test', none)).toBe(
      "Laterality (every test image, serpent's reports): no positive sentence names one side, so no heatmap peak is checked against a named side.",
    );
    const some = { ...none, n: 4, side_agreement: 0.75, by_finding: { nodule: { n: 4, side_agreement: 0.75 } } };
    expect(lateralityLine('val', some)).toMatch(/of 4 positive sentences .* for 0\.750 \(chance 0\.5; nodule 0\.750 of 4\)/);
  });
});

describe('evalMarkdown paired comparisons', () => {
  const comparison = {
    a: 'serpent',
    b: 'serpent_no_rerank',
    n: 1486,
    resamples: 2000,
    seed: 1,
    micro_f1: { a: 0.91, b: 0.9107, diff: { estimate: -0.0007, lo: -0.0068, hi: 0.0058 }, share_a_not_below: 0.421 },
    hallucination_rate: { a: 0.028, b: 0.041, diff: { estimate: -0.013, lo: -0.02, hi: -0.007 }, ratio: { estimate: 0.67, lo: 0.55, hi: 0.8 } },
    omission_rate: { a: 0.097, b: 0.081, diff: { estimate: 0.0155, lo: 0.0087, hi: 0.0229 } },
  };
  it('writes each pair with signed differences and their ranges, and nothing for results without comparisons', () => {
    const [heading, note, table] = comparisonsMarkdown([comparison]);
    expect(heading).toMatch(/^### Paired differences/);
    expect(note).toContain('2,000 resamples');
    expect(table).toContain(
      '| serpent | serpent_no_rerank | 0.910 / 0.911 | −0.0007 (−0.0068 to +0.0058) | 0.421 | 0.028 / 0.041 | 0.67 (0.55 to 0.80) | +0.0155 (+0.0087 to +0.0229) |',
    );
    expect(comparisonsMarkdown([])).toEqual([]);
    expect(signed(0)).toBe('0.0000');
    expect(signed(-0.00001)).toBe('0.0000');
  });

  it("gives the rerank's changed share its Wilson interval", () => {
    expect(shareWithInterval(70 / 1486, 1486)).toBe('4.7% (Wilson 95 %: 3.7–5.9%)');
  });
});

describe('evalMarkdown second look', () => {
  it('writes one row per source and one for all, with the rule in the heading and a dash for a share of nothing', () => {
    const none = {
      n: 20,
      films_flagged: 0,
      findings_flagged: 0,
      share_present: Number.NaN,
      films_with_map: 0,
      map_present: 0,
      votes_dropped: 0,
      votes_dropped_flagged: 0,
    };
    const some = {
      n: 98,
      films_flagged: 7,
      findings_flagged: 9,
      share_present: 4 / 9,
      films_with_map: 2,
      map_present: 1,
      votes_dropped: 5,
      votes_dropped_flagged: 3,
    };
    const [heading, table] = secondLookMarkdown({ rule: { min_draws: 2, min_reader: 0.25 }, all: { ...some, n: 118 }, by_source: { jsrt: none, nih64: some } });
    expect(heading).toContain('2 or more draws assert or the finding reader gives 0.25 or more');
    expect(table).toContain('| jsrt | 20 | 0 | 0 | – | 0 | 0 | 0 of 0 |');
    expect(table).toContain('| nih64 | 98 | 7 | 9 | 0.444 | 2 | 1 | 3 of 5 |');
    expect(table).toContain('| all | 118 | 7 | 9 | 0.444 | 2 | 1 | 3 of 5 |');
  });
});

describe('evalMarkdown not read', () => {
  it('writes the drafts marked per source and the unassessed findings with what was found', () => {
    const [heading, bySource, byFinding] = notReadMarkdown({
      measured_on: 'val',
      assessed: ['consolidation', 'pneumonia'],
      all: { n: 30, drafts_marked: 29, sentences: 58 },
      by_source: { jsrt: { n: 10, drafts_marked: 10, sentences: 20 }, kermany: { n: 20, drafts_marked: 19, sentences: 38 } },
      by_finding: { pneumothorax: { positives: 8, recalled: 0, ruled_out: 30 } },
    });
    expect(heading).toContain('its val drafts were not shown to find; assessed: consolidation, pneumonia');
    expect(bySource).toContain('| kermany | 20 | 19 | 0.950 | 38 |');
    expect(bySource).toContain('| all | 30 | 29 | 0.967 | 58 |');
    expect(byFinding).toContain('| pneumothorax | 8 | 0 | 30 |');
  });
});
