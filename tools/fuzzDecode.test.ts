// The decode fuzz in CI: 1,200 mutated PNG, JPEG and DICOM files (every transfer syntax) through the page's
// decoder, each in a worker thread with a 10 s limit. Every one must end in an image or a typed error.
import { describe, expect, it } from 'vitest';
import { fuzzSeeds } from './fuzzDecode';
import { runFuzz } from './fuzz/run';
import { MUTATIONS, mutate, rng } from './fuzz/mutate';

describe('decode fuzz', () => {
  it('mutations are deterministic and change the file', () => {
    const src = Uint8Array.from({ length: 2000 }, (_, i) => i % 251);
    for (const m of MUTATIONS) {
      const a = mutate(src, m, rng(5));
      expect(a, m).toEqual(mutate(src, m, rng(5)));
      expect(a.length !== src.length || a.some((v, i) => v !== src[i]), m).toBe(true);
    }
  });

  it('1,200 mutated files each end in an image or a typed error, none crash or hang', async () => {
    const seeds = fuzzSeeds();
    const perSeed = Math.ceil(1200 / seeds.length);
    const result = await runFuzz(seeds, perSeed, { timeoutMs: 10_000, seed: 2 });
    expect(result.files).toBeGreaterThanOrEqual(1200);
    expect(result.failures).toEqual([]);
    for (const c of Object.values(result.counts)) {
      expect(c.image).toBeGreaterThan(0); // some mutations leave a decodable image …
      expect(c['typed-error']).toBeGreaterThan(0); // … and some a typed error
    }
  }, 300_000);
});
