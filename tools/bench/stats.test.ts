import { describe, expect, it } from 'vitest';
import { quantile, spread, wilsonInterval } from './stats';

describe('stats', () => {
  it('interpolates quantiles', () => {
    // sorted 1,2,3,4,5: median index 2 → 3; p10 index 0.4 → 1.4; p90 index 3.6 → 4.6.
    expect(spread([5, 1, 4, 2, 3])).toEqual({ median: 3, p10: expect.closeTo(1.4, 10), p90: expect.closeTo(4.6, 10) });
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('gives the Wilson 95 % interval of a rate: inside [0, 1], narrower with more targets, NaN without any', () => {
    const [lo, hi] = wilsonInterval(8, 35); // the JSRT pointing game of serpent-cxr 1.3.0
    expect(lo).toBeCloseTo(0.121, 3);
    expect(hi).toBeCloseTo(0.39, 3);
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBeCloseTo(0, 10);
    expect(hi0).toBeCloseTo(0.278, 3);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 10);
    const wide = wilsonInterval(8, 35);
    const narrow = wilsonInterval(80, 350);
    expect(narrow[1] - narrow[0]).toBeLessThan(wide[1] - wide[0]);
    expect(wilsonInterval(0, 0).every(Number.isNaN)).toBe(true);
  });
});
