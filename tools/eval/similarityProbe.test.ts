import { describe, expect, it } from 'vitest';
import { auroc } from './similarityProbe';

describe('auroc', () => {
  it('is 1 when every positive scores above every negative, 0 when below', () => {
    expect(auroc([0.9, 0.8], [0.1, 0.2, 0.3])).toBe(1);
    expect(auroc([0.1], [0.5, 0.6])).toBe(0);
  });
  it('counts ties as half, so identical scores are chance', () => {
    expect(auroc([0.5, 0.5], [0.5, 0.5, 0.5])).toBe(0.5);
    expect(auroc([0.9, 0.4], [0.4, 0.1])).toBeCloseTo((2 + 1.5) / 4);
  });
  it('is NaN without both classes, so an empty probe is not read as a result', () => {
    expect(auroc([], [0.1])).toBeNaN();
    expect(auroc([0.1], [])).toBeNaN();
  });
});
