import { describe, expect, it } from 'vitest';
import { quantile, spread } from './stats';

describe('stats', () => {
  it('interpolates quantiles', () => {
    // sorted 1,2,3,4,5: median index 2 → 3; p10 index 0.4 → 1.4; p90 index 3.6 → 4.6.
    expect(spread([5, 1, 4, 2, 3])).toEqual({ median: 3, p10: expect.closeTo(1.4, 10), p90: expect.closeTo(4.6, 10) });
    expect(quantile([7], 0.9)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
