// Analytic FLOPs of Serpent's model from the manifest's architecture (multiply-add = 2 FLOPs; matmuls and
// convolutions only — norms, activations and softmax are lower order). The MLP ratio is solved from the
// decoder's parameter count when the manifest lists it; the vision encoder's channels are not in the manifest,
// so its FLOPs come from the ONNX graph when the caller counted them (onnx_flops.py), else from
// training/model.py's ModelConfig defaults — every assumption is listed in `assumed`.
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

/** arch[key], or the training default (noted in `assumed`) when the manifest does not give it. */
function orDefault<K extends keyof typeof MODEL_CONFIG_DEFAULTS>(arch: Architecture, key: K, assumed: string[]): (typeof MODEL_CONFIG_DEFAULTS)[K] {
  const given = arch[key] as (typeof MODEL_CONFIG_DEFAULTS)[K] | undefined;
  if (given !== undefined) return given;
  assumed.push(key);
  return MODEL_CONFIG_DEFAULTS[key];
}

export function visionFlops(imageSize: number, arch: Architecture, assumed: string[] = []): number {
  const channels = orDefault(arch, 'vis_channels', assumed);
  const extra = orDefault(arch, 'vis_extra_blocks', assumed);
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
/** MLP ratio from the decoder's parameter count: tok V·D + pos (N+L)·D + final LN 2D + per layer 4D²+9D+r(2D²+D). */
export function mlpRatioFromParams(arch: Architecture, maxLength: number): number | undefined {
  const params = arch.params?.decoder;
  if (params === undefined) return undefined;
  const D = arch.d_model;
  const perLayer = (params - arch.vocab_size * D - (arch.n_image_tokens + maxLength) * D - 2 * D) / arch.n_layers;
  const r = (perLayer - 4 * D * D - 9 * D) / (2 * D * D + D);
  return Math.abs(r - Math.round(r)) < 1e-6 && r >= 1 ? Math.round(r) : undefined;
}

export function decoderFlops(arch: Architecture, T: number, P: number, assumed: string[] = []): number {
  const D = arch.d_model;
  const ratio = orDefault(arch, 'mlp_ratio', assumed);
  const linearPerToken = arch.n_layers * 2 * (3 * D * D + D * D + 2 * ratio * D * D) + 2 * D * arch.vocab_size + 2 * D * arch.embed_dim;
  let attention = 0;
  for (let t = 0; t < T; t++) attention += arch.n_layers * 2 * 2 * D * (P + t + 1); // QKᵀ and AV over the context
  return T * linearPerToken + attention;
}

/** visionFromGraph: FLOPs counted on the vision ONNX graph (onnx_flops.py), when available. */
export function modelFlops(manifest: ModelManifest, visionFromGraph?: number, reportTokens = manifest.decoding.max_length / 2): ModelFlops {
  const assumed: string[] = [];
  const given = manifest.architecture as Architecture;
  const arch: Architecture = { ...given, mlp_ratio: given.mlp_ratio ?? mlpRatioFromParams(given, manifest.max_length) };
  const prefix = arch.n_image_tokens + 1;
  const vision = visionFromGraph ?? visionFlops(manifest.preprocessing.image_size, arch, assumed);
  const prefixFlops = decoderFlops(arch, prefix, 0, assumed);
  const perToken = decoderFlops(arch, 1, prefix + reportTokens / 2, assumed);
  return { vision_per_image: vision, decoder_prefix: prefixFlops, decoder_per_token: perToken, report_tokens: reportTokens, assumed: [...new Set(assumed)] };
}
