import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../bench/stats';
import { withInterval } from './evalMarkdown';

describe('evalMarkdown cells', () => {
  it('writes a hit rate with its Wilson interval, and the rate alone for results written before intervals', () => {
    expect(withInterval(8 / 35, wilsonInterval(8, 35))).toBe('0.229 (0.121–0.390)');
    expect(withInterval(0.5)).toBe('0.500');
    expect(withInterval(Number.NaN, wilsonInterval(0, 0))).toBe('–');
  });
});
