import { describe, expect, it } from 'vitest';
import { heatmapGrid, type ModelManifest } from './manifest';

const pre = { image_size: 128, pixel_mean: 0.5, pixel_std: 0.25, grid: [8, 8] as [number, number] };
const file = { path: 'onnx/x.onnx', bytes: 1, sha256: 'x' };

describe('heatmapGrid', () => {
  it("is the towers' own grid when they read pixels, else the vision encoder's", () => {
    const towers = { image: file, text: file, embed_dim: 128 };
    expect(heatmapGrid({ preprocessing: pre } as ModelManifest)).toEqual([8, 8]);
    expect(heatmapGrid({ preprocessing: pre, similarity: towers } as ModelManifest)).toEqual([8, 8]);
    expect(heatmapGrid({ preprocessing: pre, similarity: { ...towers, input: 'pixels', grid: [16, 16] } } as ModelManifest)).toEqual([16, 16]);
  });
});
