// Decoding settings for one generate: the manifest's defaults overridden by the caller's, each checked
// (beam width 1–8, lengths within what the model's positions allow). Bad values → InvalidSettingError.
import { InvalidSettingError } from './errors';
import type { DecodingDefaults, ModelManifest } from './manifest';

export const MAX_BEAM = 8;

function integerIn(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new InvalidSettingError(`${name} must be a whole number from ${lo} to ${hi}; got ${v}.`);
}

function finite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new InvalidSettingError(`${name} must be a finite number; got ${v}.`);
}

export function resolveSettings(manifest: ModelManifest, overrides: Partial<DecodingDefaults> = {}): DecodingDefaults {
  const picked: Partial<DecodingDefaults> = {};
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined && k in manifest.decoding) (picked as Record<string, number>)[k] = v as number;
  const s: DecodingDefaults = { ...manifest.decoding, ...picked };
  integerIn('beam', s.beam, 1, MAX_BEAM);
  finite('alpha', s.alpha);
  finite('beta', s.beta);
  finite('repetition_penalty', s.repetition_penalty);
  if (s.repetition_penalty <= 0) throw new InvalidSettingError(`repetition_penalty must be above 0 (1 = off); got ${s.repetition_penalty}.`);
  integerIn('no_repeat_ngram', s.no_repeat_ngram, 0, 64);
  integerIn('max_length', s.max_length, 2, manifest.max_length);
  integerIn('min_length', s.min_length, 0, s.max_length - 2);
  return s;
}
