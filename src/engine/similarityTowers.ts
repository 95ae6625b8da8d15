// The similarity towers through ONNX Runtime (training/similarity.py): the image tower on the vision encoder's
// per-view image tokens, and the text tower on report token ids alone (no image), so p_txt says what a report
// states. The engine scores every finished candidate (and partial beams at sentence ends) with one text call.
import { heatmapGrid, type ModelManifest } from './manifest';
import modelIO from './modelIO.json' with { type: 'json' };
import type { OrtRuntime, OrtTensor, Session } from './sessions';

export interface TowerImage {
  pImg: Float32Array; // [E] averaged over views
  patchEmbeds: Float32Array[]; // per view [N'*E], N' = the cells of `grid`
  grid: [number, number]; // the towers' patch grid (their own when they read pixels), which word maps are drawn on
}

export interface TowerTexts {
  pooled: Float32Array[]; // per report [E] (p_txt)
  tokens: Float32Array[][]; // per report, per fed token [E]
}

async function floats(t: OrtTensor): Promise<Float32Array> {
  return (await t.getData()) as Float32Array;
}

function disposeAll(out: Record<string, OrtTensor>): void {
  for (const t of Object.values(out)) t.dispose();
}

export class SimilarityTowers {
  readonly embedDim: number;

  constructor(
    private readonly ort: OrtRuntime,
    private readonly sessions: { image: Session; text: Session },
    private readonly manifest: ModelManifest,
  ) {
    this.embedDim = manifest.similarity!.embed_dim;
  }

  /** The image tower on V views: it reads `features` [V*N*D] (the vision encoder's image_features) or, for towers
   *  with their own eyes (`similarity.input` "pixels"), `pixels` [V*S*S] (the vision encoder's normalised input). */
  async image(inputs: { features: Float32Array; pixels: Float32Array }, views: number): Promise<TowerImage> {
    const { n_image_tokens: N, d_model: D } = this.manifest.architecture;
    const S = this.manifest.preprocessing.image_size;
    const E = this.embedDim;
    const io = modelIO.similarityImage;
    const feed =
      this.manifest.similarity?.input === 'pixels'
        ? { [io.inputs.pixels]: new this.ort.Tensor('float32', inputs.pixels, [views, 1, S, S]) }
        : { [io.inputs.imageTokens]: new this.ort.Tensor('float32', inputs.features, [views, N, D]) };
    const out = await this.sessions.image.run(feed);
    try {
      const patches = await floats(out[io.outputs.patchEmbeds]); // [V,N',E], N' = the towers' grid cells
      const pooled = await floats(out[io.outputs.imageEmbed]); // [V,E]
      const pImg = new Float32Array(E);
      for (let v = 0; v < views; v++) for (let e = 0; e < E; e++) pImg[e] += pooled[v * E + e] / views;
      const per = patches.length / views; // N'·E: the towers' own cell count when they read pixels
      return { pImg, patchEmbeds: Array.from({ length: views }, (_, v) => patches.slice(v * per, (v + 1) * per)), grid: heatmapGrid(this.manifest) };
    } finally {
      disposeAll(out);
    }
  }

  /** Reports as the token ids the decoder fed (no BOS, no EOS; [SEP] kept) → p_txt and per-token embeddings. */
  async texts(reports: readonly (readonly number[])[]): Promise<TowerTexts> {
    const B = reports.length;
    const T = Math.max(1, ...reports.map((r) => r.length));
    const E = this.embedDim;
    const pad = this.manifest.special_ids.pad;
    const ids = new BigInt64Array(B * T).fill(BigInt(pad)); // [B,T]
    const mask = new BigInt64Array(B * T); // [B,T] 1 = token
    reports.forEach((r, b) =>
      r.forEach((id, t) => {
        ids[b * T + t] = BigInt(id);
        mask[b * T + t] = 1n;
      }),
    );
    const io = modelIO.similarityText;
    const out = await this.sessions.text.run({
      [io.inputs.ids]: new this.ort.Tensor('int64', ids, [B, T]),
      [io.inputs.mask]: new this.ort.Tensor('int64', mask, [B, T]),
    });
    try {
      const tokens = await floats(out[io.outputs.tokenEmbeds]); // [B,T,E]
      const pooled = await floats(out[io.outputs.textEmbed]); // [B,E]
      return {
        pooled: reports.map((_, b) => pooled.slice(b * E, (b + 1) * E)),
        tokens: reports.map((r, b) => r.map((_, t) => tokens.slice((b * T + t) * E, (b * T + t + 1) * E))),
      };
    } finally {
      disposeAll(out);
    }
  }
}

/** Token ids a candidate fed to the decoder: its ids without the final EOS. */
export function fedIds(tokenIds: readonly number[], eos: number): number[] {
  return tokenIds[tokenIds.length - 1] === eos ? tokenIds.slice(0, -1) : [...tokenIds];
}
