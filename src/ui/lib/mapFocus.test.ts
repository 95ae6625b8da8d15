import { describe, expect, it } from 'vitest';
import type { ReportResult, TokenInfo } from '../../engine/types';
import { focusCaption, focusedMap, SECOND_LOOK_FOCUS } from './mapFocus';
import { segmentReport } from './reportSegments';
import { draftWarnings } from './warnings';

const tokens: TokenInfo[] = [
  { text: 'small', id: 5, grounding: 0.1, sentence: 0, section: 'findings' },
  { text: 'effusion', id: 6, grounding: 0.5, sentence: 0, section: 'findings' },
  { text: '.', id: 7, grounding: 0, sentence: 0, section: 'findings' },
];

// heatmap [3 tokens, 2 views, 2x2 cells]; sentence maps [1 sentence, 2 views, 4 cells]
const result = {
  tokens,
  heatmap: { grid: [2, 2], views: 2, values: Float32Array.from({ length: 24 }, (_, i) => (i % 4) * (1 + Math.floor(i / 4))) },
  sentenceHeatmaps: Float32Array.from([4, 3, 2, 1, 0, 0, 0, 1]),
  ood: { score: 1, threshold: 2, detector: null, warning: null },
  warnings: [],
} as unknown as ReportResult;

const round = (xs: ArrayLike<number> | null): number[] => Array.from(xs ?? [], (x) => Math.round(x * 1e6) / 1e6);

describe('focusedMap', () => {
  it('takes the focused word’s map on the asked view, stretched to [0,1]', () => {
    expect(round(focusedMap(result, { kind: 'token', index: 1 }, 1))).toEqual(round([0, 1 / 3, 2 / 3, 1]));
  });
  it('takes a sentence’s aggregate map', () => {
    expect(round(focusedMap(result, { kind: 'sentence', index: 0 }, 0))).toEqual(round([1, 2 / 3, 1 / 3, 0]));
    expect(Array.from(focusedMap(result, { kind: 'sentence', index: 0 }, 1)!)).toEqual([0, 0, 0, 1]);
  });
  it('takes the lesion map of the findings the second look flags, when the result has one', () => {
    const flagged = { ...result, secondLookMap: { findings: ['nodule'], values: Float32Array.from([0, 0.5, 1, 0, 1, 0, 0, 0.5]) } } as ReportResult;
    expect(Array.from(focusedMap(flagged, SECOND_LOOK_FOCUS, 0)!)).toEqual([0, 0.5, 1, 0]);
    expect(Array.from(focusedMap(flagged, SECOND_LOOK_FOCUS, 1)!)).toEqual([1, 0, 0, 0.5]);
    expect(focusedMap(result, SECOND_LOOK_FOCUS, 0)).toBeNull();
  });
  it('has no map without focus, for a view the result lacks, or for a row that is not there', () => {
    expect(focusedMap(result, null, 0)).toBeNull();
    expect(focusedMap(result, { kind: 'token', index: 0 }, 2)).toBeNull();
    expect(focusedMap(result, { kind: 'sentence', index: 3 }, 0)).toBeNull();
  });
});

describe('focusCaption', () => {
  const segments = segmentReport(tokens);
  it('names the word, its grounding, and says when it is weak', () => {
    expect(focusCaption(segments, { kind: 'token', index: 1 })).toBe('“effusion”: grounding 0.500.');
    expect(focusCaption(segments, { kind: 'token', index: 0 })).toContain('weakly grounded');
  });
  it('names the sentence by its number on the page', () => {
    expect(focusCaption(segments, { kind: 'sentence', index: 0 })).toMatch(/^Sentence 1: “small effusion\.”/);
  });
  it('says when a sentence shows the lesion map, not its words’ maps', () => {
    expect(focusCaption(segments, { kind: 'sentence', index: 0 }, ['lesion_map'])).toContain('where the lesion map places the finding');
    expect(focusCaption(segments, { kind: 'sentence', index: 0 }, ['words'])).toContain('where the whole sentence points');
    expect(focusCaption(segments, { kind: 'token', index: 1 }, ['lesion_map'])).toBe('“effusion”: grounding 0.500.');
  });
  it('names the left-out findings the second look shows on the lesion map', () => {
    expect(focusCaption(segments, SECOND_LOOK_FOCUS, undefined, ['Nodule'])).toMatch(
      /^Left out of the draft: Nodule — where the lesion map places the finding/,
    );
    expect(focusCaption(segments, SECOND_LOOK_FOCUS)).toBeNull();
  });
});

describe('draftWarnings', () => {
  it('lists the engine’s warnings and the OOD warning once each', () => {
    const warned = {
      ...result,
      warnings: ['Colour image.', 'Looks out of distribution.'],
      ood: { score: 3, threshold: 2, detector: null, warning: 'Looks out of distribution.' },
    };
    expect(draftWarnings(warned)).toEqual(['Colour image.', 'Looks out of distribution.']);
    expect(draftWarnings(result)).toEqual([]);
    expect(draftWarnings(null)).toEqual([]);
  });
});
