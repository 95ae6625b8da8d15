// The one driver of decoder_model_merged's calling convention, shared by the engine (OnnxStepDecoder), the
// benchmarks and the parity tests: the first call takes [B,T,D] embeddings (image prefix + BOS, or a whole
// sequence) with an empty past; each later call takes one token per row and beam_idx, which reorders the cache
// inside the graph; each call's present.* outputs are fed back as the next call's past. A "fused-prefix" decoder
// (manifest architecture.decoder_graph) also takes prefix_key_values.*: empty on the first call, whose present.*
// then become the prefix every later call shares, while past/present carry only the report's tokens.
import type { ModelManifest } from './manifest';
import modelIO from './modelIO.json' with { type: 'json' };
import { decoderNames, type DecoderNames, type OrtRuntime, type OrtTensor, type Session } from './sessions';

/** The decoder outputs of one call, [B,T,V] logits and [B,T,E] text embeddings; the caller disposes both. */
export interface DecoderCall {
  logits: OrtTensor;
  textEmbeds: OrtTensor;
}

type Geometry = Pick<ModelManifest['architecture'], 'n_layers' | 'n_heads' | 'head_dim' | 'decoder_graph'>;

/** What the decoder session did for one search: its calls' time and the rows they computed (for FLOP counts). */
export interface DecoderRunStats {
  run_ms: number; // summed wall time of the session calls (the runtime's own work, with its input/output copies)
  prefix_rows: number; // rows of first calls (image prefix + BOS, T positions each)
  token_rows: number; // rows of later calls (one token each)
}

export class KvDecoder {
  readonly names: DecoderNames;
  private past: OrtTensor[] = []; // keys then values, per layer (the previous call's present.*)
  private prefix: OrtTensor[] = []; // fused-prefix: the first call's present.*, keys then values, shared by every row
  readonly sharedPrefix: boolean;
  readonly stats: DecoderRunStats = { run_ms: 0, prefix_rows: 0, token_rows: 0 };

  constructor(
    private readonly ort: Pick<OrtRuntime, 'Tensor'>,
    private readonly decoder: Session,
    private readonly geometry: Geometry,
  ) {
    this.names = decoderNames(geometry.n_layers);
    this.sharedPrefix = geometry.decoder_graph === 'fused-prefix';
  }

  private empty(rows: number): OrtTensor[] {
    const { n_heads: H, head_dim: Dh, n_layers: L } = this.geometry;
    return Array.from({ length: 2 * L }, () => new this.ort.Tensor('float32', new Float32Array(0), [rows, H, 0, Dh]));
  }

  /** A first call: `embeds` [B,T,D] with an empty cache for B rows (beam_idx 0..B-1). Drops any earlier cache. */
  async start(embeds: Float32Array, dims: [number, number, number]): Promise<DecoderCall> {
    const B = dims[0];
    this.disposePrefix();
    if (this.sharedPrefix) this.prefix = this.empty(1);
    const out = await this.call(
      embeds,
      dims,
      Array.from({ length: B }, (_, b) => b),
      this.empty(B),
    );
    if (this.sharedPrefix) {
      // What the first call cached is the prefix from now on; the report's own cache starts empty.
      this.disposePrefix();
      this.prefix = this.past;
      this.past = this.empty(B);
    }
    return out;
  }

  /** A later call: `embeds` [B,1,D], one new token per row; row b continues the cached row parents[b]. */
  async step(embeds: Float32Array, dims: [number, number, number], parents: readonly number[]): Promise<DecoderCall> {
    // The graph shares one prefix row among all rows (a first call of B > 1 rows can only be read, not continued).
    const prefixRows = this.prefix[0]?.dims[0] ?? 1;
    if (this.sharedPrefix && prefixRows > 1) {
      throw new RangeError(`the shared image prefix has ${prefixRows} rows; start a search from one row, then step with parents`);
    }
    return this.call(embeds, dims, parents, this.past);
  }

  /** A fused-prefix decoder's image-prefix cache after start(): present.* of the first call, keys then values per
   *  layer, [1,H,N,Dh] each (on the GPU on WebGPU). Owned by this decoder until dispose(). */
  prefixCache(): readonly OrtTensor[] {
    return this.prefix;
  }

  private async call(embeds: Float32Array, dims: [number, number, number], parents: readonly number[], past: OrtTensor[]): Promise<DecoderCall> {
    const n = this.names;
    const L = n.pastKeys.length;
    const feeds: Record<string, OrtTensor> = {
      [n.embeds]: new this.ort.Tensor('float32', embeds, dims),
      [n.beamIdx]: new this.ort.Tensor(
        'int64',
        BigInt64Array.from(parents, (p) => BigInt(p)),
        [parents.length],
      ),
    };
    for (let i = 0; i < L; i++) {
      feeds[n.pastKeys[i]] = past[i];
      feeds[n.pastValues[i]] = past[L + i];
      if (this.sharedPrefix) {
        feeds[n.prefixKeys[i]] = this.prefix[i];
        feeds[n.prefixValues[i]] = this.prefix[L + i];
      }
    }
    const t0 = performance.now();
    const out = await this.decoder.run(feeds);
    this.stats.run_ms += performance.now() - t0;
    if (past === this.past) this.stats.token_rows += dims[0];
    else this.stats.prefix_rows += dims[0];
    for (const t of past) t.dispose();
    if (past !== this.past) this.disposePast();
    this.past = [...n.presentKeys.map((k) => out[k]), ...n.presentValues.map((v) => out[v])];
    return { logits: out[n.logits], textEmbeds: out[n.textEmbeds] };
  }

  private disposePast(): void {
    for (const t of this.past) t.dispose();
    this.past = [];
  }

  private disposePrefix(): void {
    for (const t of this.prefix) t.dispose();
    this.prefix = [];
  }

  /** Frees the cache (GPU buffers on WebGPU). Call when done, also after a failure or a cancel. */
  dispose(): void {
    this.disposePast();
    this.disposePrefix();
  }
}

/** embed_tokens on rows of ids ([B,T], equal lengths) → a copy of the [B,T,D] embeddings. */
export async function embedTokens(ort: Pick<OrtRuntime, 'Tensor'>, embed: Session, rows: readonly (readonly number[])[]): Promise<Float32Array> {
  const io = modelIO.embed;
  const flat = rows.flat();
  const input = new ort.Tensor(
    'int64',
    BigInt64Array.from(flat, (i) => BigInt(i)),
    [rows.length, rows[0].length],
  );
  const out = await embed.run({ [io.inputs.ids]: input });
  try {
    return ((await out[io.outputs.embeds].getData()) as Float32Array).slice();
  } finally {
    for (const t of Object.values(out)) t.dispose();
  }
}
