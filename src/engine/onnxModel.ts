// The model through ONNX Runtime: the vision encoder once per generate (all views in one batch) and a
// StepDecoder over decoder_model_merged that keeps the key/value cache between calls (beam_idx reorders
// it inside the graph). The image prefix goes through the decoder once, on the first call. The
// out-of-distribution detector, when the folder has one, scores the same pixel tensor in the same encode, and the
// similarity towers' image side reads the same image tokens; the image reader reads the same pixels, and the lesion map
// reads them when a draft asks for it.
import type { DecoderStep, StepDecoder } from './beamSearch';
import { ModelFileError } from './errors';
import { readFindings } from './findingReader';
import type { ModelManifest } from './manifest';
import modelIO from './modelIO.json' with { type: 'json' };
import { type DecoderCall, type DecoderRunStats, embedTokens, KvDecoder } from './kvDecoder';
import type { ModelSessions, OrtTensor } from './sessions';
import { StaticKvDecoder } from './staticKvDecoder';
import { SimilarityTowers, type TowerImage } from './similarityTowers';
import type { ImageTensor } from './types';

export interface EncodedImages {
  prefix: Float32Array; // [N*D] image_features averaged over views
  patchEmbeds: Float32Array[]; // per view [N*E]
  pImg: Float32Array; // [E] image_embeds averaged over views
  oodLogits: Float32Array | null; // [V] the detector's logit per view (high = unlike the training radiographs); null without one
  oodInsideLogits: Float32Array | null; // [V] its logit on the film inside each view's blank border (NaN: no border); null without one
  mirrorLogits: Float32Array | null; // [V] the mirror check's logit per view (high = shown mirrored); null without one
  reading: Record<string, number> | null; // the finding reader's P(f | film) (either kind, views averaged); null without one
  imageReading: Record<string, number> | null; // the image reader's P(f | film) (views averaged); null when the folder has none
  towers: TowerImage | null; // the similarity towers' p_img and patch embeddings; null without towers
}

async function floats(t: OrtTensor): Promise<Float32Array> {
  return (await t.getData()) as Float32Array;
}

/** Mean over the leading axis: [B, L] → [L]. */
function meanRows(data: Float32Array, rows: number): Float32Array {
  const L = data.length / rows;
  const out = new Float32Array(L);
  for (let i = 0; i < L; i++) {
    let s = 0;
    for (let b = 0; b < rows; b++) s += data[b * L + i];
    out[i] = s / rows;
  }
  return out;
}

function disposeAll(tensors: Iterable<OrtTensor>): void {
  for (const t of tensors) t.dispose();
}

export class OnnxReportModel {
  readonly towers: SimilarityTowers | null;
  private table: Promise<Float32Array> | null = null;

  constructor(
    readonly sessions: ModelSessions,
    readonly manifest: ModelManifest,
  ) {
    this.towers = sessions.similarity && manifest.similarity ? new SimilarityTowers(sessions.ort, sessions.similarity, manifest) : null;
  }

  /** One vision call (and one detector and mirror-check call) for all views: [V,1,S,S] → prefix, per-view patch embeddings, p_img,
   *  OOD and mirror logits. */
  async encode(images: ImageTensor[]): Promise<EncodedImages> {
    const input = this.pixelTensor(images);
    const pixels = input.data as Float32Array;
    const { whole: oodLogits, inside: oodInsideLogits } = await this.detectViews(images, input);
    const mirrorLogits = await this.checkMirror(input);
    const io = modelIO.vision;
    const out = await this.sessions.vision.run({ [io.inputs.pixels]: input });
    try {
      const features = await floats(out[io.outputs.imageTokens]); // [V,N,D]
      const patches = await floats(out[io.outputs.patchEmbeds]); // [V,N,E]
      const embeds = await floats(out[io.outputs.imageEmbed]); // [V,E]
      const prefix = meanRows(features, images.length); // [N*D]
      const per = patches.length / images.length;
      const imageReading = await this.readImage(input, images.length);
      return {
        prefix,
        patchEmbeds: images.map((_, v) => patches.slice(v * per, (v + 1) * per)),
        pImg: meanRows(embeds, images.length),
        oodLogits,
        oodInsideLogits,
        mirrorLogits,
        reading: this.findingReading(prefix, imageReading),
        imageReading,
        towers: this.towers ? await this.towers.image({ features: features.slice(), pixels }, images.length) : null,
      };
    } finally {
      disposeAll(Object.values(out));
    }
  }

  /** The views' pixels as one tensor [V,1,S,S]. */
  private pixelTensor(images: readonly Pick<ImageTensor, 'data'>[]): OrtTensor {
    const S = this.manifest.preprocessing.image_size;
    const pixels = new Float32Array(images.length * S * S); // [V,1,S,S]
    images.forEach((im, v) => pixels.set(im.data, v * S * S));
    return new this.sessions.ort.Tensor('float32', pixels, [images.length, 1, S, S]);
  }

  private async detect(input: OrtTensor): Promise<Float32Array | null> {
    const detector = this.sessions.oodDetector;
    if (!detector) return null;
    const io = modelIO.ood;
    const out = await detector.run({ [io.inputs.pixels]: input });
    try {
      return (await floats(out[io.outputs.score])).slice(); // [V]
    } finally {
      disposeAll(Object.values(out));
    }
  }

  /** The mirror check's logit per view [V] on the pixels [V,1,S,S]; null when the folder has none. */
  private async checkMirror(input: OrtTensor): Promise<Float32Array | null> {
    const session = this.sessions.mirrorCheck;
    if (!session || !this.manifest.mirror_check) return null;
    const io = modelIO.mirrorCheck;
    const out = await session.run({ [io.inputs.pixels]: input });
    try {
      const score = out[io.outputs.score];
      if (!score) throw new ModelFileError(this.manifest.mirror_check.path, 'corrupt', `it has no output "${io.outputs.score}"`);
      return (await floats(score)).slice(); // [V]
    } finally {
      disposeAll(Object.values(out));
    }
  }

  /** The detector on tensors [S*S] of the caller's making (orientationCheck.ts's corrections): one logit each; null
   *  when the folder has no detector. */
  async detectPixels(tensors: readonly Float32Array[]): Promise<Float32Array | null> {
    return this.detect(this.pixelTensor(tensors.map((data) => ({ data }))));
  }

  /** The detector on each view [V] and on the film inside each view's blank border (ImageTensor.inside) [V], NaN for a
   *  view without one; one call, whose batch is the views and then their bordered films. input: the views' [V,1,S,S]. */
  private async detectViews(images: ImageTensor[], input: OrtTensor): Promise<{ whole: Float32Array | null; inside: Float32Array | null }> {
    const V = images.length;
    const bordered = images.flatMap((im, v) => (im.inside ? [{ v, data: im.inside.data }] : []));
    const scored = bordered.length ? await this.detectPixels([...images.map((im) => im.data), ...bordered.map(({ data }) => data)]) : await this.detect(input);
    if (!scored) return { whole: null, inside: null };
    const inside = new Float32Array(V).fill(Number.NaN);
    bordered.forEach(({ v }, k) => {
      inside[v] = scored[V + k];
    });
    return { whole: scored.slice(0, V), inside };
  }

  /** The image reader's P(f | film) per finding: its network on the pixels [V,1,S,S], the probabilities [V,F] averaged
   *  over the views; null when the folder has no image reader. */
  private async readImage(input: OrtTensor, views: number): Promise<Record<string, number> | null> {
    const entry = this.manifest.image_reader;
    const reader = this.sessions.imageReader;
    if (!entry || !reader) return null;
    const io = modelIO.imageReader;
    const out = await reader.run({ [io.inputs.pixels]: input });
    try {
      const probs = meanRows(await floats(out[io.outputs.probabilities]), views); // [V,F] → [F]
      return Object.fromEntries(entry.findings.map((f, i) => [f, probs[i]]));
    } finally {
      disposeAll(Object.values(out));
    }
  }

  /** The lesion map's probabilities over the heatmap grid's cells, per view [V*N]; null when the folder has none. Run
   *  on demand (generateReport asks once a draft's sentence asserts a lesion), not in every encode. */
  async lesionMap(images: ImageTensor[]): Promise<Float32Array | null> {
    if (!this.manifest.lesion_map || !this.sessions.lesionMap) return null;
    const session = await this.sessions.lesionMap.get();
    const io = modelIO.lesionMap;
    const out = await session.run({ [io.inputs.pixels]: this.pixelTensor(images) });
    try {
      const map = out[io.outputs.map];
      if (!map) throw new ModelFileError(this.manifest.lesion_map.path, 'corrupt', `it has no output "${io.outputs.map}"`);
      return (await floats(map)).slice(); // [V,N]
    } finally {
      disposeAll(Object.values(out));
    }
  }

  /** The finding votes' reading: the linear head on the prefix [N*D], or the image reader's; null without a reader. */
  private findingReading(prefix: Float32Array, imageReading: Record<string, number> | null): Record<string, number> | null {
    const entry = this.manifest.finding_reader;
    if (!entry) return null;
    if (entry.feature === 'image_tokens_mean') return readFindings(entry, prefix, this.manifest.architecture.d_model);
    return imageReading;
  }

  /** The token embedding table [V*D], read once through embed_tokens (all ids in one call) and then looked up in JS:
   *  a decoder step then costs one session call, not two. The values are embed_tokens' own (int8 dequantised alike). */
  tokenTable(): Promise<Float32Array> {
    const V = this.manifest.architecture.vocab_size;
    this.table ??= embedTokens(
      this.sessions.ort,
      this.sessions.embed,
      Array.from({ length: V }, (_, id) => [id]),
    ); // [V,1,D]
    return this.table;
  }

  stepDecoder(prefix: Float32Array): OnnxStepDecoder {
    return new OnnxStepDecoder(this, prefix);
  }

  /** Teacher-forced model 1.0 similarity input: the decoder's text_embeds [E] at each fed report token of `ids`
   *  (no BOS, no EOS), read behind `prefix` in one uncached call. For evaluating the decoder's similarity. */
  async teacherForcedTextEmbeds(prefix: Float32Array, ids: readonly number[]): Promise<Float32Array[]> {
    const decoder = this.stepDecoder(prefix);
    try {
      return await decoder.forced(ids);
    } finally {
      decoder.dispose();
    }
  }
}

export class OnnxStepDecoder implements StepDecoder {
  readonly vocabSize: number;
  readonly embedDim: number;
  private readonly kv: KvDecoder | StaticKvDecoder;

  constructor(
    private readonly model: OnnxReportModel,
    private readonly prefix: Float32Array,
  ) {
    this.vocabSize = model.manifest.architecture.vocab_size;
    this.embedDim = model.manifest.architecture.embed_dim;
    const { ort, decoder, staticSteps, gpuPast } = model.sessions;
    const first = new KvDecoder(ort, decoder, model.manifest.architecture, { cacheInJs: !gpuPast });
    this.kv = staticSteps ? new StaticKvDecoder(ort, first, (rows) => staticSteps.runnerForRows(rows), staticSteps.geometry) : first;
  }

  /** ids [B] → their token embeddings [B,D] from the table. */
  private async embed(ids: readonly number[]): Promise<Float32Array> {
    const table = await this.model.tokenTable();
    const D = this.model.manifest.architecture.d_model;
    const out = new Float32Array(ids.length * D);
    ids.forEach((id, b) => out.set(table.subarray(id * D, (id + 1) * D), b * D));
    return out;
  }

  /** [prefix ; embed(BOS)] as [1, N+1, D] */
  private async prefixed(ids: readonly number[]): Promise<{ embeds: Float32Array; T: number }> {
    const D = this.model.manifest.architecture.d_model;
    const tokens = await this.embed([this.model.manifest.special_ids.bos, ...ids]);
    const T = this.prefix.length / D + 1 + ids.length;
    const embeds = new Float32Array(T * D);
    embeds.set(this.prefix);
    embeds.set(tokens, this.prefix.length);
    return { embeds, T };
  }

  async first(): Promise<DecoderStep> {
    const D = this.model.manifest.architecture.d_model;
    const { embeds, T } = await this.prefixed([]); // [1, N+1, D] = [prefix ; embed(BOS)]
    return this.lastPosition(await this.kv.start(embeds, [1, T, D]), 1, T);
  }

  /** [prefix ; BOS ; ids] in one call → text_embeds at the positions of ids[i] as input, i.e. of BOS..ids[n-2]'s
   *  successors: the embedding emitted when ids[i] is fed. */
  async forced(ids: readonly number[]): Promise<Float32Array[]> {
    const D = this.model.manifest.architecture.d_model;
    const E = this.embedDim;
    const N = this.prefix.length / D;
    const { embeds, T } = await this.prefixed(ids); // [1, T, D]
    const out = await this.kv.start(embeds, [1, T, D]);
    try {
      const text = await floats(out.textEmbeds); // [1,T,E]
      return ids.map((_, i) => text.slice((N + 1 + i) * E, (N + 2 + i) * E));
    } finally {
      disposeAll([out.logits, out.textEmbeds]);
      this.kv.dispose();
    }
  }

  async next(tokens: number[], parents: number[]): Promise<DecoderStep> {
    const D = this.model.manifest.architecture.d_model;
    const embeds = await this.embed(tokens); // [B,1,D]
    return this.lastPosition(await this.kv.step(embeds, [tokens.length, 1, D], parents), tokens.length, 1);
  }

  /** The [B,V] logits and [B,E] text embeddings at each row's last position. */
  private async lastPosition(out: DecoderCall, B: number, T: number): Promise<DecoderStep> {
    const V = this.vocabSize;
    const E = this.embedDim;
    const logitsAll = await floats(out.logits); // [B,T,V]
    const textAll = await floats(out.textEmbeds); // [B,T,E]
    const logits = new Float32Array(B * V);
    const textEmbeds = new Float32Array(B * E);
    for (let b = 0; b < B; b++) {
      logits.set(logitsAll.subarray((b * T + T - 1) * V, (b * T + T) * V), b * V);
      textEmbeds.set(textAll.subarray((b * T + T - 1) * E, (b * T + T) * E), b * E);
    }
    out.logits.dispose();
    out.textEmbeds.dispose();
    return { logits, textEmbeds };
  }

  /** The decoder session's calls so far: time and rows. */
  get runStats(): DecoderRunStats {
    return { ...this.kv.stats };
  }

  /** Frees the cache (GPU buffers on WebGPU). Call after the search, also when it failed or was cancelled. */
  dispose(): void {
    this.kv.dispose();
  }
}
