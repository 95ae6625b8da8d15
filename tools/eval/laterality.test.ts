import { describe, expect, it } from 'vitest';
import type { ReportResult } from '../../src/engine/types';
import type { TensorGeometry } from './grounding';
import { LateralityTally, namedSide, sentencePeak } from './laterality';

// grid 2×2, one view; cell 0 top-left, 3 bottom-right of the image as displayed.
function report(sentences: Array<[string, number]>): ReportResult {
  const tokens = sentences.flatMap(([text], s) => text.split(' ').map((w) => ({ text: w, sentence: s })));
  const maps = sentences.flatMap(([, cell]) => [0, 1, 2, 3].map((c) => (c === cell ? 1 : 0)));
  return {
    tokens,
    heatmap: { grid: [2, 2], views: 1, values: new Float32Array(tokens.length * 4) },
    sentenceHeatmaps: Float32Array.from(maps),
  } as unknown as ReportResult;
}
const geom: TensorGeometry = { size: 128, scale: 1, offsetX: 0, offsetY: 0, resizedWidth: 128, resizedHeight: 128 };

describe('laterality of sentence heatmaps', () => {
  it('reads one named side', () => {
    expect(namedSide('Small left pleural effusion.')).toBe('left');
    expect(namedSide('Nodule in the right upper lobe.')).toBe('right');
    expect(namedSide('Bilateral pleural effusions.')).toBeNull();
    expect(namedSide('Left and right lower lobe opacities.')).toBeNull();
    expect(namedSide('The heart is normal.')).toBeNull();
  });

  it('places a peak within the content area, letterboxing removed', () => {
    const r = report([['small left pleural effusion .', 3]]);
    expect(sentencePeak(r, 0, geom)).toEqual({ x: 0.75, y: 0.75 });
    // a portrait film letterboxed to the middle half: cell 3's centre (96 px) is its right edge
    expect(sentencePeak(r, 0, { ...geom, offsetX: 32, resizedWidth: 64 }).x).toBe(1);
  });

  it("scores the patient's side: the image's right half is the patient's left", () => {
    const tally = new LateralityTally();
    tally.add(
      'a',
      report([
        ['small left pleural effusion .', 3],
        ['there is a right upper lobe nodule .', 1],
      ]),
      geom,
    );
    tally.add(
      'b',
      report([
        ['right pleural effusion .', 0],
        ['no pneumothorax .', 2],
      ]),
      geom,
    );
    const s = tally.summary();
    expect(s.n).toBe(3);
    expect(s.side_agreement).toBeCloseTo(2 / 3); // a's effusion (cell 3) and b's effusion (cell 0) agree; a's nodule (cell 1, image right) does not
    expect(s.by_finding.pleural_effusion).toEqual({ n: 2, side_agreement: 1 });
    expect(s.by_finding.nodule).toEqual({ n: 1, side_agreement: 0 });
    expect(s.effusion).toMatchObject({ n: 2, lower_half: 0.5, side_agreement: 1 });
    expect(s.effusion.examples).toEqual([
      { id: 'a', side: 'left', peak: { x: 0.75, y: 0.75 } },
      { id: 'b', side: 'right', peak: { x: 0.25, y: 0.25 } },
    ]);
    expect(s.examples[0]).toEqual({ id: 'a', finding: 'pleural_effusion', side: 'left', peak: { x: 0.75, y: 0.75 }, agrees: true });
  });
});
