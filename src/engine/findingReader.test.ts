import { describe, expect, it } from 'vitest';
import { ModelManifestError } from './errors';
import { checkFindingReader, checkImageReader, type ImageReaderEntry, type LinearFindingReader, mixReading, readFindings } from './findingReader';
import { rerank } from './rerank';

// D = 2, N = 2 tokens: [1,3] and [3,1] average to [2,2]; a flat vector standardises to [0,0], so only the bias speaks.
const reader: LinearFindingReader = {
  feature: 'image_tokens_mean',
  findings: ['pleural_effusion', 'nodule'],
  weights: [
    [1, -1],
    [2, 0],
  ],
  bias: [0, -1],
};

describe('readFindings', () => {
  it('standardises the mean image token and applies one logistic per finding', () => {
    const flat = readFindings(reader, Float32Array.from([1, 3, 3, 1]), 2);
    expect(flat.pleural_effusion).toBeCloseTo(0.5, 6);
    expect(flat.nodule).toBeCloseTo(1 / (1 + Math.E), 6);
    // mean [1,3] → standardised ≈ [−1, 1] (LayerNorm: (x − 2)/√(1 + 1e-5))
    const tilted = readFindings(reader, Float32Array.from([1, 3, 1, 3]), 2);
    const z = -1 / Math.sqrt(1 + 1e-5);
    expect(tilted.pleural_effusion).toBeCloseTo(1 / (1 + Math.exp(-(z - -z))), 6);
    expect(tilted.nodule).toBeCloseTo(1 / (1 + Math.exp(-(2 * z - 1))), 6);
  });

  it('refuses a prefix that is not whole tokens', () => {
    expect(() => readFindings(reader, new Float32Array(3), 2)).toThrow(RangeError);
  });
});

describe('checkFindingReader', () => {
  it('accepts a reader as wide as the image tokens and says how to fix one that is not', () => {
    expect(() => checkFindingReader(reader, 2)).not.toThrow();
    expect(() => checkFindingReader(reader, 3)).toThrow(ModelManifestError);
    expect(() => checkFindingReader(reader, 3)).toThrow(/npm run finding-reader -- --write/);
    expect(() => checkFindingReader({ ...reader, bias: [0] }, 2)).toThrow(ModelManifestError);
    expect(() =>
      checkFindingReader(
        {
          ...reader,
          weights: [
            [1, Number.NaN],
            [2, 0],
          ],
        },
        2,
      ),
    ).toThrow(ModelManifestError);
  });

  it('accepts an image reader with its file entry and findings, and says how to fix one without', () => {
    const image: ImageReaderEntry = { path: 'onnx/image_reader_int8.onnx', bytes: 10, sha256: 'ab'.repeat(32), findings: ['pneumonia'] };
    expect(() => checkImageReader(image)).not.toThrow();
    expect(() => checkImageReader({ ...image, sha256: 'xyz' })).toThrow(/npm run image-reader -- --write/);
    expect(() => checkImageReader({ ...image, findings: [] })).toThrow(ModelManifestError);
  });

  it('lets the votes read the image reader, whatever the token width, only when the manifest has one', () => {
    const image: ImageReaderEntry = { path: 'onnx/image_reader_int8.onnx', bytes: 10, sha256: 'ab'.repeat(32), findings: ['pneumonia'] };
    expect(() => checkFindingReader({ feature: 'image_reader' }, 256, image)).not.toThrow();
    expect(() => checkFindingReader({ feature: 'image_reader' }, 256)).toThrow(/no image_reader; re-run `npm run image-reader -- --write --finding-reader`/);
  });
});

describe('mixReading', () => {
  const votes = new Map([
    ['pleural_effusion', 0.2],
    ['cardiomegaly', 0.6],
  ]);
  it('mixes the reader into the findings it reads and leaves the others their vote', () => {
    const mixed = mixReading(votes, { pleural_effusion: 1 }, 0.5);
    expect(mixed.get('pleural_effusion')).toBeCloseTo(0.6, 12);
    expect(mixed.get('cardiomegaly')).toBe(0.6);
    expect(mixReading(votes, { pleural_effusion: 1 }, 0)).toEqual(votes);
    expect(() => mixReading(votes, undefined, 1.5)).toThrow(RangeError);
  });
});

describe('rerank with a finding reader', () => {
  const hyp = (logp: number) => ({ tokenIds: [5], logp, score: logp, textEmbeds: [], group: 0 });
  // 4 draws read a normal film, 1 an effusion; the reader sees the effusion.
  const hyps = [hyp(-0.1), hyp(-0.3)];
  const findings = [[], ['pleural_effusion']];
  const reading = { pleural_effusion: 0.95 };
  it('keeps a finding few draws name when the reader backs it enough to pass τ', () => {
    const votesOnly = rerank(hyps, [0, 0], findings, 0, 0, 0, [4, 1], 0.6);
    expect(votesOnly.chosen.findings).toEqual([]);
    const halfReader = rerank(hyps, [0, 0], findings, 0, 0, 0, [4, 1], 0.6, { findings: reading, weight: 0.5 });
    expect(halfReader.chosen.findings).toEqual([]); // 0.5·0.2 + 0.5·0.95 = 0.575 < 0.6
    const reader = rerank(hyps, [0, 0], findings, 0, 0, 0, [4, 1], 0.6, { findings: reading, weight: 0.75 });
    expect(reader.chosen.findings).toEqual(['pleural_effusion']);
    expect(reader.chosen.support).toBeCloseTo(0.25 * 0.2 + 0.75 * 0.95 - 0.6, 12);
    expect(reader.rerankChangedChoice).toBe(true);
  });
  it('weighs nothing without votes (τ 0: candidate scores)', () => {
    const r = rerank(hyps, [0, 0], findings, 0, 0, 0, [4, 1], 0, { findings: reading, weight: 1 });
    expect(r.chosen.index).toBe(0);
  });
});
