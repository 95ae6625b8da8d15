import { describe, expect, it } from 'vitest';
import { ModelManifestError } from './errors';
import { checkMirrorCheck, mirrorFixes, withMirrorFixes } from './mirrorCheck';
import type { OodResult } from './types';

const passed = { detector: { logits: [-3, -2, -4], threshold: 0 } };

describe('mirrorFixes', () => {
  it('offers the flip for a view above the threshold, with the logit it would have once flipped', () => {
    expect(mirrorFixes(Float32Array.of(2.5, 1, -4), 1.4, [{}, {}, {}], passed)).toEqual([{ view: 0, fix: 'flip', logit: -2.5 }]);
  });

  it('leaves out a lateral view (it faces either way) and a view the detector flags (it has its own words)', () => {
    const flagged = { detector: { logits: [-3, 5, -4], threshold: 0 } };
    const labels = [{ view: 'lateral' as const }, { view: 'frontal' as const }, { view: 'unknown' as const }];
    expect(mirrorFixes(Float32Array.of(3, 3, 3), 1.4, labels, flagged)).toEqual([{ view: 2, fix: 'flip', logit: -3 }]);
  });

  it('offers nothing without the check, or at the threshold itself', () => {
    expect(mirrorFixes(null, 1.4, [{}], passed)).toEqual([]);
    expect(mirrorFixes(Float32Array.of(1.4), 1.4, [{}], passed)).toEqual([]);
  });
});

describe('withMirrorFixes', () => {
  const ood: OodResult = {
    score: 10,
    threshold: 20,
    detector: passed.detector,
    warning: 'A note already there.',
    fixes: [{ view: 1, fix: 'turn_left', logit: -1 }],
  };

  it('adds the flip to the fixes and says why after the warnings there were, naming the view and the score', () => {
    const out = withMirrorFixes(ood, [{ view: 0, fix: 'flip', logit: -2.53 }], 1.38, [{ name: 'pa.png' }, {}], 2);
    expect(out.fixes).toEqual([...ood.fixes!, { view: 0, fix: 'flip', logit: -2.53 }]);
    expect(out.warning).toMatch(
      /^A note already there\. View 1 \(pa\.png\) looks mirrored: .*\(mirror check 2\.5 > 1\.4\)\..*flip it left to right and draft again\. If the patient has dextrocardia/,
    );
  });

  it('leaves the result as it was when no view looks mirrored', () => {
    expect(withMirrorFixes(ood, [], 1.38, [], 1)).toBe(ood);
  });
});

describe('checkMirrorCheck', () => {
  it('refuses an entry without a numeric threshold, saying which command writes it', () => {
    expect(() => checkMirrorCheck({ path: 'onnx/mirror_check.onnx', bytes: 1, sha256: 'ab' })).toThrow(ModelManifestError);
    expect(() => checkMirrorCheck({ path: 'onnx/mirror_check.onnx', bytes: 1, sha256: 'ab' })).toThrow(/npm run mirror-check -- --write/);
    expect(() => checkMirrorCheck({ path: 'onnx/mirror_check.onnx', bytes: 1, sha256: 'ab', threshold: 1.4 })).not.toThrow();
  });
});
