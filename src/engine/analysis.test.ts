// Heatmaps, report token layout and the OOD score on hand-built vectors with known answers.
import { describe, expect, it } from 'vitest';
import { sentenceHeatmaps, tokenHeatmaps } from './heatmap';
import { checkOod, colourWarning, diagMahalanobis } from './ood';
import { layoutReportTokens } from './reportTokens';

const f = (...v: number[]) => Float32Array.from(v);

describe('tokenHeatmaps', () => {
  // E = 2, grid 1×2 (N = 2), two views.
  const view0 = f(1, 0, /* patch 1 */ 0, 1);
  const view1 = f(-1, 0, /* */ 1, 1);
  const pImg = f(1, 1);
  const tokens = [f(2, 0), f(0, 3)];
  const { heatmap, grounding } = tokenHeatmaps(tokens, [view0, view1], pImg, [1, 2]);

  it('gives cos(e_t, patch_n) per token and view, token-major', () => {
    expect(heatmap.views).toBe(2);
    const s = Math.SQRT1_2;
    const expected = [1, 0, -1, s, /* token 1 */ 0, 1, 0, s];
    Array.from(heatmap.values).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('gives grounding cos(e_t, p_img)', () => {
    expect(grounding[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(grounding[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('averages the token maps of each sentence', () => {
    const s = sentenceHeatmaps(heatmap, [0, 0], 1);
    expect(Array.from(s).map((v) => +v.toFixed(4))).toEqual([0.5, 0.5, -0.5, +Math.SQRT1_2.toFixed(4)]);
  });

  it('rejects patch embeddings that do not match the grid', () => {
    expect(() => tokenHeatmaps(tokens, [f(1, 2, 3)], pImg, [1, 2])).toThrow(/expected 2×2/);
  });
});

describe('layoutReportTokens', () => {
  const vocab: Record<number, string> = { 2: '[EOS]', 4: '[SEP]', 10: 'heart', 11: 'normal', 12: '.', 13: 'lungs', 14: 'clear', 15: 'no', 16: 'disease' };
  const texts = { tokenOf: (id: number) => vocab[id] };
  it('drops SEP and EOS, numbers sentences across sections and pairs each token with its embedding', () => {
    const ids = [10, 11, 12, 13, 14, 4, 15, 16, 12, 2];
    const embeds = ids.slice(0, -1).map((id) => f(id));
    const r = layoutReportTokens(ids, embeds, texts, { eos: 2, sep: 4 });
    expect(r.tokens.map((t) => `${t.text}/${t.sentence}/${t.section[0]}`)).toEqual([
      'heart/0/f',
      'normal/0/f',
      './0/f',
      'lungs/1/f',
      'clear/1/f',
      'no/2/i',
      'disease/2/i',
      './2/i',
    ]);
    expect(r.sentences).toBe(3);
    expect(r.embeds.map((e) => e[0])).toEqual([10, 11, 12, 13, 14, 15, 16, 12]);
  });
});

describe('ood', () => {
  it('is the diagonal Mahalanobis distance', () => {
    expect(diagMahalanobis(f(3, 0), [1, 0], [4, 1])).toBeCloseTo(1, 6);
    expect(diagMahalanobis(f(1, 2), [1, 0], [1, 1])).toBeCloseTo(2, 6);
  });

  it('warns, with both numbers, only above the threshold', () => {
    const stats = { score: 'diag_mahalanobis' as const, mean: [0, 0], var: [1, 1], threshold: 2 };
    expect(checkOod(f(1, 0), stats).warning).toBeNull();
    const r = checkOod(f(3, 4), stats);
    expect(r.score).toBeCloseTo(5, 6);
    expect(r.warning).toMatch(/score 5\.0 > 2\.0/);
    expect(r.warning).toMatch(/check the image is a frontal chest X-ray/);
  });

  const withDetector = {
    score: 'diag_mahalanobis' as const,
    mean: [0, 0],
    var: [1, 1],
    threshold: 2,
    detector: { path: 'onnx/ood_detector.onnx', bytes: 1, sha256: '0', threshold: -0.5 },
  };

  it('reports the detector per view and warns, naming the view, when any view is above its threshold', () => {
    const quiet = checkOod(f(1, 0), withDetector, Float32Array.of(-3, -1), [{ name: 'pa.png' }, { name: 'lat.png' }]);
    expect(quiet.detector).toEqual({ logits: [-3, -1], threshold: -0.5 });
    expect(quiet.warning).toBeNull();
    const one = checkOod(f(1, 0), withDetector, Float32Array.of(-3, 4.25), [{ name: 'pa.png' }, { name: 'lat.png' }]);
    expect(one.warning).toMatch(/^View 2 \(lat\.png\) does not look like a frontal chest radiograph \(detector score 4\.3 > -0\.5\)/);
    expect(one.warning).toMatch(/use a frontal \(PA or AP\) chest X-ray/);
    expect(one.warning).not.toMatch(/pa\.png/);
    const single = checkOod(f(1, 0), withDetector, Float32Array.of(0), [{ name: 'letter.png' }]);
    expect(single.warning).toMatch(/^This image \(letter\.png\) does not look like/);
    expect(single.warning).not.toMatch(/frontal views only/);
    const lateral = checkOod(f(1, 0), withDetector, Float32Array.of(-3, 2), [
      { name: 'pa.png', view: 'frontal' },
      { name: 'lat.png', view: 'lateral' },
    ]);
    expect(lateral.warning).toMatch(/View 2 \(lat\.png\).*trained on frontal views only: open the frontal image on its own/);
  });

  it('scores the film inside a blank border too, and says part of the chest may be missing when only it fails', () => {
    const halfGone = { blankShare: 0.5, edges: ['right' as const], bands: { top: 0, bottom: 0, left: 0, right: 0.5 } };
    const labels = [{ name: 'pa.png', inside: halfGone }];
    const partial = checkOod(f(1, 0), withDetector, Float32Array.of(-2), labels, Float32Array.of(3.5));
    expect(partial.detector).toEqual({ logits: [3.5], threshold: -0.5 }); // the higher of the two: the page withholds it
    expect(partial.warning).toMatch(/^This image \(pa\.png\) is 50 % blank \(one flat grey value, along its right edge\)/);
    expect(partial.warning).toMatch(/detector score 3\.5 > -0\.5\): part of the chest may be cut off or missing.*use the complete radiograph/);
    const square = { blankShare: 0.5, edges: ['top' as const, 'bottom' as const], bands: { top: 0.25, bottom: 0.25, left: 0, right: 0 } };
    const padded = checkOod(f(1, 0), withDetector, Float32Array.of(-2), [{ name: 'pa.png', inside: square }], Float32Array.of(-4)); // a whole chest, padded
    expect(padded.detector?.logits).toEqual([-2]);
    expect(padded.warning).toBeNull();
    // the same film inside, but the blank is all on one side: a note (the draft is shown), not a flag
    const short = checkOod(f(1, 0), withDetector, Float32Array.of(-2), labels, Float32Array.of(-4));
    expect(short.detector?.logits).toEqual([-2]);
    expect(short.warning).toMatch(
      /^This image \(pa\.png\) is blank along its right edge for 50 % of its width, and not along the opposite one.*Check that the whole chest/,
    );
    const noBorder = checkOod(f(1, 0), withDetector, Float32Array.of(-2, -3), [{ name: 'a.png' }, { name: 'b.png' }], Float32Array.of(Number.NaN, Number.NaN));
    expect(noBorder.detector?.logits).toEqual([-2, -3]);
    const both = checkOod(f(1, 0), withDetector, Float32Array.of(2), labels, Float32Array.of(3.5)); // the whole image fails on its own
    expect(both.warning).toMatch(/^This image \(pa\.png\) does not look like a frontal chest radiograph \(detector score 3\.5/);
  });

  it('falls back to the embedding distance when the detector passes the image or the folder has none', () => {
    const far = f(3, 4);
    expect(checkOod(far, withDetector, Float32Array.of(-3)).warning).toMatch(/score 5\.0 > 2\.0/);
    const noDetector = checkOod(far, { ...withDetector, detector: undefined }, null);
    expect(noDetector.detector).toBeNull();
    expect(noDetector.warning).toMatch(/score 5\.0 > 2\.0/);
    const detectorBoth = checkOod(far, withDetector, Float32Array.of(1));
    expect(detectorBoth.warning).toMatch(/detector score 1\.0/);
  });

  it('says what to do about a colour image', () => {
    expect(colourWarning('cat.jpg')).toMatch(/cat\.jpg is in colour.*not a photo/);
  });
});
