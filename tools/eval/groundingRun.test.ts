import { describe, expect, it } from 'vitest';
import type { ReportResult } from '../../src/engine/types';
import { findingHeatmap, PointingTally, sentenceTexts, targetsFor } from './groundingRun';
import type { TensorGeometry } from './grounding';

const words0 = ['heart', 'size', 'is', 'normal', '.'];
const words1 = ['there', 'is', 'a', 'right', 'upper', 'lobe', 'nodule', '.'];
// grid 2×2, one view: sentence 0 points at cell 0, sentence 1 at cell 3; token maps all point at cell 1.
const result = {
  tokens: [...words0.map((text) => ({ text, sentence: 0 })), ...words1.map((text) => ({ text, sentence: 1 }))],
  heatmap: { grid: [2, 2], views: 1, values: Float32Array.from({ length: 13 * 4 }, (_, i) => (i % 4 === 1 ? 1 : 0)) },
  sentenceHeatmaps: Float32Array.from([1, 0, 0, 0, 0, 0, 0, 1]),
} as unknown as ReportResult;
const geom: TensorGeometry = { size: 128, scale: 128 / 224, offsetX: 0, offsetY: 0, resizedWidth: 128, resizedHeight: 128 };

describe('finding heatmaps', () => {
  it('uses the sentences that assert the finding', () => {
    expect(sentenceTexts(result)).toEqual(['heart size is normal .', 'there is a right upper lobe nodule .']);
    expect(findingHeatmap(result, ['nodule'])).toEqual({ heat: Float32Array.from([0, 0, 0, 1]), mentioned: true, source: 'sentences' });
    expect(findingHeatmap(result, ['lung_lesion']).mentioned).toBe(true); // a nodule is a lung lesion
  });

  it('falls back to the whole report when no sentence asserts it', () => {
    expect(findingHeatmap(result, ['pleural_effusion'])).toEqual({ heat: Float32Array.from([0, 1, 0, 0]), mentioned: false, source: 'report' });
  });

  it("uses the second look's lesion map for a finding the report left out and the second look flagged", () => {
    // two views: the first view's map points at cell 2
    const flagged = { ...result, secondLookMap: { findings: ['nodule'], values: Float32Array.from([0, 0, 1, 0, 1, 0, 0, 0]) } } as ReportResult;
    const normal = { ...flagged, tokens: words0.map((text) => ({ text, sentence: 0 })) } as ReportResult;
    expect(findingHeatmap(normal, ['lung_lesion'])).toEqual({ heat: Float32Array.from([0, 0, 1, 0]), mentioned: false, source: 'second_look' });
    expect(findingHeatmap(normal, ['pleural_effusion']).source).toBe('report'); // not what the second look flagged
    expect(findingHeatmap(flagged, ['nodule']).source).toBe('sentences'); // named in the report: its sentence's map
  });
});

describe('targets and tally', () => {
  it('builds a JSRT nodule target and scores the tally', () => {
    // Nodule at (1900, 1900) of 2048 px → grid (1.86, 1.86) on a 2×2 grid: cell 3 holds it.
    const rec = { id: 'jsrt/x', source: 'jsrt', image: 'x.png', split: 'test', labels: ['Nodule'], nodule: { x: 1900, y: 1900, size_mm: 10, space: '2048px' } };
    const targets = targetsFor(rec, geom, { width: 224, height: 224 }, [2, 2]);
    expect(targets.map((t) => [t.kind, t.findings])).toEqual([['jsrt_nodule', ['nodule']]]);
    const tally = new PointingTally();
    tally.add(rec.id, result, targets, geom);
    const { same_side_rate, median_distance, hit_interval, ...hits } = tally.summary('jsrt_nodule');
    expect(hits).toEqual({
      n: 1,
      n_mentioned: 1,
      hit_rate: 1,
      hit_rate_mentioned: 1,
      n_second_look: 0,
      hit_rate_second_look: Number.NaN,
      centre_hit_rate: 1,
      random_hit_rate: 0.25,
    });
    expect(hit_interval[0]).toBeCloseTo(0.207, 3); // one hit in one: Wilson's lower bound, not 1
    expect(hit_interval[1]).toBeCloseTo(1, 10);
    expect(same_side_rate).toBe(1); // peak column 1.5 and nodule column 1.86: both right of the midline at 1
    expect(median_distance).toBeCloseTo(Math.hypot(1.8555 - 1.5, 1.8555 - 1.5) / 2, 3); // in film widths (2 columns)
    // the nodule sentence peaks in cell 3 (centre 1.5, 1.5); the nodule's centre is 1900/2048 × 2 grid units
    expect(tally.targets()).toEqual([
      { id: 'jsrt/x', kind: 'jsrt_nodule', hit: true, mentioned: true, source: 'sentences', peak: [1.5, 1.5], truth: [1.86, 1.86] },
    ]);
    expect(tally.summary('nih_box').n).toBe(0);
  });

  it('makes one RSNA target per image that any of its opacity boxes satisfies', () => {
    // 1024-px boxes on a 64-px copy: one in the top-left cell, one in the bottom-right cell of a 2×2 grid.
    const rec = {
      id: 'nih64/y',
      source: 'nih64',
      image: 'y.png',
      split: 'test',
      labels: ['Infiltration'],
      rsna_boxes: [
        { label: 'Lung Opacity', x: 50, y: 50, w: 200, h: 200, space: '1024px' },
        { label: 'Lung Opacity', x: 700, y: 700, w: 200, h: 200, space: '1024px' },
      ],
    };
    const g64: TensorGeometry = { size: 128, scale: 2, offsetX: 0, offsetY: 0, resizedWidth: 128, resizedHeight: 128 };
    const targets = targetsFor(rec, g64, { width: 64, height: 64 }, [2, 2]);
    expect(targets.map((t) => [t.kind, t.findings])).toEqual([['rsna_box', ['lung_opacity']]]);
    const tally = new PointingTally();
    const opacity = {
      ...result,
      tokens: [
        { text: 'patchy', sentence: 0 },
        { text: 'opacity', sentence: 0 },
      ],
      sentenceHeatmaps: Float32Array.from([0, 0, 0, 1]),
    } as unknown as ReportResult;
    tally.add(rec.id, opacity, targets, g64); // points at cell 3: the second box
    tally.add(rec.id, { ...opacity, sentenceHeatmaps: Float32Array.from([0, 1, 0, 0]) } as unknown as ReportResult, targets, g64); // cell 1: neither
    expect(tally.summary('rsna_box')).toMatchObject({ n: 2, n_mentioned: 2, hit_rate: 0.5, random_hit_rate: 0.5 });
    expect(tally.summary('rsna_box').same_side_rate).toBe(1); // one box on each side: any peak is on a box's side
  });

  it("judges sides against the film's own midline when the film is letterboxed", () => {
    // A film 64 px wide centred in the 128 px tensor (columns 32–96): on a 4×4 grid its midline is column 2. A nodule
    // at x = 300 of 2048 px lies in its left part (column ≈ 1.3); the map peaks in cell 2 (column 2.5, the right half).
    const narrow: TensorGeometry = { size: 128, scale: 64 / 2048, offsetX: 32, offsetY: 0, resizedWidth: 64, resizedHeight: 128 };
    const rec = { id: 'jsrt/z', source: 'jsrt', image: 'z.png', split: 'test', labels: ['Nodule'], nodule: { x: 300, y: 1000, size_mm: 10, space: '2048px' } };
    const targets = targetsFor(rec, narrow, { width: 1024, height: 2048 }, [4, 4]);
    const peaked = {
      ...result,
      heatmap: { grid: [4, 4], views: 1, values: new Float32Array(13 * 16) },
      sentenceHeatmaps: Float32Array.from({ length: 32 }, (_, i) => (i === 16 + 2 ? 1 : 0)),
    };
    const tally = new PointingTally();
    tally.add(rec.id, peaked as unknown as ReportResult, targets, narrow);
    expect(tally.targets()[0].truth[1]).toBeCloseTo(1 + (300 / 2048) * 2, 1);
    expect(tally.summary('jsrt_nodule').same_side_rate).toBe(0);
    const [row, col] = tally.targets()[0].truth;
    expect(tally.summary('jsrt_nodule').median_distance).toBeCloseTo(Math.hypot(0.5 - row, 2.5 - col) / 2, 1); // the film is 2 columns wide
  });
});
