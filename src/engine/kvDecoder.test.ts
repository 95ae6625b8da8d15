// KvDecoder on a fused-prefix decoder (the tiny model's graph): the first call's cache becomes the shared prefix, the
// report's own cache starts empty, and a first call of several rows can be read but not continued. With the cache kept
// in JS (new.* fetched instead of present.*), steps give the same logits as with present.* fed back.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendCacheRows, KvDecoder } from './kvDecoder';
import type { ModelManifest } from './manifest';
import { loadOrtNode } from './node/nodeEngine';
import { ensureTinyModel } from './testing/tinyModel';
import type { Session } from './sessions';

describe('appendCacheRows', () => {
  // past [rows 2, H 2, t 2, Dh 1]: value = 100·row + 10·head + position
  const past = Float32Array.from([0, 1, 10, 11, 100, 101, 110, 111]);
  it("puts each row's parent's cache before its new entries", () => {
    const fresh = Float32Array.from([-1, -2, -3, -4, -5, -6]); // [B 3, H 2, T 1, Dh 1]
    const out = new Float32Array(3 * 2 * 3);
    appendCacheRows(past, [2, 2, 2, 1], [1, 0, 1], fresh, 1, out);
    expect([...out]).toEqual([100, 101, -1, 110, 111, -2, 0, 1, -3, 10, 11, -4, 100, 101, -5, 110, 111, -6]);
  });
  it('starts from an empty cache, and refuses a parent that is not a row or a wrong size', () => {
    const out = new Float32Array(2 * 2);
    appendCacheRows(new Float32Array(0), [1, 2, 0, 1], [0, 0], Float32Array.from([1, 2, 3, 4]), 1, out);
    expect([...out]).toEqual([1, 2, 3, 4]);
    expect(() => appendCacheRows(past, [2, 2, 2, 1], [2], new Float32Array(2), 1, new Float32Array(6))).toThrow(/parent 2/);
    expect(() => appendCacheRows(past, [2, 2, 2, 1], [0], new Float32Array(2), 1, new Float32Array(5))).toThrow(RangeError);
  });
});

describe('KvDecoder with a shared image prefix', () => {
  it('caches the prefix once, and refuses to continue a several-row first call', async () => {
    const dir = ensureTinyModel();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    const arch = manifest.architecture;
    expect(arch.decoder_graph).toBe('fused-prefix');
    const ort = await loadOrtNode();
    const session = await ort.InferenceSession.create(readFileSync(path.join(dir, manifest.files.fp32!.decoder_model_merged.path)));
    const D = arch.d_model;
    const T = arch.n_image_tokens + 1;
    const embeds = (rows: number, t: number) => Float32Array.from({ length: rows * t * D }, (_, i) => Math.sin(i / 5));
    const kv = new KvDecoder(ort, session, arch);
    try {
      expect(kv.sharedPrefix).toBe(true);
      const first = await kv.start(embeds(1, T), [1, T, D]);
      expect(first.logits.dims).toEqual([1, T, arch.vocab_size]);
      const step = await kv.step(embeds(3, 1), [3, 1, D], [0, 0, 0]); // one prefix row feeds three beams
      expect(step.logits.dims).toEqual([3, 1, arch.vocab_size]);
      const second = await kv.step(embeds(3, 1), [3, 1, D], [2, 0, 1]); // reordered: the report cache follows
      expect(second.logits.dims).toEqual([3, 1, arch.vocab_size]);
      const whole = await kv.start(embeds(2, T), [2, T, D]); // two whole sequences at once (the bench's no-cache loop)
      expect(whole.logits.dims).toEqual([2, T, arch.vocab_size]);
      await expect(kv.step(embeds(2, 1), [2, 1, D], [0, 1])).rejects.toThrow(RangeError);
      expect(kv.stats.prefix_rows).toBe(3);
      expect(kv.stats.token_rows).toBe(6);
    } finally {
      kv.dispose();
      await session.release();
    }
  });
});

describe('KvDecoder keeping the report cache in JS', () => {
  it('fetches new.* instead of present.* and gives the same logits, step after reordered step', async () => {
    const dir = ensureTinyModel();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    const arch = manifest.architecture;
    const ort = await loadOrtNode();
    const session = await ort.InferenceSession.create(readFileSync(path.join(dir, manifest.files.fp32!.decoder_model_merged.path)));
    const fetched: string[][] = [];
    const spy = new Proxy(session, {
      get: (target, key) =>
        key === 'run'
          ? (feeds: Parameters<Session['run']>[0], fetches: string[]) => {
              fetched.push(fetches);
              return target.run(feeds, fetches);
            }
          : Reflect.get(target, key),
    });
    const D = arch.d_model;
    const T = arch.n_image_tokens + 1;
    const embeds = (rows: number, t: number, seed: number) => Float32Array.from({ length: rows * t * D }, (_, i) => Math.sin(i / 5 + seed));
    const inJs = new KvDecoder(ort, spy, arch);
    const fedBack = new KvDecoder(ort, session, arch, { cacheInJs: false });
    try {
      expect(inJs.cacheInJs).toBe(true);
      expect(fedBack.cacheInJs).toBe(false);
      const logits = async (call: Promise<{ logits: { getData(): Promise<unknown> } }>) => [...((await (await call).logits.getData()) as Float32Array)];
      expect(await logits(inJs.start(embeds(1, T, 0), [1, T, D]))).toEqual(await logits(fedBack.start(embeds(1, T, 0), [1, T, D])));
      const steps: [number, number[]][] = [
        [3, [0, 0, 0]],
        [3, [2, 0, 1]],
        [3, [1, 1, 0]],
        [2, [2, 0]], // a row dropped (a finished sample)
      ];
      for (const [i, [rows, parents]] of steps.entries()) {
        const a = await logits(inJs.step(embeds(rows, 1, i + 1), [rows, 1, D], parents));
        const b = await logits(fedBack.step(embeds(rows, 1, i + 1), [rows, 1, D], parents));
        expect(a).toEqual(b);
      }
      const present = new Set([...inJs.names.presentKeys, ...inJs.names.presentValues]);
      expect(fetched[0].some((f) => present.has(f))).toBe(true); // the first call returns the prefix's cache
      for (const f of fetched.slice(1)) {
        expect(f.some((o) => present.has(o))).toBe(false);
        expect(f).toEqual(expect.arrayContaining([...inJs.names.newKeys, ...inJs.names.newValues]));
      }
    } finally {
      inJs.dispose();
      fedBack.dispose();
      await session.release();
    }
  });
});
