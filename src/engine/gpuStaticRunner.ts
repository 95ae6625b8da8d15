// decoder_static on WebGPU with graph capture: onnxruntime-web binds a captured session's inputs and outputs once, on
// its first run, and replays the recorded commands on the same GPU buffers after. So this runner holds one GPU buffer
// per input and output for the model's life (allocated by ONNX Runtime: bufferModel.ts); for each step it writes the step's embeddings, beam_idx and cache_position into theirs,
// runs the session, then in one submission copies present.* into past.* and the logits and text_embeds into a staging
// buffer that it maps (the step's one wait for the GPU). Nothing else crosses to the CPU.
import type { StaticGeometry, StaticOutputs, StaticRunner } from './staticKvDecoder';
import { staticCacheNames } from './staticKvDecoder';
import type { BufferSpec } from './bufferModel';
import { decoderNames, type OrtTensor, type Session } from './sessions';

/** The few WebGPU calls used here (the page's device, as onnxruntime-web created it). */
export interface GpuBufferLike {
  readonly size: number;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}
interface CommandEncoderLike {
  copyBufferToBuffer(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): void;
  finish(): unknown;
}
export interface GpuDeviceLike {
  createBuffer(d: { size: number; usage: number }): GpuBufferLike;
  createCommandEncoder(): CommandEncoderLike;
  queue: { writeBuffer(b: GpuBufferLike, offset: number, data: ArrayBufferView): void; submit(commands: unknown[]): void };
}

// GPUBufferUsage and GPUMapMode bits (WebGPU spec)
const MAP_READ = 0x1;
const COPY_DST = 0x8;
const READ = 0x1;

const bytes = (elements: number) => Math.ceil((elements * 4) / 16) * 16; // 4-byte elements, 16-byte aligned sizes

/** The runner's tensors, each on a GPU buffer ONNX Runtime allocated (bufferModel.ts), by the step graph's names. */
export type StaticGpuTensors = Record<string, OrtTensor>;

/** The buffers GpuStaticRunner needs for `capacity` rows: every input and output of decoder_static. */
export function staticBufferSpecs(g: StaticGeometry, capacity: number): BufferSpec[] {
  const C = capacity;
  const names = decoderNames(g.layers);
  const cache = staticCacheNames(g.layers);
  const kv = [C, g.heads, g.length, g.headDim];
  return [
    { name: names.embeds, dims: [C, 1, g.dModel], dataType: 'float32' },
    { name: names.beamIdx, dims: [C], dataType: 'int32' },
    { name: names.cachePosition, dims: [1], dataType: 'int32' },
    ...cache.past.map((name) => ({ name, dims: kv, dataType: 'float32' as const })),
    ...cache.present.map((name) => ({ name, dims: kv, dataType: 'float32' as const })),
    { name: names.logits, dims: [C, 1, g.vocab], dataType: 'float32' },
    { name: names.textEmbeds, dims: [C, 1, g.embedDim], dataType: 'float32' },
  ];
}

export class GpuStaticRunner implements StaticRunner {
  private readonly feeds: Record<string, OrtTensor> = {};
  private readonly fetches: Record<string, OrtTensor> = {};
  private readonly past: GpuBufferLike[];
  private readonly present: GpuBufferLike[];
  private readonly embeds: GpuBufferLike;
  private readonly beamIdx: GpuBufferLike;
  private readonly position: GpuBufferLike;
  private readonly logits: GpuBufferLike;
  private readonly textEmbeds: GpuBufferLike;
  private readonly staging: GpuBufferLike;
  private readonly rowBytes: number; // one row of one cache tensor: H*S*Dh floats

  constructor(
    private readonly device: GpuDeviceLike,
    private readonly session: Session,
    private readonly g: StaticGeometry,
    readonly capacity: number,
    private readonly tensors: StaticGpuTensors,
  ) {
    const names = decoderNames(g.layers);
    const cache = staticCacheNames(g.layers);
    const buffer = (name: string) => {
      const t = tensors[name];
      if (t?.location !== 'gpu-buffer') throw new TypeError(`the static decoder's ${name} is not on the GPU`);
      return t.gpuBuffer as unknown as GpuBufferLike;
    };
    for (const name of [names.embeds, names.beamIdx, names.cachePosition, ...cache.past]) this.feeds[name] = tensors[name];
    for (const name of [names.logits, names.textEmbeds, ...cache.present]) this.fetches[name] = tensors[name];
    this.embeds = buffer(names.embeds);
    this.beamIdx = buffer(names.beamIdx);
    this.position = buffer(names.cachePosition);
    this.past = cache.past.map(buffer);
    this.present = cache.present.map(buffer);
    this.logits = buffer(names.logits);
    this.textEmbeds = buffer(names.textEmbeds);
    this.rowBytes = g.heads * g.length * g.headDim * 4;
    this.staging = device.createBuffer({ size: bytes(capacity * (g.vocab + g.embedDim)), usage: MAP_READ | COPY_DST });
  }
  async loadPrefix(prefix: readonly OrtTensor[]): Promise<void> {
    const { heads: H, length: S, headDim: Dh } = this.g;
    const encoder = this.device.createCommandEncoder();
    for (let j = 0; j < prefix.length; j++) {
      const N = prefix[j].dims[2]; // [1,H,N,Dh]
      if (prefix[j].location === 'gpu-buffer') {
        const src = prefix[j].gpuBuffer as unknown as GpuBufferLike;
        for (let h = 0; h < H; h++) encoder.copyBufferToBuffer(src, h * N * Dh * 4, this.past[j], h * S * Dh * 4, N * Dh * 4);
      } else {
        const data = (await prefix[j].getData()) as Float32Array;
        for (let h = 0; h < H; h++) this.device.queue.writeBuffer(this.past[j], h * S * Dh * 4, data.subarray(h * N * Dh, (h + 1) * N * Dh));
      }
    }
    this.device.queue.submit([encoder.finish()]);
  }

  async run(embeds: Float32Array, beamIdx: Int32Array, position: number): Promise<StaticOutputs> {
    const { vocab: V, embedDim: E } = this.g;
    const C = this.capacity;
    this.device.queue.writeBuffer(this.embeds, 0, embeds);
    this.device.queue.writeBuffer(this.beamIdx, 0, beamIdx);
    this.device.queue.writeBuffer(this.position, 0, Int32Array.of(position));
    await this.session.run(this.feeds, this.fetches);
    const encoder = this.device.createCommandEncoder();
    this.present.forEach((p, j) => encoder.copyBufferToBuffer(p, 0, this.past[j], 0, C * this.rowBytes));
    encoder.copyBufferToBuffer(this.logits, 0, this.staging, 0, C * V * 4);
    encoder.copyBufferToBuffer(this.textEmbeds, 0, this.staging, C * V * 4, C * E * 4);
    this.device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(READ);
    try {
      const all = new Float32Array(this.staging.getMappedRange().slice(0, C * (V + E) * 4));
      return { logits: all.subarray(0, C * V), textEmbeds: all.subarray(C * V) };
    } finally {
      this.staging.unmap();
    }
  }

  async copyTo(to: StaticRunner): Promise<void> {
    if (!(to instanceof GpuStaticRunner)) throw new TypeError('a GPU cache copies only into another GPU cache');
    const encoder = this.device.createCommandEncoder();
    this.past.forEach((p, j) => encoder.copyBufferToBuffer(p, 0, to.past[j], 0, this.capacity * this.rowBytes));
    this.device.queue.submit([encoder.finish()]);
  }

  dispose(): void {
    this.staging.destroy();
    for (const t of Object.values(this.tensors)) t.dispose();
  }
}
