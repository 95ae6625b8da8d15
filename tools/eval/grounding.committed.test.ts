// The committed model's word maps point: on the val split's JSRT nodules, the peak of the nodule sentence's map (or
// of the whole draft's, when it names no nodule) lies on the nodule far more often than a random cell does. A
// property of the trained towers (their own ImageNet MobileNetV2 eyes on a 16×16 grid): a retrained model must keep it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CXR_DIR } from '../cli/paths';
import { heatmapGrid } from '../../src/engine/manifest';
import { defaultModelDir } from '../../src/engine/node/defaultModelDir';
import { PointingTally, targetsFor } from './groundingRun';
import { loadRecordImage } from './images';
import { readManifest } from './manifest';
import { ModelRunner } from './modelRunner';

describe("the committed model's word maps", () => {
  it('point at JSRT nodules on the val split', async () => {
    const runner = await ModelRunner.open(defaultModelDir(), 'cpu', 'int8', 1);
    try {
      const grid = heatmapGrid(runner.manifest);
      expect(grid[0] * grid[1]).toBeGreaterThanOrEqual(256); // issue 11: at least a 16×16 grid
      const records = readManifest(path.join(CXR_DIR, 'manifest.jsonl')).filter((r) => r.split === 'val' && r.nodule);
      expect(records.length).toBeGreaterThan(15);
      const tally = new PointingTally();
      for (const rec of records) {
        const img = await loadRecordImage(CXR_DIR, rec, runner.manifest.preprocessing);
        const result = await runner.generate(img.pixels, rec.id);
        expect(result.heatmap.grid).toEqual(grid);
        tally.add(rec.id, result, targetsFor(rec, img.pre, img, grid), img.pre);
      }
      const s = tally.summary('jsrt_nodule');
      expect(s.n).toBe(records.length);
      expect(s.hit_rate).toBeGreaterThanOrEqual(0.2); // 6 of 19 when written; a random cell hits ~0.013
      expect(s.hit_rate).toBeGreaterThan(10 * s.random_hit_rate);
    } finally {
      await runner.dispose();
    }
  }, 180_000);
});
