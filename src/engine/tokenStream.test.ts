import { describe, expect, it } from 'vitest';
import { throttledStream } from './tokenStream';

describe('throttledStream', () => {
  it('passes the first step at once, then at most one step per interval, and the last skipped step on flush', () => {
    let clock = 0;
    const seen: number[] = [];
    const stream = throttledStream(
      (n: number) => seen.push(n),
      100,
      () => clock,
    );
    for (let n = 0; n < 10; n++) {
      stream.step(n);
      clock += 30; // steps at t = 0, 30, 60, …, 270
    }
    expect(seen).toEqual([0, 4, 8]); // t = 0, 120, 240
    stream.flush();
    expect(seen).toEqual([0, 4, 8, 9]);
    stream.flush();
    expect(seen).toEqual([0, 4, 8, 9]); // nothing left to flush
  });

  it('flushes nothing when the last step was streamed, and passes every step when the interval is 0', () => {
    let clock = 0;
    const seen: number[] = [];
    const stream = throttledStream(
      (n: number) => seen.push(n),
      0,
      () => clock++,
    );
    for (let n = 0; n < 5; n++) stream.step(n);
    stream.flush();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});
