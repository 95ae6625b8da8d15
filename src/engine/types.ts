// The engine's public interface: what the in-thread engine and the worker client both implement,
// and the result shape the page, the report CLI and the evaluation all consume. No DOM here.
import type { DecoderRunStats } from './kvDecoder';
import type { BackendTimings, RememberedTimings } from './backendTiming';
import type { DecodingDefaults, Precision, SecondLook } from './manifest';
import type { SubtypeReading } from './subtypeGate';
import type { SentenceMapSource } from './lesionMap';
import type { Edge } from '../image/blankBorder';
import type { Rect } from '../image/preprocess';
import type { OrientationFix } from '../image/orientation';
import type { GreyImage, StudyIdentity } from '../image/types';

export type Backend = 'webgpu' | 'wasm' | 'cpu'; // 'cpu' = onnxruntime-node CPU provider (Node only)
export type DeviceRequest = Backend | 'auto';

export interface LoadOptions {
  modelUrl: string; // folder holding manifest.json (URL in the page, path or file URL in Node)
  device?: DeviceRequest;
  precision?: Precision;
  numThreads?: number;
  rememberedTimings?: RememberedTimings; // earlier loads' backend timings (LoadInfo.backendTimings), by key
  foldQuantizedWeights?: boolean; // int8 weights dequantised once at session creation (default true; false for the bench's comparison)
  // Decoder steps through the model's decoder_static when the folder has it: on WebGPU replayed from a captured graph
  // (default: on WebGPU only; true also on WASM/CPU, for tests and the bench; false: decoder_model_merged everywhere)
  staticDecoder?: boolean;
}

export interface LoadInfo {
  modelId: string;
  modelVersion: string;
  backend: Backend;
  backendReason: string; // why this backend ("WebGPU adapter found", "no WebGPU adapter: …", "fell back after error: …")
  precision: Precision;
  sessionMs: number;
  downloadBytes: number; // the model files' bytes
  keptBytes?: number; // of which read from the page's offline copy instead of fetched
  decoding: DecodingDefaults; // the manifest's decoding defaults (the page's refinement settings start from them)
  secondLook?: SecondLook; // the manifest's rule for flagging left-out findings, with its val measurement
  intendedUse: string; // the manifest's intended use and licence notes, for the page to show
  licence: string;
  backendTimings?: BackendTimings; // 'auto' with a WebGPU adapter: both backends' decoder step, measured or remembered
  staticDecoder: boolean; // decoder steps through decoder_static (on WebGPU: one replayed submission per step)
  runtimeBuild?: string; // the onnxruntime-web build the sessions run on ('wasm' | 'webgpu'; the page's offline copy keeps it)
}

/** One preprocessed view: normalised pixels [1,1,S,S] plus the original size for drawing. */
export interface ImageTensor {
  data: Float32Array; // length S*S, already normalised
  size: number; // S
  view?: 'frontal' | 'lateral' | 'unknown';
  name?: string; // file name, for messages
  isColour?: boolean; // the source image had colour (a cheap "is this a radiograph?" check)
  sourceWidth?: number; // the file's own pixel size, when the engine decoded it (a smaller film was enlarged to S)
  sourceHeight?: number;
  /** Set when a tenth or more of the image is blank border (src/image/blankBorder.ts): the film inside it,
   *  preprocessed like data [S*S], which the OOD detector scores too (half a chest padded out passes as a whole one). */
  inside?: InsideBorder;
  /** Where the film sits inside the S×S square (the rest is black padding), when the engine preprocessed it. */
  content?: Rect;
}

export interface InsideBorder {
  data: Float32Array; // [S*S] normalised, like ImageTensor.data
  blankShare: number; // share of the image's area in the blank bands
  bands: Record<Edge, number>; // each edge's band as a share of the side it cuts (wideEdges names the wide ones)
}

/** A radiograph for the engine to preprocess: the file's bytes (PNG, JPEG, DICOM), which it decodes itself, or the
 *  image the caller already decoded from them with src/image's decodeImageAsync (the page does, for its viewer), so
 *  the file is not decoded twice. */
export type ImageFile = EncodedImageFile | DecodedImageFile;

interface ImageFileBase {
  name: string;
  view?: 'frontal' | 'lateral' | 'unknown'; // the view the person chose (a DICOM ViewPosition tag takes precedence)
}

export interface EncodedImageFile extends ImageFileBase {
  bytes: ArrayBuffer;
}

export interface DecodedImageFile extends ImageFileBase {
  image: GreyImage; // decodeImageAsync's result as it came (values are not needed); its data buffer is transferred
}

/** A view as the model saw it, for drawing under the heatmap: the preprocessed grey image before normalisation,
 *  and where the original image sits inside the S×S square (original x → x·resizedWidth/width + offsetX). */
export interface PreparedView {
  name: string;
  size: number; // S
  grey: Uint8Array; // [S*S] row-major
  isColour: boolean;
  view: 'frontal' | 'lateral' | 'unknown';
  width: number; // original pixel size
  height: number;
  offsetX: number; // left padding in S-pixels
  offsetY: number;
  resizedWidth: number; // the image's extent inside the square, in S-pixels
  resizedHeight: number;
  frames?: number; // frames in the file (only the first is read)
  notChestRadiograph?: string; // the DICOM tags say this is not a chest radiograph: why
  study?: StudyIdentity; // DICOM: the patient and study the file names
}

export interface GenerateOptions extends Partial<DecodingDefaults> {
  signal?: AbortSignal;
}

export type Stage = 'download' | 'compile' | 'encode' | 'decode' | 'rerank' | 'done';

export interface ProgressEvent {
  stage: Stage;
  loaded?: number; // download: bytes of all the model's files so far; decode: tokens
  total?: number; // download: bytes of all the model's files
  file?: string; // download: the file whose bytes just arrived
  message?: string;
  notFrontalChest?: boolean; // on the decode stage: the OOD detector fired, so the page will withhold this draft
}

export interface Candidate {
  text: string;
  tokenIds: number[]; // generated ids after BOS, EOS included when the candidate ended with it
  logp: number; // sum of token log-probabilities (under the processed distribution the search ranks by)
  length: number; // |c| = tokenIds.length
  lengthNormLogp: number; // logp / |c|^alpha
  similarity: number; // cos(p_img, p_txt(c)): the similarity towers' when the model has them, else the decoder's
  agreement: number; // how far the other candidates assert the same findings (mean Jaccard, 0–1)
  support: number; // finding votes: Σ over its findings of (share of draws asserting it − τ); 0 without votes
  score: number; // lengthNormLogp + beta * similarity + consensus * agreement; under finding votes its finding set's score
  group: number; // diverse beam group (0 = the unpenalised one); sampled alternatives come after the groups
  sampled: boolean; // drawn from the model's distribution rather than kept by the beam
  draws: number; // how many search rows produced this exact token sequence (a repeated sample is one more vote)
  findings: string[]; // finding keys the labeler reads as asserted in this candidate (ancestors included)
  chosen: boolean;
}

/** What the side gate did to a draft, and the measurement behind it (src/engine/sideGate.ts). */
export interface SideGateReport {
  findings: string[]; // finding keys whose side the drafts leave out
  removed: boolean; // the chosen draft (or a draw that became it) named a side the gate took out
  measured: { finding: string; right: number; sided: number; split: string }[]; // how often the model's drafts named the right side
}

/** Draft sentences that rule out a finding the model was not shown to read (src/engine/unassessed.ts). */
export interface UnassessedReport {
  statements: { sentence: number; findings: string[] }[]; // sentence: as TokenInfo.sentence numbers them
  measured: { finding: string; positives: number; recalled: number }[]; // per finding named: films that have it, and drafts that found it
  split: string; // where that was measured
}

/** What the self-refinement weighed: the alternatives and why the chosen one won. */
export interface Refinement {
  similaritySource: 'towers' | 'decoder'; // towers: text-only p_txt (tells findings apart); decoder: model 1.0's
  findingSets: number; // distinct finding sets among the candidates (same set = one clinical alternative)
  tally: { finding: string; candidates: number }[]; // per finding, how many candidates assert it
  lmChoice: number; // index into candidates of the best by language-model score alone
  subtype?: SubtypeReading; // the pneumonia-subtype gate's reading, when the model has the probe and the gate is on
  sideGate?: SideGateReport; // with the side gate on: the findings it covers, and whether it took a side out of the chosen draft
  reading?: Record<string, number>; // the finding reader's P(f | film) for the findings of the tally it reads, when the model has one
  readerWeight?: number; // its weight in the finding votes (0: shown, not used)
}

export interface TokenInfo {
  text: string;
  id: number; // token id
  grounding: number; // cos(e_t, p_img)
  sentence: number; // index of the sentence the token belongs to
  section: 'findings' | 'impression';
  byProbe?: boolean; // a word the subtype gate's probe put in (subtype_name): the language model did not write it
}

export interface Heatmap {
  grid: [number, number];
  views: number;
  values: Float32Array; // [tokens, views, rows*cols] cos(e_t, v_n), token-major
}

export interface OodResult {
  score: number; // embedding distance: diag Mahalanobis of p_img from the training mean
  threshold: number;
  detector: { logits: number[]; threshold: number } | null; // the detector's logit per view, when the model has one
  warning: string | null; // a message for a person when the image looks out of distribution
  fixes?: ViewFix[]; // flagged views that a turn or an inversion sets right (orientationCheck.ts); views that look mirrored (mirrorCheck.ts)
}

/** A view to set right: which view (the input's order: generateFiles maps it back from the views it drafted), what to
 *  do to it, and the logit after: the detector's for a turn or an inversion, the mirror check's for the flip. */
export interface ViewFix {
  view: number;
  fix: OrientationFix;
  logit: number;
}

export interface ReportResult {
  report: { findings: string; impression: string; text: string };
  candidates: Candidate[]; // best combined score first; the first is the chosen one
  rerankChangedChoice: boolean;
  refinement: Refinement;
  tokens: TokenInfo[];
  heatmap: Heatmap;
  sentenceHeatmaps: Float32Array; // [sentences, views, rows*cols]
  sentenceMapSources?: SentenceMapSource[]; // [sentences] the mean of the words' maps, or the lesion map (src/engine/lesionMap.ts); absent = words
  // Where the lesion map places the localised findings the second look flags although the draft left them out; absent
  // when none is flagged, or the map is unsure where (its peak under min_peak). values: [views, rows*cols], peak 1 per view.
  secondLookMap?: { findings: string[]; values: Float32Array };
  ood: OodResult;
  warnings: string[]; // everything a person should know before trusting the draft (OOD, colour image, …)
  views?: PreparedView[]; // filled by generateFiles
  draftViews?: number[]; // indices of the input views the draft was made from (laterals left out; see draftViews.ts)
  viewsNote?: string; // how the views were used, for the page (null-ish when all went into the draft)
  unassessed?: UnassessedReport; // with the manifest's assessed_findings: sentences whose negatives the model was not shown to read
  flaggedViews?: number[]; // input indices of the frontal views tried first and flagged by the detector (not drafted)
  backend: Backend;
  backendReason?: string; // set when this generate had to leave WebGPU (why, and what it runs on now)
  settings: DecodingDefaults;
  timings: ReportTimings;
}

/** Wall times of one report (ms). decode_ms runs from the encoder's end to the maps (search, rerank, heatmaps);
 *  decoder is the part of it spent in the decoder session's calls, and the rows they computed. */
export interface ReportTimings {
  encode_ms: number;
  decode_ms: number;
  total_ms: number;
  decoder: DecoderRunStats;
}

export interface GenerateCallbacks {
  onStage?: (e: ProgressEvent) => void;
  onToken?: (partialText: string) => void; // best partial beam so far
  tokenIntervalMs?: number; // onToken at most this often (default STREAM_INTERVAL_MS, src/engine/tokenStream.ts); 0: every step
}

export interface ReportEngine {
  load(opts: LoadOptions, onProgress?: (e: ProgressEvent) => void): Promise<LoadInfo>;
  generate(images: ImageTensor[], opts?: GenerateOptions, callbacks?: GenerateCallbacks): Promise<ReportResult>;
  /** Decode + preprocess the files (1 or 2 views) inside the engine, then generate; the result carries `views`. */
  generateFiles(files: ImageFile[], opts?: GenerateOptions, callbacks?: GenerateCallbacks): Promise<ReportResult>;
  dispose(): Promise<void>;
}
