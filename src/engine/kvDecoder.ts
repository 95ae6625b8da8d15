// The one driver of decoder_model_merged's calling convention, shared by the engine (OnnxStepDecoder), the
// benchmarks and the parity tests: the first call takes [B,T,D] embeddings (image prefix + BOS, or a whole
// sequence) with an empty past; each later call takes one token per row and beam_idx, which reorders the cache
// inside the graph; each call's present.* outputs are fed back as the next call's past. A "fused-prefix" decoder
// (manifest architecture.decoder_graph) also takes prefix_key_values.*: empty on the first call, whose present.*
// then become the prefix every later call shares, while past/present carry only the report's tokens.
// With `cacheInJs` and a fused-prefix decoder that outputs new.* (the fed tokens' keys and values), a step fetches
// only those, and the next past (each row's parent's cache plus its new entries) is built here in two reused buffers
// per cache tensor. onnxruntime-web copies every fetched output into a freshly allocated array, and in Chromium
// fresh memory costs far more than the copy (a beam-3 step spent more time fetching present.* than computing).
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
  readonly cacheInJs: boolean; // steps fetch new.* and the cache is kept here (see the header)
  private readonly presentFetches: string[]; // logits, text_embeds, present.* (keys then values)
  private readonly newFetches: string[]; // logits, text_embeds, new.* (keys then values): a step's when cacheInJs
  private readonly buffers: Float32Array[][] = []; // per cache tensor, the two buffers the past alternates between

  constructor(
    private readonly ort: Pick<OrtRuntime, 'Tensor'>,
    private readonly decoder: Session,
    private readonly geometry: Geometry,
    opts: { cacheInJs?: boolean } = {}, // default true; false where present.* stays on the GPU
  ) {
    this.names = decoderNames(geometry.n_layers);
    this.sharedPrefix = geometry.decoder_graph === 'fused-prefix';
    const n = this.names;
    this.presentFetches = [n.logits, n.textEmbeds, ...n.presentKeys, ...n.presentValues];
    this.newFetches = [n.logits, n.textEmbeds, ...n.newKeys, ...n.newValues];
    const outputs = new Set(decoder.outputNames);
    this.cacheInJs = (opts.cacheInJs ?? true) && this.sharedPrefix && this.newFetches.every((o) => outputs.has(o));
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
    const stepsInJs = this.cacheInJs && past === this.past;
    const fetches = stepsInJs ? this.newFetches : this.presentFetches;
    const t0 = performance.now();
    const out = await this.decoder.run(feeds, fetches);
    this.stats.run_ms += performance.now() - t0;
    if (past === this.past) this.stats.token_rows += dims[0];
    else this.stats.prefix_rows += dims[0];
    const cache = fetches.slice(2).map((c) => out[c]);
    const next = stepsInJs ? this.appended(past, parents, cache) : cache;
    for (const t of past) t.dispose();
    if (past !== this.past) this.disposePast();
    this.past = next;
    return { logits: out[n.logits], textEmbeds: out[n.textEmbeds] };
  }

  /** The next past, per cache tensor: row b = past row parents[b] followed by its new entries, in this tensor's other
   *  buffer (the past's own buffer is read). */
  private appended(past: readonly OrtTensor[], parents: readonly number[], fresh: readonly OrtTensor[]): OrtTensor[] {
    return past.map((p, j) => {
      const [B, H, T, Dh] = fresh[j].dims;
      const t = p.dims[2];
      const size = B * H * (t + T) * Dh;
      const pair = (this.buffers[j] ??= [new Float32Array(0), new Float32Array(0)]);
      const side = pair[0].buffer === (p.data as Float32Array).buffer ? 1 : 0;
      if (pair[side].length < size) pair[side] = new Float32Array(Math.max(size, 2 * pair[side].length));
      const out = pair[side].subarray(0, size);
      appendCacheRows(p.data as Float32Array, [p.dims[0], H, t, Dh], parents, fresh[j].data as Float32Array, T, out);
      fresh[j].dispose();
      return new this.ort.Tensor('float32', out, [B, H, t + T, Dh]);
    });
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

/** out [B,H,t+T,Dh] ← for each row b and head h: past [rows,H,t,Dh] row parents[b], then fresh [B,H,T,Dh] row b. */
export function appendCacheRows(
  past: Float32Array,
  [rows, H, t, Dh]: readonly number[],
  parents: readonly number[],
  fresh: Float32Array,
  T: number,
  out: Float32Array,
): void {
  const B = parents.length;
  if (out.length !== B * H * (t + T) * Dh || fresh.length !== B * H * T * Dh) throw new RangeError('appendCacheRows: sizes disagree');
  for (let b = 0; b < B; b++) {
    const parent = parents[b];
    if (!(parent >= 0 && parent < rows)) throw new RangeError(`appendCacheRows: parent ${parent} of row ${b} is not one of ${rows} rows`);
    for (let h = 0; h < H; h++) {
      const at = (b * H + h) * (t + T) * Dh;
      if (t > 0) out.set(past.subarray((parent * H + h) * t * Dh, (parent * H + h + 1) * t * Dh), at);
      out.set(fresh.subarray((b * H + h) * T * Dh, (b * H + h + 1) * T * Dh), at + t * Dh);
    }
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
