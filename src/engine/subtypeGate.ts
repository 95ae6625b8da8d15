// The pneumonia-subtype gate: a draft may say "bacterial" or "viral" only when the image supports it. A logistic
// probe (the manifest's subtype_probe) reads P(bacterial) from one of three features: the similarity towers' mean
// patch embedding, that beside the vision encoder's p_img (both fitted on the train split's Kermany films by `npm run
// subtype-probe`), or the image reader's P(consolidation) (src/engine/findingReader.ts). The corpus labels a Kermany
// film consolidation exactly when it is bacterial, so the reader learnt the type from the train films' labels; the
// probe reads its logit as it stands (weight 1, bias 0), since a probe fitted on the films the reader learnt from
// would fit its training fit. Each probe's margin is chosen on val.
// Beyond the margin the draft may name that subtype and not the other; inside it, neither. The language model still
// decides whether to name one at all; the gate takes the words the image does not back out of its finished
// candidates. It does not ban them while decoding: on a viral film whose reading was unsure, a ban left the model
// without its way of saying pneumonia ("consistent with viral pneumonia"), and it wrote "consistent with perihilar
// interstitial opacities other acute abnormality" instead.
// With subtype_name on, the draft also names the type the image backs where the language model left it out: a sentence
// that asserts pneumonia and names no type gets the allowed type's word before "pneumonia". The model writes a type far
// less often than the probe backs one (val: 44 % of its pneumonia drafts ungated, 9 % through the gate), so without
// this the gate mostly withholds; the edit comes after the self-refinement has chosen, so no choice or finding moves.
import { labelSentence } from '../text/labeler';
import { BACTERIAL_WORD, describedPattern, VIRAL_WORD, type PneumoniaSubtype } from '../text/subtype';
import { ModelManifestError } from './errors';
import { SENTENCE_ENDS, type TokenTexts } from './reportTokens';
import type { TowerImage } from './similarityTowers';

export type { PneumoniaSubtype };
export const PNEUMONIA_SUBTYPES: readonly PneumoniaSubtype[] = ['bacterial', 'viral'];

export type SubtypeFeature = 'tower_patch_mean' | 'image_embed+tower_patch_mean' | 'image_reader';
export const SUBTYPE_FEATURES: readonly SubtypeFeature[] = ['tower_patch_mean', 'image_embed+tower_patch_mean', 'image_reader'];

/** The image reader's finding whose probability stands for P(bacterial) (feature image_reader). */
export const READER_BACTERIAL_FINDING = 'consolidation';

/** The probe as the manifest keeps it (`subtype_probe`). */
export interface SubtypeProbe {
  // tower_patch_mean: the towers' patch embeddings [N',E'] averaged over cells and views; image_embed+…: the vision
  // encoder's p_img [E] (averaged over views) first, then that mean; image_reader: [1], logit P(consolidation)
  feature: SubtypeFeature;
  mean: number[]; // [F] feature mean on the fitting films
  scale: number[]; // [F] 1/std
  weights: number[]; // [F] on the standardised feature; logit > 0 → bacterial
  bias: number;
  margin: number; // |P(bacterial) − ½| above this: the image backs one subtype (0.5: never)
  words: Record<PneumoniaSubtype, string[]>; // vocabulary words that name each subtype
  evaluation?: Record<string, unknown>;
}

export interface SubtypeReading {
  bacterial: number; // P(bacterial) from the probe
  feature?: SubtypeFeature; // what the probe read (the page names the reader)
  margin: number;
  allowed: PneumoniaSubtype | null; // the subtype the draft may name; null = neither
  named?: boolean; // with subtype_name on: whether it put the allowed type into the draft (the language model had left it out)
  patternDisagrees?: boolean; // with subtype_name on: the draft's own pattern reads the other type, so the type was not put in
}

/** The probe's input: the towers' patch embeddings averaged over every cell of every view → [E]. */
export function towerPatchMean(image: Pick<TowerImage, 'patchEmbeds'>, embedDim: number): Float32Array {
  const out = new Float32Array(embedDim);
  let cells = 0;
  for (const view of image.patchEmbeds) {
    const n = view.length / embedDim; // N' cells, each [E]
    for (let c = 0; c < n; c++) for (let e = 0; e < embedDim; e++) out[e] += view[c * embedDim + e];
    cells += n;
  }
  for (let e = 0; e < embedDim; e++) out[e] /= Math.max(1, cells);
  return out;
}

/** What the probe's feature may read from one encode. */
export interface SubtypeInputs {
  pImg: Float32Array; // [E] the vision encoder's p_img, views averaged
  towers: Pick<TowerImage, 'patchEmbeds'> | null;
  towerDim: number | undefined; // E' of the towers
  imageReading: Readonly<Record<string, number>> | null; // the image reader's P(f | film)
}

/** What a model offers the probe: the vision encoder's embedding size, the towers' (absent without towers) and the
 *  image reader's findings (absent without a reader). */
export interface SubtypeDims {
  image: number;
  tower?: number;
  imageReader?: readonly string[];
}

/** The probe's feature size for a model, or NaN when the model lacks what the feature reads. */
export function subtypeFeatureSize(feature: SubtypeFeature, dims: SubtypeDims): number {
  if (feature === 'image_reader') return dims.imageReader?.includes(READER_BACTERIAL_FINDING) ? 1 : Number.NaN;
  if (dims.tower === undefined) return Number.NaN;
  return feature === 'tower_patch_mean' ? dims.tower : dims.image + dims.tower;
}

export function checkSubtypeProbe(probe: SubtypeProbe, dims: SubtypeDims): void {
  const sizes = [probe.mean.length, probe.scale.length, probe.weights.length];
  const size = SUBTYPE_FEATURES.includes(probe.feature) ? subtypeFeatureSize(probe.feature, dims) : Number.NaN;
  if (sizes.some((n) => n !== size) || !Number.isFinite(probe.bias) || !(probe.margin >= 0 && probe.margin <= 0.5))
    throw new ModelManifestError(
      `manifest.json's subtype_probe does not fit this model (feature ${probe.feature}, sizes ${sizes.join('/')} where it needs ${size}, margin ${probe.margin}); re-run \`npm run subtype-probe -- --write\`.`,
    );
}

/** The probe's input [F] from one encode; null when the encode lacks what the feature reads. */
export function subtypeFeature(feature: SubtypeFeature, inputs: SubtypeInputs): Float32Array | null {
  if (feature === 'image_reader') {
    const p = inputs.imageReading?.[READER_BACTERIAL_FINDING];
    if (p === undefined) return null;
    const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
    return Float32Array.of(Math.log(q / (1 - q)));
  }
  if (!inputs.towers || inputs.towerDim === undefined) return null;
  const patchMean = towerPatchMean(inputs.towers, inputs.towerDim);
  if (feature === 'tower_patch_mean') return patchMean;
  const out = new Float32Array(inputs.pImg.length + inputs.towerDim);
  out.set(inputs.pImg);
  out.set(patchMean, inputs.pImg.length);
  return out;
}

/** P(bacterial) for one feature [E], and which subtype (if any) the image backs. */
export function readSubtype(probe: SubtypeProbe, feature: Float32Array): SubtypeReading {
  let z = probe.bias;
  for (let e = 0; e < feature.length; e++) z += probe.weights[e] * (feature[e] - probe.mean[e]) * probe.scale[e];
  const bacterial = 1 / (1 + Math.exp(-z));
  const allowed = Math.abs(bacterial - 0.5) > probe.margin ? (bacterial > 0.5 ? 'bacterial' : 'viral') : null;
  return { bacterial, feature: probe.feature, margin: probe.margin, allowed };
}

/** The token ids of every subtype word the reading does not allow (words the vocabulary lacks are skipped: the
 *  model can never write them). */
export function withheldSubtypeIds(probe: SubtypeProbe, reading: SubtypeReading, idOf: (word: string) => number | undefined): Set<number> {
  const words = PNEUMONIA_SUBTYPES.filter((s) => s !== reading.allowed).flatMap((s) => probe.words[s]);
  return new Set(words.map(idOf).filter((id): id is number => id !== undefined));
}

/** A candidate with the withheld words taken out: "consistent with viral pneumonia" → "consistent with pneumonia".
 *  The reports the model learnt from write a subtype only as the adjective of "pneumonia", so the sentence stands. */
export function withoutTokens(tokenIds: readonly number[], withheld: ReadonlySet<number>): number[] {
  return withheld.size === 0 ? [...tokenIds] : tokenIds.filter((id) => !withheld.has(id));
}

const PNEUMONIA_WORD = 'pneumonia';

/** A sentence's word index before which the type goes: its first "pneumonia", when the sentence asserts pneumonia
 *  (positive or uncertain, not "no pneumonia") and names no type; else −1. */
function namingPoint(words: readonly string[]): number {
  const text = words.join(' ');
  if (BACTERIAL_WORD.test(text) || VIRAL_WORD.test(text)) return -1;
  const asserts = labelSentence(text).some((m) => m.finding === 'pneumonia' && m.status !== 'negative');
  return asserts ? words.indexOf(PNEUMONIA_WORD) : -1;
}

/** A candidate after the naming edit: its ids, and per id whether the edit put it in (null: nothing was named). */
export interface NamedIds {
  tokenIds: number[];
  byProbe: boolean[] | null;
  patternDisagrees?: boolean; // not named: the candidate's own pattern reads the other type
}

/** A candidate's ids with `typeId` (the allowed type's word) before "pneumonia" in each sentence that asserts
 *  pneumonia without a type: "consistent with pneumonia." → "consistent with viral pneumonia."; the ids as they
 *  were (byProbe null) when no sentence does. */
export function withSubtypeNamed(tokenIds: number[], vocab: TokenTexts, typeId: number): NamedIds {
  const words = tokenIds.map((id) => vocab.tokenOf(id));
  const at: number[] = [];
  let start = 0;
  for (let i = 0; i <= words.length; i++) {
    if (i < words.length && !SENTENCE_ENDS.has(words[i])) continue;
    const k = namingPoint(words.slice(start, i));
    if (k >= 0) at.push(start + k);
    start = i + 1;
  }
  if (at.length === 0) return { tokenIds, byProbe: null };
  const named = tokenIds.flatMap((id, i) => (at.includes(i) ? [typeId, id] : [id]));
  const byProbe = tokenIds.flatMap((_, i) => (at.includes(i) ? [true, false] : [false]));
  return { tokenIds: named, byProbe };
}

/** The naming edit for one reading: null when the reading backs no type or the vocabulary lacks its word. A candidate
 *  whose own described pattern reads the other type ("bilateral interstitial opacities" where the reading backs
 *  bacterial) is left unnamed: on val, 38 of 262 named drafts were such, right 21 times, against 190 of the other 224. */
export function subtypeNamer(
  probe: SubtypeProbe,
  reading: SubtypeReading,
  vocab: TokenTexts & { idOf(word: string): number | undefined },
): ((tokenIds: number[]) => NamedIds) | null {
  const allowed = reading.allowed;
  if (!allowed) return null;
  const typeId = probe.words[allowed].map((w) => vocab.idOf(w)).find((id) => id !== undefined);
  if (typeId === undefined) return null;
  return (ids) => {
    const named = withSubtypeNamed(ids, vocab, typeId);
    if (named.byProbe === null) return named; // nothing to name: the pattern is not read
    const pattern = describedPattern(ids.map((id) => vocab.tokenOf(id)).join(' '));
    return pattern !== null && pattern !== allowed ? { tokenIds: ids, byProbe: null, patternDisagrees: true } : named;
  };
}
