// Independent check of the resampler: Pillow's BILINEAR resize on float ('F') images uses the same
// antialiased tent filter, so both must agree to float precision. Runs Debian's /usr/bin/python3 (PIL).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resample } from './preprocess';

const PYTHON = '/usr/bin/python3';
const PIL_SCRIPT = `
import json, sys
import numpy as np
from PIL import Image
out = []
for c in json.load(sys.stdin):
    a = np.array(c['data'], dtype=np.float32).reshape(c['h'], c['w'])
    r = Image.fromarray(a, mode='F').resize((c['ow'], c['oh']), Image.BILINEAR, reducing_gap=None)
    out.append(np.asarray(r, dtype=np.float32).ravel().tolist())
json.dump(out, sys.stdout)
`;

describe('resample vs Pillow BILINEAR', () => {
  it('agrees on shrinking, enlarging and uneven ratios', () => {
    const cases = [
      [37, 53, 17, 29],
      [64, 64, 224, 224],
      [224, 224, 128, 128],
      [100, 70, 33, 23],
      [50, 40, 131, 97],
      [1024, 16, 224, 4],
    ];
    let seed = 3;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const inputs = cases.map(([w, h, ow, oh]) => ({ w, h, ow, oh, data: Array.from({ length: w * h }, random) }));
    const run = spawnSync(PYTHON, ['-c', PIL_SCRIPT], { input: JSON.stringify(inputs), encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(run.status, run.stderr).toBe(0);
    const expected = JSON.parse(run.stdout) as number[][];
    inputs.forEach(({ w, h, ow, oh, data }, k) => {
      const mine = resample(Float32Array.from(data), w, h, ow, oh);
      let worst = 0;
      for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i] - expected[k][i]));
      expect(worst, `${w}×${h} → ${ow}×${oh}`).toBeLessThan(1e-6);
    });
  });
});
