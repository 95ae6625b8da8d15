import { describe, expect, it } from 'vitest';
import { decoderFlops, mlpRatioFromParams, visionFlops } from './flops';

const arch = { d_model: 32, n_layers: 2, n_heads: 2, head_dim: 16, embed_dim: 32, n_image_tokens: 64, vocab_size: 56 };

describe('analytic FLOPs', () => {
  it('counts one decoder token: 2·L·(12·D²) for ratio-4 layers, heads, and 4·L·D·context for attention', () => {
    // L=2, D=32: linear 2·2·(3+1+8)·1024 = 49152; lm head 2·32·56 = 3584; text head 2·32·32 = 2048;
    // attention at context 10: 2·2·2·32·10 = 2560. Total 57344.
    expect(decoderFlops(arch, 1, 9)).toBe(49152 + 3584 + 2048 + 2560);
  });

  it('counts the vision encoder stage by stage', () => {
    // S=32, channels [1→2→2→2→2] kept tiny: stem 2·9·1·2·16² = 9216; each stride-2 block at side 8, 4, 2:
    // (2·9·2·2 + 2·9·2·2 + 2·1·2·2)·side² = 152·side² → 152·(64+16+4) = 12768; one extra block at side 2:
    // 2·(2·9·2·2·4) = 576; mapper 2·2·32·64 = 8192. Total 30752.
    expect(visionFlops(32, { ...arch, vis_channels: [2, 2, 2, 2], vis_extra_blocks: 1 } as never)).toBe(9216 + 12768 + 576 + 8192);
  });

  it('solves the MLP ratio from the decoder parameter count', () => {
    // D=32, V=56, N=64, L=2, max_length 24: tok 1792 + pos 88·32 = 2816 + final LN 64; per layer with r = 4:
    // 4·1024 + 9·32 + 4·(2·1024 + 32) = 4096 + 288 + 8320 = 12704 → decoder = 1792 + 2816 + 64 + 2·12704 = 30080
    // (the tiny export's params.decoder).
    expect(mlpRatioFromParams({ ...arch, params: { decoder: 30080 } }, 24)).toBe(4);
    expect(mlpRatioFromParams({ ...arch, params: { decoder: 30081 } }, 24)).toBeUndefined();
  });

  it('lists the fields it had to assume', () => {
    const assumed: string[] = [];
    visionFlops(128, arch, assumed);
    expect(assumed).toEqual(['vis_channels', 'vis_extra_blocks']);
  });
});
