import { describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../engine/types';
import { segmentReport, strengthOf, WEAK_STRENGTH } from './reportSegments';

function tok(text: string, grounding: number, sentence: number, section: 'findings' | 'impression'): TokenInfo {
  return { text, id: 0, grounding, sentence, section };
}

const tokens: TokenInfo[] = [
  tok('heart', 0.5, 0, 'findings'),
  tok('size', 0.4, 0, 'findings'),
  tok('normal', 0.3, 0, 'findings'),
  tok('.', 0.9, 0, 'findings'),
  tok('small', 0.1, 1, 'findings'),
  tok('left', 0.2, 1, 'findings'),
  tok('effusion', 0.45, 1, 'findings'),
  tok('.', 0.9, 1, 'findings'),
  tok('[SEP]', 0, 1, 'findings'),
  tok('no', 0.1, 2, 'impression'),
  tok('acute', 0.2, 2, 'impression'),
  tok('disease', 0.3, 2, 'impression'),
  tok('.', 0.0, 2, 'impression'),
];

describe('segmentReport', () => {
  const seg = segmentReport(tokens);
  it('groups tokens into sections and sentences with natural spacing', () => {
    expect(seg.findings.map((g) => g.text)).toEqual(['heart size normal.', 'small left effusion.']);
    expect(seg.impression.map((g) => g.text)).toEqual(['no acute disease.']);
    expect(seg.impression[0].sentence).toBe(2);
  });
  it('keeps each word tied to its heatmap row and drops special tokens', () => {
    const effusion = seg.findings[1].segments.find((s) => s.text === 'effusion');
    expect(effusion?.tokenIndex).toBe(6);
    expect(seg.findings.flatMap((g) => g.segments).some((s) => s.text === '[SEP]')).toBe(false);
    expect(seg.impression[0].segments[0].tokenIndex).toBe(9);
  });
  it('stretches grounding over the words only (punctuation does not set the range)', () => {
    const words = [...seg.findings, ...seg.impression].flatMap((g) => g.segments).filter((s) => s.kind === 'word');
    const strengths = words.map((w) => (w.kind === 'word' ? w.strength : -1));
    expect(Math.min(...strengths)).toBe(0); // 0.1 is the lowest word grounding
    expect(Math.max(...strengths)).toBe(1); // 0.5 the highest, not the 0.9 of a full stop
    const small = words.find((w) => w.text === 'small');
    expect(small?.kind === 'word' && small.strength < WEAK_STRENGTH).toBe(true);
  });
  it('gives a weakly grounded sentence a lower mean strength', () => {
    expect(seg.impression[0].meanStrength).toBeLessThan(seg.findings[0].meanStrength);
  });
  it("carries the mark of a word the subtype gate's probe put in, and on no other word", () => {
    const named = segmentReport(
      [tok('viral', 0.2, 0, 'impression'), tok('pneumonia', 0.4, 0, 'impression'), tok('.', 0, 0, 'impression')].map((t, i) =>
        i === 0 ? { ...t, byProbe: true } : t,
      ),
    );
    const words = named.impression[0].segments.filter((s) => s.kind === 'word');
    expect(words.map((w) => (w.kind === 'word' ? w.byProbe === true : null))).toEqual([true, false]);
  });
});

describe('strengthOf', () => {
  it('is 1 when every word is equally grounded and 0 for non-finite values', () => {
    expect(strengthOf(0.3, { lo: 0.3, hi: 0.3 })).toBe(1);
    expect(strengthOf(Number.NaN, { lo: 0, hi: 1 })).toBe(0);
  });
});
