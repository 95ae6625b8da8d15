// The self-refinement settings the page lets a person change, their bounds, and how they follow each other: a new
// beam width keeps the largest group count that still divides it, so the engine never gets an invalid pair.
import type { DecodingDefaults } from '../../engine/manifest';
import { groupsFitting } from '../../engine/settings';

export interface RefinementSettings {
  beam: number;
  groups: number;
  diversity_penalty: number;
  samples: number; // sampled alternatives beside the beam
  temperature: number; // of the samples
  beta: number;
  consensus: number; // γ: weight of a candidate's agreement on findings with the others
  vote_threshold: number; // τ: share of the draws a finding needs (0 = off: candidate scores)
  subtype_gate?: number; // 1: name a pneumonia subtype only when the image backs it; absent when the model has no gate
  subtype_name?: number; // 1 (with the gate on): name the subtype the image backs where the draft wrote none; absent as the gate
  side_gate?: number; // 1: leave out the side of the findings the model's side gate lists; absent when the model has no gate
  reader_weight?: number; // w: the finding reader's share of each vote; absent when the model has no reader
}

export const BEAM_MIN = 1;
export const BEAM_MAX = 8;
export const BETA_MAX = 10;
export const CONSENSUS_MAX = 100; // the val sweep tries γ up to 100 (agreement first, the LM within a finding set)
export const PENALTY_MAX = 10;
export const VOTE_THRESHOLD_MAX = 0.95; // below 1: a share of the draws
export const SAMPLES_MAX = 8;
export const TEMPERATURE_MAX = 2;
export const FALLBACK_SETTINGS: RefinementSettings = {
  beam: 3,
  groups: 1,
  diversity_penalty: 0,
  samples: 0,
  temperature: 1,
  beta: 1,
  consensus: 0,
  vote_threshold: 0,
};

export function refinementDefaults(decoding: DecodingDefaults | undefined): RefinementSettings {
  if (!decoding) return FALLBACK_SETTINGS;
  return {
    beam: decoding.beam,
    groups: decoding.groups ?? 1,
    diversity_penalty: decoding.diversity_penalty ?? 0,
    samples: decoding.samples ?? 0,
    temperature: decoding.temperature ?? 1,
    beta: decoding.beta,
    consensus: decoding.consensus ?? 0,
    vote_threshold: decoding.vote_threshold ?? 0,
    ...(decoding.subtype_gate !== undefined ? { subtype_gate: decoding.subtype_gate, subtype_name: decoding.subtype_name ?? 0 } : {}),
    ...(decoding.side_gate !== undefined ? { side_gate: decoding.side_gate } : {}),
    ...(decoding.reader_weight !== undefined ? { reader_weight: decoding.reader_weight } : {}),
  };
}

/** Group counts that divide the beam width. */
export function groupChoices(beam: number): number[] {
  return Array.from({ length: beam }, (_, i) => i + 1).filter((g) => beam % g === 0);
}

export function withBeam(s: RefinementSettings, beam: number): RefinementSettings {
  return { ...s, beam, groups: groupsFitting(beam, s.groups) };
}
