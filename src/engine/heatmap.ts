// Token heatmaps (docs/CONTRACTS.md): for each output token t and view, cos(e_t, patch_n) over the N patches
// of the manifest grid; grounding of t = cos(e_t, p_img); a sentence's map = mean of its tokens' maps.
import type { Heatmap } from './types';
import { cosine, dot, norm } from './vectorMath';

export interface TokenHeatmaps {
  heatmap: Heatmap; // values [T, views, N]
  grounding: number[]; // [T]
}

/**
 * tokenEmbeds: [E] per token; patchEmbeds: [N*E] per view (row-major patches); pImg: [E].
 */
export function tokenHeatmaps(
  tokenEmbeds: readonly Float32Array[],
  patchEmbeds: readonly Float32Array[],
  pImg: Float32Array,
  grid: [number, number],
): TokenHeatmaps {
  const E = pImg.length;
  const N = grid[0] * grid[1];
  const views = patchEmbeds.length;
  for (const p of patchEmbeds) {
    if (p.length !== N * E) throw new RangeError(`patch_embeds has ${p.length} values, expected ${N}×${E} for grid ${grid.join('×')}`);
  }
  const patchNorms = patchEmbeds.map((p) => Float64Array.from({ length: N }, (_, n) => norm(p, n * E, E)));
  const values = new Float32Array(tokenEmbeds.length * views * N); // [T, views, N]
  tokenEmbeds.forEach((e, t) => {
    const en = norm(e);
    patchEmbeds.forEach((p, v) => {
      const base = (t * views + v) * N;
      for (let n = 0; n < N; n++) {
        const d = en * patchNorms[v][n];
        values[base + n] = d > 0 ? dot(e, p, 0, n * E, E) / d : 0;
      }
    });
  });
  return { heatmap: { grid, views, values }, grounding: tokenEmbeds.map((e) => cosine(e, pImg)) };
}

/** [S, views, N]: mean of the token maps of each sentence; `sentenceOf[t]` in 0..sentences-1. */
export function sentenceHeatmaps(heatmap: Heatmap, sentenceOf: readonly number[], sentences: number): Float32Array {
  const N = heatmap.grid[0] * heatmap.grid[1];
  const stride = heatmap.views * N;
  const out = new Float32Array(sentences * stride);
  const counts = new Array<number>(sentences).fill(0);
  sentenceOf.forEach((s, t) => {
    counts[s]++;
    for (let i = 0; i < stride; i++) out[s * stride + i] += heatmap.values[t * stride + i];
  });
  counts.forEach((c, s) => {
    if (c > 0) for (let i = 0; i < stride; i++) out[s * stride + i] /= c;
  });
  return out;
}
