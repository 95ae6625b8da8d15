// Analytic FLOPs of Serpent's model from the manifest's architecture (multiply-add = 2 FLOPs; matmuls and
// convolutions only — norms, activations and softmax are lower order). Architecture fields the manifest does
// not carry (vision channels, extra blocks, MLP ratio) fall back to training/model.py's ModelConfig defaults
// and are listed in `assumed`, so a reader knows which numbers are estimates.
import type { ModelManifest } from '../../src/engine/manifest';

const MODEL_CONFIG_DEFAULTS = { vis_channels: [32, 64, 128, 256], vis_extra_blocks: 1, mlp_ratio: 4 };

export interface ModelFlops {
  vision_per_image: number; // encoder + visual mapper, one view
  decoder_prefix: number; // first decoder call: N image tokens + BOS
  decoder_per_token: number; // one new token at the mean context of a report of `reportTokens`
  report_tokens: number;
  assumed: string[];
}

type Architecture = ModelManifest['architecture'] & Partial<typeof MODEL_CONFIG_DEFAULTS>;

/** Conv FLOPs: 2 · k² · c_in · c_out · out_h · out_w. */
const conv = (k: number, cIn: number, cOut: number, outSide: number): number => 2 * k * k * cIn * cOut * outSide * outSide;

export function visionFlops(imageSize: number, arch: Architecture, assumed: string[] = []): number {
  const channels = arch.vis_channels ?? (assumed.push('vis_channels'), MODEL_CONFIG_DEFAULTS.vis_channels);
  const extra = arch.vis_extra_blocks ?? (assumed.push('vis_extra_blocks'), MODEL_CONFIG_DEFAULTS.vis_extra_blocks);
  const [c0] = channels;
  let side = imageSize / 2;
  let flops = conv(3, 1, c0, side); // stem, stride 2
  for (let s = 1; s < channels.length; s++) {
    side /= 2; // each stage: ResBlock with stride 2 (3×3, 3×3, 1×1 skip)
    flops += conv(3, channels[s - 1], channels[s], side) + conv(3, channels[s], channels[s], side) + conv(1, channels[s - 1], channels[s], side);
  }
  const c = channels[channels.length - 1];
  flops += extra * 2 * conv(3, c, c, side);
  return flops + 2 * c * arch.d_model * arch.n_image_tokens; // visual mapper
}

/** Decoder FLOPs for T new positions on a past of P, logits and text embeddings for all T. */
export function decoderFlops(arch: Architecture, T: number, P: number, assumed: string[] = []): number {
  const D = arch.d_model;
  const ratio = arch.mlp_ratio ?? (assumed.push('mlp_ratio'), MODEL_CONFIG_DEFAULTS.mlp_ratio);
  const linearPerToken = arch.n_layers * 2 * (3 * D * D + D * D + 2 * ratio * D * D) + 2 * D * arch.vocab_size + 2 * D * arch.embed_dim;
  let attention = 0;
  for (let t = 0; t < T; t++) attention += arch.n_layers * 2 * 2 * D * (P + t + 1); // QKᵀ and AV over the context
  return T * linearPerToken + attention;
}

export function modelFlops(manifest: ModelManifest, reportTokens = manifest.decoding.max_length / 2): ModelFlops {
  const assumed: string[] = [];
  const arch = manifest.architecture as Architecture;
  const prefix = arch.n_image_tokens + 1;
  const vision = visionFlops(manifest.preprocessing.image_size, arch, assumed);
  const prefixFlops = decoderFlops(arch, prefix, 0, assumed);
  const perToken = decoderFlops(arch, 1, prefix + reportTokens / 2, assumed);
  return { vision_per_image: vision, decoder_prefix: prefixFlops, decoder_per_token: perToken, report_tokens: reportTokens, assumed: [...new Set(assumed)] };
}
