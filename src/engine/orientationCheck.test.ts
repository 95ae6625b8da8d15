import { describe, expect, it } from 'vitest';
import { turnPixels } from '../image';
import { findFixes, fixedTensor, withFixes } from './orientationCheck';
import type { ImageTensor, OodResult } from './types';

const pre = { image_size: 4, pixel_mean: 0.5, pixel_std: 0.25 };
const S = 4;
const view = (data: number[], content?: ImageTensor['content']): ImageTensor => ({ data: Float32Array.from(data), size: S, content });

describe('fixedTensor', () => {
  const data = Array.from({ length: 16 }, (_, i) => i / 8 - 1);
  it('turns the S×S tensor as turnPixels does', () => {
    expect(fixedTensor(view(data), 'turn_right', pre)).toEqual(turnPixels(Float32Array.from(data), S, S, 'turn_right').data);
  });

  it("inverts the film's greys (unit u → 1 − u) inside its content and leaves the black padding black", () => {
    const padded = view(data, { x: 0, y: 1, width: 4, height: 2 }); // rows 0 and 3 are padding
    const out = fixedTensor(padded, 'invert', pre);
    const unit = (v: number) => v * pre.pixel_std + pre.pixel_mean;
    for (let i = 4; i < 12; i++) expect(unit(out[i])).toBeCloseTo(1 - unit(data[i]), 6);
    for (const i of [0, 3, 12, 15]) expect(out[i]).toBe(Float32Array.from(data)[i]);
    expect(fixedTensor(view(data), 'invert', { ...pre, pixel_mean: 0.3, pixel_std: 0.2 })[5]).toBeCloseTo((1 - (data[5] * 0.2 + 0.3) - 0.3) / 0.2, 5);
  });
});

describe('findFixes', () => {
  const threshold = -1;
  // a fake detector: scores each tensor by its first value, so the test sets which correction passes
  const detect = async (tensors: Float32Array[]) => Float32Array.from(tensors, (t) => t[0]);
  const marked = (firstAfter: Record<string, number>) => {
    // a tensor whose first value after each correction is firstAfter[fix]: corners hold the turns' values
    const d = new Array(16).fill(5);
    d[0] = 5; // as given: flagged (inverted: −5, as the mean is ½)
    d[12] = firstAfter.turn_right; // a right turn brings the bottom-left corner to the top-left
    d[3] = firstAfter.turn_left;
    d[15] = firstAfter.turn_half;
    return view(d);
  };

  it('offers the correction with the lowest score, when it is below the threshold', async () => {
    const im = marked({ turn_right: 0, turn_left: -3, turn_half: -2 });
    const fixes = await findFixes([im], Float32Array.of(5), threshold, pre, detect);
    // inverting with mean ½ negates the normalised values: the first value 5 becomes −5, the lowest of all
    expect(fixes).toEqual([{ view: 0, fix: 'invert', logit: -5 }]);
    const noInvert = await findFixes([im], Float32Array.of(5), threshold, pre, async (t) => Float32Array.from(t, (x, k) => (k === 3 ? 9 : x[0])));
    expect(noInvert).toEqual([{ view: 0, fix: 'turn_left', logit: -3 }]);
  });

  it('offers nothing when no correction passes, and looks only at views flagged as given', async () => {
    const im = marked({ turn_right: 2, turn_left: 3, turn_half: 4 });
    expect(await findFixes([im], Float32Array.of(5), threshold, pre, async (t) => Float32Array.from(t, () => 0))).toEqual([]);
    let asked = 0;
    const counting = async (t: Float32Array[]) => {
      asked += t.length;
      return detect(t);
    };
    expect(await findFixes([im, im], Float32Array.of(-4, 5), threshold, pre, counting)).toEqual([{ view: 1, fix: 'invert', logit: -5 }]);
    expect(asked).toBe(4); // the four corrections of view 2 only
    expect(await findFixes([im], null, threshold, pre, detect)).toEqual([]);
  });
});

describe('withFixes', () => {
  const ood: OodResult = { score: 0, threshold: 9, detector: { logits: [6.2], threshold: -0.9 }, warning: 'does not look like a frontal chest radiograph' };
  it('says what to do in place of the general words when every flagged view has a fix', () => {
    const r = withFixes(ood, [{ view: 0, fix: 'turn_right', logit: -3.1 }], [{ name: 'side.png' }]);
    expect(r.fixes).toHaveLength(1);
    expect(r.warning).toMatch(/^This image \(side\.png\) looks like a frontal chest radiograph lying on its side: turn it a quarter turn clockwise/);
    expect(r.warning).toMatch(/score -3\.1 ≤ -0\.9; as given, 6\.2\)\. The draft as given is unreliable/);
    expect(withFixes(ood, [], [])).toBe(ood);
  });

  it('keeps the general words for a flagged view without a fix, and adds the fix of the other', () => {
    const two: OodResult = { ...ood, detector: { logits: [6.2, 4], threshold: -0.9 } };
    const r = withFixes(two, [{ view: 1, fix: 'invert', logit: -2 }], [{ name: 'a.png' }, { name: 'b.png' }]);
    expect(r.warning).toMatch(/^does not look like a frontal chest radiograph View 2 \(b\.png\) looks like .* greys inverted/);
  });
});
