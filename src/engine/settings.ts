// Decoding settings for one generate: the manifest's defaults overridden by the caller's, each checked
// (beam width 1–8, groups dividing it, lengths within what the model's positions allow). Bad values →
// InvalidSettingError. Manifests written before diverse beam search default to one group (plain beam search).
// A caller that changes the beam width without naming groups gets the largest default-or-fewer group count that
// divides it (beam 1 under defaults of 3 groups is plain greedy), never an error for a setting it did not touch.
import { InvalidSettingError } from './errors';
import type { DecodingDefaults, ModelManifest } from './manifest';

export const MAX_BEAM = 8;

function integerIn(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new InvalidSettingError(`${name} must be a whole number from ${lo} to ${hi}; got ${v}.`);
}

function finite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new InvalidSettingError(`${name} must be a finite number; got ${v}.`);
}

const LATER_FIELD_DEFAULTS = {
  groups: 1,
  diversity_penalty: 0,
  samples: 0,
  temperature: 1,
  seed: 0,
  consensus: 0,
  vote_threshold: 0,
  subtype_gate: 0,
  subtype_name: 0,
  side_gate: 0,
  reader_weight: 0,
};
export const MAX_SAMPLES = 8;

/** The largest group count ≤ `groups` that divides `beam` (1 at worst): what a new beam width keeps of the groups. */
export function groupsFitting(beam: number, groups: number): number {
  let g = Math.max(1, Math.min(groups, beam));
  while (beam % g !== 0) g--;
  return g;
}

export function resolveSettings(manifest: ModelManifest, overrides: Partial<DecodingDefaults> = {}): DecodingDefaults {
  const defaults = { ...LATER_FIELD_DEFAULTS, ...manifest.decoding };
  const picked: Partial<DecodingDefaults> = {};
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined && k in defaults) (picked as Record<string, number>)[k] = v as number;
  const s: DecodingDefaults = { ...defaults, ...picked };
  if (picked.groups === undefined && Number.isInteger(s.beam) && s.beam >= 1) s.groups = groupsFitting(s.beam, s.groups!);
  integerIn('beam', s.beam, 1, MAX_BEAM);
  finite('alpha', s.alpha);
  finite('beta', s.beta);
  finite('repetition_penalty', s.repetition_penalty);
  if (s.repetition_penalty <= 0) throw new InvalidSettingError(`repetition_penalty must be above 0 (1 = off); got ${s.repetition_penalty}.`);
  integerIn('no_repeat_ngram', s.no_repeat_ngram, 0, 64);
  integerIn('max_length', s.max_length, 2, manifest.max_length);
  integerIn('min_length', s.min_length, 0, s.max_length - 2);
  integerIn('groups', s.groups!, 1, s.beam);
  if (s.beam % s.groups! !== 0) throw new InvalidSettingError(`groups must divide the beam width (${s.beam}); got ${s.groups}.`);
  finite('diversity_penalty', s.diversity_penalty!);
  if (s.diversity_penalty! < 0) throw new InvalidSettingError(`diversity_penalty must be 0 or more; got ${s.diversity_penalty}.`);
  integerIn('samples', s.samples!, 0, MAX_SAMPLES);
  finite('temperature', s.temperature!);
  if (s.temperature! <= 0) throw new InvalidSettingError(`temperature must be above 0 (1 = the model's own distribution); got ${s.temperature}.`);
  integerIn('seed', s.seed!, 0, 2 ** 32 - 1);
  finite('consensus', s.consensus!);
  if (s.consensus! < 0) throw new InvalidSettingError(`consensus must be 0 or more (0 = off); got ${s.consensus}.`);
  finite('vote_threshold', s.vote_threshold!);
  if (s.vote_threshold! < 0 || s.vote_threshold! >= 1)
    throw new InvalidSettingError(`vote_threshold must be from 0 (off) to below 1 (a share of the draws); got ${s.vote_threshold}.`);
  finite('reader_weight', s.reader_weight!);
  if (s.reader_weight! < 0 || s.reader_weight! > 1)
    throw new InvalidSettingError(`reader_weight must be from 0 (the draws alone) to 1 (the finding reader alone); got ${s.reader_weight}.`);
  if (s.subtype_gate !== 0 && s.subtype_gate !== 1) throw new InvalidSettingError(`subtype_gate is 1 (on) or 0 (off); got ${s.subtype_gate}.`);
  if (s.subtype_name !== 0 && s.subtype_name !== 1) throw new InvalidSettingError(`subtype_name is 1 (on) or 0 (off); got ${s.subtype_name}.`);
  if (s.side_gate !== 0 && s.side_gate !== 1) throw new InvalidSettingError(`side_gate is 1 (on) or 0 (off); got ${s.side_gate}.`);
  return s;
}

/** A search in one short label: BEAMxGROUPS:PENALTY, and +sS@T when it adds S samples at temperature T. */
export function searchLabel(d: Pick<DecodingDefaults, 'beam' | 'groups' | 'diversity_penalty' | 'samples' | 'temperature'>): string {
  const sampled = (d.samples ?? 0) > 0 ? `+s${d.samples}@${d.temperature ?? 1}` : '';
  return `${d.beam}x${d.groups ?? 1}:${d.diversity_penalty ?? 0}${sampled}`;
}

/** The plain beam search a refinement is compared with: as many candidates (beam + samples, at most MAX_BEAM), one
 *  group, no samples, β = γ = 0, no finding votes (the language model's choice). */
export function plainBeamOf(d: Pick<DecodingDefaults, 'beam' | 'samples'>): Partial<DecodingDefaults> {
  return { beam: Math.min(MAX_BEAM, d.beam + (d.samples ?? 0)), groups: 1, diversity_penalty: 0, samples: 0, beta: 0, consensus: 0, vote_threshold: 0 };
}
