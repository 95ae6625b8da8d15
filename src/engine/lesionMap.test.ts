import { describe, expect, it } from 'vitest';
import { ModelManifestError } from './errors';
import { applyLesionMap, checkLesionMap, type LesionMapEntry, lesionSentences, sentenceTextsOf } from './lesionMap';

const entry: LesionMapEntry = {
  path: 'onnx/lesion_map_int8.onnx',
  bytes: 10,
  sha256: 'a'.repeat(64),
  grid: [2, 2],
  findings: ['nodule', 'lung_opacity'],
  except: ['covid19_pattern'],
};

describe('lesionSentences', () => {
  it('marks a sentence asserting a listed finding, an uncertain one too, and leaves a sentence on a listed diffuse pattern to its words', () => {
    const texts = [
      'focal consolidation in the right lower lobe .',
      'possible nodule .',
      'bilateral peripheral ground glass opacities .',
      'focal opacity .',
      'no nodule is seen .',
    ];
    expect(lesionSentences(texts, { findings: ['consolidation', 'nodule', 'lung_opacity'], except: ['covid19_pattern'] })).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    // the listed keys themselves: consolidation is a lung opacity, but lung_opacity alone does not take it (and the
    // bilateral pattern stays with its words without an `except`: it is bilateral)
    expect(lesionSentences(texts, { findings: ['lung_opacity'] })).toEqual([false, false, false, true, false]);
    expect(lesionSentences(texts, { findings: ['mass'] })).toEqual([false, false, false, false, false]);
  });
  it('leaves a bilateral or diffuse process to its words: it has no one place', () => {
    const texts = [
      'patchy opacities in both lungs .',
      'bilateral interstitial opacities compatible with pneumonia .',
      'Diffuse opacity .',
      'right upper lobe opacity .',
    ];
    expect(lesionSentences(texts, { findings: ['lung_opacity'] })).toEqual([false, false, false, true]);
  });
});

describe('applyLesionMap', () => {
  // 3 sentences, 2 views, 2×2 cells; the words' maps are 0.1 everywhere
  const lesion = Float32Array.from([0.1, 0.2, 0.5, 0.2, 0.4, 0.3, 0.2, 0.1]); // [2 views × 4 cells]

  it('gives the marked sentences the lesion map, peak 1 per view, and leaves the others', () => {
    const maps = new Float32Array(3 * 2 * 4).fill(0.1);
    expect(applyLesionMap(maps, [false, true, false], lesion, 2, 4)).toEqual(['words', 'lesion_map', 'words']);
    expect(Array.from(maps.subarray(8, 16), (x) => Math.round(x * 1000) / 1000)).toEqual([0.2, 0.4, 1, 0.4, 1, 0.75, 0.5, 0.25]);
    expect(Array.from(maps.subarray(0, 8))).toEqual(new Array(8).fill(Math.fround(0.1)));
    expect(Array.from(maps.subarray(16))).toEqual(new Array(8).fill(Math.fround(0.1)));
  });

  it('is not used when its peak is below min_peak in a view: the network is unsure where the lesion is', () => {
    const maps = new Float32Array(3 * 2 * 4).fill(0.1);
    expect(applyLesionMap(maps, [false, true, false], lesion, 2, 4, 0.45)).toEqual(['words', 'words', 'words']); // view 1 peaks at 0.4
    expect(Array.from(maps)).toEqual(new Array(24).fill(Math.fround(0.1)));
    expect(applyLesionMap(maps, [false, true, false], lesion, 2, 4, 0.4)).toEqual(['words', 'lesion_map', 'words']);
  });

  it('refuses maps of the wrong size', () => {
    expect(() => applyLesionMap(new Float32Array(8), [true], new Float32Array(4), 2, 4)).toThrow(RangeError);
    expect(() => applyLesionMap(new Float32Array(7), [true], lesion, 2, 4)).toThrow(RangeError);
  });
});

describe('sentenceTextsOf', () => {
  it('joins each sentence’s tokens, empty sentences included', () => {
    const tokens = [
      { text: 'small', sentence: 0 },
      { text: 'nodule', sentence: 0 },
      { text: 'clear', sentence: 2 },
    ];
    expect(sentenceTextsOf(tokens, 3)).toEqual(['small nodule', '', 'clear']);
  });
});

describe('checkLesionMap', () => {
  it('accepts an entry on the report’s grid', () => {
    expect(() => checkLesionMap(entry, [2, 2])).not.toThrow();
  });
  it('refuses another grid, and says what to re-run', () => {
    expect(() => checkLesionMap(entry, [8, 8])).toThrow(ModelManifestError);
    expect(() => checkLesionMap(entry, [8, 8])).toThrow(/2×2 grid but the report's maps are 8×8.*npm run lesion-map/);
  });
  it('refuses an entry without findings or a sha256', () => {
    expect(() => checkLesionMap({ ...entry, findings: [] }, [2, 2])).toThrow(/needs a path, bytes, sha256, grid and findings/);
    expect(() => checkLesionMap({ ...entry, sha256: 'x' }, [2, 2])).toThrow(ModelManifestError);
  });
});
