// The decode fuzz in CI: 1,200 mutated PNG, JPEG, TIFF and DICOM files (every transfer syntax) through the page's
// decoder, each in a worker thread with a 10 s limit. Every one must end in an image or a typed error.
import { describe, expect, it } from 'vitest';
import { decodeImageAsync } from '../src/image';
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

  it('a lossless JPEG whose header declares fewer bits than its samples hold is refused, not drawn off scale', async () => {
    // A fuzz finding (seed 3): a size-field mutation set the precision to 1 bit over 8-bit samples, and the image came
    // back with values up to 255 on a [0,1] scale.
    const seed = fuzzSeeds().find((s) => s.name === 'jpeg_lossless_sv1_12 as a plain .jpg')!;
    const bytes = seed.bytes.slice();
    const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc3);
    expect(sof).toBeGreaterThan(0);
    bytes[sof + 4] = 1; // P, the sample precision
    await expect(decodeImageAsync(bytes)).rejects.toThrow(/samples beyond its own 1 bits/);
  }, 120_000);

  it('HTJ2K streams that decode to samples beyond their own precision are refused, in a DICOM and in a plain file', async () => {
    // A fuzz finding: OpenJPH does not clamp, so a damaged stream gave samples above 4,095 that the DICOM path then
    // masked to Bits Stored, and the plain path drew at the wrong scale, both without a word.
    const seeds = fuzzSeeds();
    for (const name of ['htj2k_lossless_12.dcm', 'htj2k_lossless_12.j2c']) {
      const seed = seeds.find((s) => s.name === name);
      expect(seed, name).toBeDefined();
      let refused = 0;
      for (let k = 0; k < 40; k++) {
        await decodeImageAsync(mutate(seed!.bytes, 'duplicate-run', rng(k))).catch((err: Error) => {
          if (/samples beyond its own 12 bits/.test(err.message) && err.name === 'ImageCorruptError') refused++;
        });
      }
      expect(refused, name).toBeGreaterThan(0);
    }
  }, 120_000);
});
