// The model folder's manifest.json: its type (shared by exporter docs, engine, UI, eval).
// The exporter (training/export.py) writes exactly this shape.
import type { FindingReaderEntry, ImageReaderEntry } from './findingReader';
import type { LesionMapEntry } from './lesionMap';
import type { MirrorCheckEntry } from './mirrorCheck';
import type { SideGateEntry } from './sideGate';
import type { SubtypeProbe } from './subtypeGate';
import type { AssessedFindingsEntry } from './unassessed';

export type Precision = 'fp32' | 'int8' | 'q4';
export type ModelFileKey = 'vision_encoder' | 'embed_tokens' | 'decoder_model_merged';

export interface ModelFileEntry {
  path: string; // relative to the model folder, e.g. "onnx/decoder_model_merged_int8.onnx"
  bytes: number;
  sha256: string;
}

export interface DecodingDefaults {
  beam: number;
  alpha: number; // length penalty exponent: logp / |c|^alpha
  beta: number; // weight of cos(p_img, p_txt) in the rerank
  repetition_penalty: number;
  no_repeat_ngram: number;
  min_length: number;
  max_length: number;
  groups?: number; // diverse beam search: groups the beams split into (1 = plain beam search)
  diversity_penalty?: number; // λ: a group's penalty per earlier group that chose the same token at a step
  samples?: number; // sampled alternatives beside the beam (0 = none); with beam 1 they share its decode
  temperature?: number; // of the sampled alternatives (1 = the model's own distribution)
  seed?: number; // of the sampled alternatives: the same image and settings give the same candidates
  consensus?: number; // γ: weight in the rerank of a candidate's agreement on findings with the others (0 = off)
  vote_threshold?: number; // τ of the finding votes (0 = off: candidate scores; docs/DESIGN.md, src/engine/rerank.ts)
  subtype_gate?: number; // 1: the draft names a pneumonia subtype only when the manifest's subtype_probe backs it (src/engine/subtypeGate.ts); 0: off
  subtype_name?: number; // 1 (with subtype_gate): the draft names the type the probe backs where the language model wrote none; 0: off
  side_gate?: number; // 1: the draft leaves out the side of the findings the manifest's side_gate lists (src/engine/sideGate.ts); 0: off
  reader_weight?: number; // w: the finding reader's share of each finding's vote (0 = the draws alone; src/engine/findingReader.ts)
}

/** Findings the self-refinement left out of the draft although the draws or the finding reader backed them: the page
 *  flags one when at least `min_draws` of the draws assert it or the reader gives it at least `min_reader`, and says
 *  how often findings flagged by that rule were present where the defaults were chosen (`share_present` of `flagged`
 *  findings on `images` of `films` films of `split`). */
export interface SecondLook {
  min_draws: number;
  min_reader: number;
  split: string;
  films: number;
  images: number; // films with at least one flagged finding
  flagged: number;
  share_present: number;
  by_finding?: Record<string, { flagged: number; present: number }>; // the same, per flagged finding (records since 1.8.1's second)
}

/** The out-of-distribution detector (training/ood_detector.py): pixels [V,1,S,S] → ood_logit [V]. */
export interface OodDetectorEntry extends ModelFileEntry {
  threshold: number; // logit above this → warn (set for a chosen false-alarm rate on validation radiographs)
  evaluation?: Record<string, unknown>;
}

export interface OodStats {
  score: 'diag_mahalanobis';
  mean: number[]; // [E] mean of training image_embeds
  var: number[]; // [E] per-dimension variance
  threshold: number; // score above this → warn
  train_quantiles?: Record<string, number>;
  detector?: OodDetectorEntry; // optional: folders exported before it existed have only the statistics
}

/** The similarity towers (training/similarity.py): image tokens → p_img and patch embeddings; report ids → p_txt
 *  and token embeddings, in their own shared space. Optional: without them the rerank uses the decoder's own
 *  cos(p_img, p_txt) (model 1.0's, which does not tell findings apart). */
export interface SimilarityEntry {
  image: ModelFileEntry; // onnx/similarity_image.onnx, one file for every precision (int8 weights unless exported with --fp32)
  input?: 'image_tokens' | 'pixels'; // what the image tower reads: the vision encoder's image tokens (absent = these), or
  //   the same normalised pixels as the vision encoder (its own frozen ImageNet MobileNetV2 inside the file)
  grid?: [number, number]; // the image tower's patch grid (absent = preprocessing.grid); word maps are drawn on it
  text: ModelFileEntry; // onnx/similarity_text.onnx
  embed_dim: number;
  precision?: 'int8' | 'fp32'; // of the towers' weights
  evaluation?: Record<string, unknown>;
}

/** The grid word maps are drawn on: the towers' own when they have one, else the vision encoder's. */
export function heatmapGrid(manifest: Pick<ModelManifest, 'similarity' | 'preprocessing'>): [number, number] {
  return manifest.similarity?.grid ?? manifest.preprocessing.grid;
}

export interface ModelManifest {
  format: 'serpent-model';
  format_version: number;
  id: string;
  version: string;
  created: string;
  preprocessing: {
    image_size: number; // S, square input
    pixel_mean: number;
    pixel_std: number;
    grid: [number, number]; // patch grid (rows, cols); N = rows*cols
  };
  architecture: {
    d_model: number;
    n_layers: number;
    n_heads: number;
    head_dim: number;
    embed_dim: number;
    n_image_tokens: number;
    vocab_size: number;
    params?: Record<string, number>;
    // how decoder_model_merged was built (training/fused_decoder.py); absent = traced. 'fused-prefix' takes the image
    // prefix's cache as prefix_key_values.* (one row, shared by every beam row) and keeps only report tokens in past/present.
    decoder_graph?: 'fused-prefix' | 'fused' | 'traced';
    // the slots of decoder_static's fixed cache (training/static_decoder.py), when the folder has that file
    static_cache_length?: number;
  };
  tokenizer: string; // "tokenizer.json"
  special_ids: { pad: number; bos: number; eos: number; unk: number; sep: number };
  max_length: number;
  decoding: DecodingDefaults;
  default_precision: Precision;
  // decoder_static: the decoder step of fixed shapes that WebGPU replays as one recorded submission (optional)
  files: Partial<Record<Precision, Record<ModelFileKey, ModelFileEntry> & { decoder_static?: ModelFileEntry }>>;
  findings: string[];
  ood: OodStats;
  similarity?: SimilarityEntry;
  assessed_findings?: AssessedFindingsEntry; // the findings the drafts were shown to find on val (`npm run assessed-findings -- --write`)
  mirror_check?: MirrorCheckEntry; // whether a frontal film is shown mirrored (`npm run mirror-check -- --write`)
  lesion_map?: LesionMapEntry; // where a localised finding most likely is, shown as its sentences' map (`npm run lesion-map -- --write`)
  image_reader?: ImageReaderEntry; // a second network that reads the film's findings from its pixels (`npm run image-reader -- --write`)
  finding_reader?: FindingReaderEntry; // the finding votes' reader: a linear head on the image tokens (`npm run finding-reader`) or the image reader
  subtype_probe?: SubtypeProbe; // the pneumonia-subtype gate's probe, on the towers or the image reader (`npm run subtype-probe -- --write`)
  side_gate?: SideGateEntry; // findings whose side the drafts leave out (`npm run side-gate -- --write`)
  second_look?: SecondLook; // which left-out findings the page flags, and how often such were present (`npm run sweep-rerank -- --write-defaults`)
  training?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
  intended_use: string;
  licence: string;
}
