// Seeded pseudo-random numbers for report composition (mulberry32): the same seed gives the same corpus.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** Pick with probability proportional to weight. */
  pickWeighted<T>(items: readonly T[], weight: (item: T) => number): T;
  chance(p: number): boolean;
  shuffle<T>(items: readonly T[]): T[];
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(items.length)];
    },
    pickWeighted<T>(items: readonly T[], weight: (item: T) => number): T {
      if (items.length === 0) throw new RangeError('pickWeighted from an empty list');
      const total = items.reduce((s, x) => s + weight(x), 0);
      let r = next() * total;
      for (const x of items) {
        r -= weight(x);
        if (r < 0) return x;
      }
      return items[items.length - 1];
    },
    chance: (p: number): boolean => next() < p,
    shuffle<T>(items: readonly T[]): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}

/** A stable 32-bit seed for one item: hash of the corpus seed and a string key (FNV-1a). */
export function seedFor(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
