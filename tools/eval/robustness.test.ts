import { describe, expect, it } from 'vitest';
import { stratifiedSubset } from './robustness';

describe('stratifiedSubset', () => {
  const items = [
    ...Array.from({ length: 80 }, (_, i) => ({ id: `a/${i}`, source: 'a' })),
    ...Array.from({ length: 20 }, (_, i) => ({ id: `b/${i}`, source: 'b' })),
    { id: 'c/0', source: 'c' },
  ];
  it('keeps source proportions, every source, and is deterministic', () => {
    const s = stratifiedSubset(items, 10);
    const count = (src: string) => s.filter((i) => items[i].source === src).length;
    expect([count('a'), count('b'), count('c')]).toEqual([8, 2, 1]);
    expect(stratifiedSubset(items, 10)).toEqual(s);
    expect(stratifiedSubset(items, 500)).toHaveLength(items.length);
    expect(stratifiedSubset(items, 0)).toEqual([]);
  });
});
