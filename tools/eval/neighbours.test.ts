import { describe, expect, it } from 'vitest';
import { EmbeddingIndex } from './neighbours';
import { ProgressBar, formatDuration } from './progress';

describe('EmbeddingIndex', () => {
  it('finds the row with the largest cosine, ignoring scale', () => {
    const index = new EmbeddingIndex([Float32Array.from([1, 0]), Float32Array.from([10, 10]), Float32Array.from([0, -1])], 2);
    expect(index.nearest(Float32Array.from([1, 0.9]))).toEqual({ index: 1, cosine: expect.closeTo(1.9 / Math.SQRT2 / Math.hypot(1, 0.9), 6) });
    expect(index.nearest(Float32Array.from([0.1, -5])).index).toBe(2);
  });

  it('rejects vectors of the wrong width', () => {
    expect(() => new EmbeddingIndex([new Float32Array(3)], 2)).toThrow(RangeError);
  });
});

describe('ProgressBar', () => {
  it('shows count, rate and ETA from the elapsed time', () => {
    let t = 0;
    const lines: string[] = [];
    const bar = new ProgressBar('eval', 100, { write: (s: string) => lines.push(s), isTTY: false }, () => t);
    t = 4000;
    bar.tick(20); // 20 in 4 s → 5/s → 80 left → 16 s
    expect(bar.line()).toContain('20/100 5.0/s elapsed 4s ETA 16s');
    expect(lines.length).toBe(1);
    bar.tick(); // 21: same decile: no new line
    expect(lines.length).toBe(1);
    expect(formatDuration(125)).toBe('2m05s');
  });
});
