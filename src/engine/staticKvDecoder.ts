// The decoder with a cache of fixed shape (training/static_decoder.py): the image prefix goes through the fused-prefix
// decoder's first call as before (KvDecoder), its cache is copied into slots 0..N of row 0, and every later call runs
// decoder_static on C rows (C: the rows asked for, rounded up to a power of two; spare rows follow row 0) with
// cache_position naming the new token's slot. On WebGPU the step session records its GPU commands on its first run
// and replays them after (graph capture), which needs the same buffers on every run: GpuStaticRunner keeps fixed
// GPUBuffers for every input and output, writes the small inputs into them, and copies present.* back into past.*
// after each step. HostStaticRunner drives the same graph with ordinary tensors (WASM, CPU): the tests' reference.
import type { DecoderCall, DecoderRunStats, KvDecoder } from './kvDecoder';
import type { ModelManifest } from './manifest';
import { decoderNames, type DecoderNames, type OrtRuntime, type OrtTensor, type Session } from './sessions';

export interface StaticGeometry {
  layers: number;
  heads: number;
  headDim: number;
  length: number; // S, the cache's slots (architecture.static_cache_length)
  dModel: number;
  vocab: number;
  embedDim: number;
}

/** The geometry of a manifest that lists decoder_static (checkManifest has checked static_cache_length). */
export function staticGeometry(m: ModelManifest): StaticGeometry {
  const a = m.architecture;
  return {
    layers: a.n_layers,
    heads: a.n_heads,
    headDim: a.head_dim,
    length: a.static_cache_length!,
    dModel: a.d_model,
    vocab: a.vocab_size,
    embedDim: a.embed_dim,
  };
}

/** One step's outputs for all C rows: logits [C,V], text_embeds [C,E], in arrays the caller may keep. */
export interface StaticOutputs {
  logits: Float32Array;
  textEmbeds: Float32Array;
}

/** The fixed-shape cache on C rows and the step session that reads and writes it. A model keeps one per C for its
 *  life (graph capture replays on the buffers of the first run), and runs one search at a time (the engine's queue). */
export interface StaticRunner {
  readonly capacity: number;
  /** The fused-prefix decoder's first call's present.* ([1,H,N,Dh] each, keys then values) → slots 0..N-1 of row 0. */
  loadPrefix(prefix: readonly OrtTensor[]): Promise<void>;
  /** embeds [C,1,D], beamIdx [C], the new token's slot → the outputs; present.* become the next step's past.* */
  run(embeds: Float32Array, beamIdx: Int32Array, position: number): Promise<StaticOutputs>;
  /** Row 0..capacity-1 of this cache into `to`'s (a runner with more rows). */
  copyTo(to: StaticRunner): Promise<void>;
  dispose(): void;
}

/** A runner with room for at least `rows` rows. */
export type StaticRunnerFactory = (rows: number) => Promise<StaticRunner>;

/** C for a call on `rows` rows: the next power of two (so a few step sessions serve every search width). */
export function staticCapacity(rows: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, rows)));
}

/** KvDecoder's calls over the static cache: the same first call, then decoder_static's steps. */
export class StaticKvDecoder {
  private readonly own = { run_ms: 0, token_rows: 0 }; // the static steps' (the first call's are in first.stats)
  private runner: StaticRunner | null = null;
  private prefix: readonly OrtTensor[] = [];
  private position = 0; // the next token's slot
  private rows = 0; // rows of the last call

  constructor(
    private readonly ort: Pick<OrtRuntime, 'Tensor'>,
    private readonly first: KvDecoder,
    private readonly runnerFor: StaticRunnerFactory,
    private readonly geometry: StaticGeometry,
  ) {}

  get stats(): DecoderRunStats {
    const first = this.first.stats;
    return { run_ms: first.run_ms + this.own.run_ms, prefix_rows: first.prefix_rows, token_rows: first.token_rows + this.own.token_rows };
  }

  /** A first call ([1,T,D]: image prefix + BOS), through the fused-prefix decoder. */
  async start(embeds: Float32Array, dims: [number, number, number]): Promise<DecoderCall> {
    this.releaseRunner();
    const out = await this.first.start(embeds, dims);
    this.prefix = this.first.prefixCache();
    this.position = dims[1];
    this.rows = dims[0];
    return out;
  }

  /** A later call: `embeds` [B,1,D], row b continuing row parents[b] of the last call. */
  async step(embeds: Float32Array, dims: [number, number, number], parents: readonly number[]): Promise<DecoderCall> {
    const [B, , D] = dims;
    if (this.rows === 0) throw new RangeError('the static decoder steps only after a first call');
    if (this.position >= this.geometry.length) throw new RangeError(`the static cache holds ${this.geometry.length} positions; the report is longer`);
    if (parents.some((p) => !(p >= 0 && p < this.rows)))
      throw new RangeError(`parents ${parents.join(',')} name rows the last call did not have (${this.rows})`);
    const t0 = performance.now();
    const runner = await this.runnerWith(B);
    const C = runner.capacity;
    const rowEmbeds = new Float32Array(C * D); // [C,1,D]; spare rows stay zero
    rowEmbeds.set(embeds.subarray(0, B * D));
    const beamIdx = new Int32Array(C); // spare rows continue row 0
    beamIdx.set(parents);
    const out = await runner.run(rowEmbeds, beamIdx, this.position);
    this.own.run_ms += performance.now() - t0;
    this.own.token_rows += B;
    this.position += 1;
    this.rows = B;
    const { vocab: V, embedDim: E } = this.geometry;
    return {
      logits: new this.ort.Tensor('float32', out.logits.subarray(0, B * V), [B, 1, V]),
      textEmbeds: new this.ort.Tensor('float32', out.textEmbeds.subarray(0, B * E), [B, 1, E]),
    };
  }

  /** The runner for B rows: the first step's holds the prefix; a later step with more rows moves the cache over. */
  private async runnerWith(B: number): Promise<StaticRunner> {
    if (this.runner && this.runner.capacity >= B) return this.runner;
    const next = await this.runnerFor(B);
    if (next.capacity < B) throw new RangeError(`a static cache of ${next.capacity} rows cannot hold ${B}`);
    if (this.runner) {
      await this.runner.copyTo(next);
    } else {
      await next.loadPrefix(this.prefix);
    }
    this.runner = next;
    return next;
  }

  private releaseRunner(): void {
    this.runner = null; // the runners belong to the model (StaticSteps) and serve its next search
  }

  /** Frees the first call's cache; the runners' fixed buffers stay with the model for its next search. */
  dispose(): void {
    this.releaseRunner();
    this.prefix = [];
    this.first.dispose();
  }
}

/** The step graph's input names in order with their past.* names (keys then values per layer, as present.*). */
export function staticCacheNames(layers: number): { past: string[]; present: string[] } {
  const n = decoderNames(layers);
  return { past: [...n.pastKeys, ...n.pastValues], present: [...n.presentKeys, ...n.presentValues] };
}

/** decoder_static through ordinary tensors: the reference for the GPU runner, and the path on WASM/CPU. */
export class HostStaticRunner implements StaticRunner {
  private past: Float32Array[]; // per cache tensor [C,H,S,Dh]
  private readonly names: DecoderNames;

  constructor(
    private readonly ort: Pick<OrtRuntime, 'Tensor'>,
    private readonly session: Session,
    private readonly g: StaticGeometry,
    readonly capacity: number,
  ) {
    this.names = decoderNames(g.layers);
    this.past = Array.from({ length: 2 * g.layers }, () => new Float32Array(capacity * g.heads * g.length * g.headDim));
  }

  async loadPrefix(prefix: readonly OrtTensor[]): Promise<void> {
    const { heads: H, length: S, headDim: Dh } = this.g;
    for (let j = 0; j < prefix.length; j++) {
      const data = (await prefix[j].getData()) as Float32Array; // [1,H,N,Dh]
      const N = prefix[j].dims[2];
      for (let h = 0; h < H; h++) this.past[j].set(data.subarray(h * N * Dh, (h + 1) * N * Dh), h * S * Dh);
    }
  }

  async run(embeds: Float32Array, beamIdx: Int32Array, position: number): Promise<StaticOutputs> {
    const { heads: H, length: S, headDim: Dh, dModel: D } = this.g;
    const C = this.capacity;
    const n = this.names;
    const cache = staticCacheNames(this.g.layers);
    const feeds: Record<string, OrtTensor> = {
      [n.embeds]: new this.ort.Tensor('float32', embeds, [C, 1, D]),
      [n.beamIdx]: new this.ort.Tensor('int32', beamIdx, [C]),
      [n.cachePosition]: new this.ort.Tensor('int32', Int32Array.of(position), [1]),
    };
    cache.past.forEach((name, j) => (feeds[name] = new this.ort.Tensor('float32', this.past[j], [C, H, S, Dh])));
    const out = await this.session.run(feeds);
    try {
      this.past = await Promise.all(cache.present.map(async (name) => ((await out[name].getData()) as Float32Array).slice()));
      return {
        logits: ((await out[this.names.logits].getData()) as Float32Array).slice(),
        textEmbeds: ((await out[this.names.textEmbeds].getData()) as Float32Array).slice(),
      };
    } finally {
      for (const t of Object.values(out)) t.dispose();
    }
  }

  async copyTo(to: StaticRunner): Promise<void> {
    if (!(to instanceof HostStaticRunner)) throw new TypeError('a host cache copies only into another host cache');
    this.past.forEach((p, j) => to.past[j].set(p));
  }

  dispose(): void {
    this.past = [];
  }
}
