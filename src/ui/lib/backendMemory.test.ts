import { describe, expect, it } from 'vitest';
import type { BackendTimings } from '../../engine/backendTiming';
import { BACKEND_TIMINGS_KEY, forgetTimings, readRememberedTimings, rememberTimings } from './backendMemory';

function memoryStore(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

const timings = (key: string, day: number): BackendTimings => ({
  key,
  msPerStep: { webgpu: 12, wasm: 2 },
  chosen: 'wasm',
  rows: 3,
  measuredAt: `2026-11-${String(day).padStart(2, '0')}T10:00:00Z`,
});

describe('remembered backend timings', () => {
  it('round-trips by key and forgets one key', () => {
    const store = memoryStore();
    rememberTimings(timings('gpu A | m@1 | int8', 1), store);
    rememberTimings(timings('gpu B | m@1 | int8', 2), store);
    expect(Object.keys(readRememberedTimings(store)).sort()).toEqual(['gpu A | m@1 | int8', 'gpu B | m@1 | int8']);
    forgetTimings('gpu A | m@1 | int8', store);
    expect(Object.keys(readRememberedTimings(store))).toEqual(['gpu B | m@1 | int8']);
  });

  it('keeps the 8 newest entries', () => {
    const store = memoryStore();
    for (let d = 1; d <= 10; d++) rememberTimings(timings(`k${d}`, d), store);
    const kept = Object.keys(readRememberedTimings(store)).sort();
    expect(kept).toHaveLength(8);
    expect(kept).not.toContain('k1');
    expect(kept).not.toContain('k2');
  });

  it('reads nothing from garbage, entries of the wrong shape, or no storage at all', () => {
    expect(readRememberedTimings(memoryStore({ [BACKEND_TIMINGS_KEY]: '{not json' }))).toEqual({});
    const odd = { a: { key: 'a', chosen: 'cpu', msPerStep: {}, measuredAt: 'x' }, b: timings('other', 3) };
    expect(readRememberedTimings(memoryStore({ [BACKEND_TIMINGS_KEY]: JSON.stringify(odd) }))).toEqual({});
    expect(readRememberedTimings(null)).toEqual({});
    expect(() => rememberTimings(timings('k', 1), null)).not.toThrow();
  });
});
