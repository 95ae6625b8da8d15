// KvDecoder on a fused-prefix decoder (the tiny model's graph): the first call's cache becomes the shared prefix, the
// report's own cache starts empty, and a first call of several rows can be read but not continued.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KvDecoder } from './kvDecoder';
import type { ModelManifest } from './manifest';
import { loadOrtNode } from './node/nodeEngine';
import { ensureTinyModel } from './testing/tinyModel';

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
