import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../bench/stats';
import { lateralityLine, sidesMarkdown, withInterval } from './evalMarkdown';

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
