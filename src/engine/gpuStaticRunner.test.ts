// GpuStaticRunner against a fake GPU (buffers as host memory, copies as memcpy) and a fake step session: the prefix
// lands in row 0 head by head, each step's inputs reach their buffers, present.* becomes the next step's past.*, and
// the logits and text embeddings come back from the staging buffer for every row.
import { describe, expect, it } from 'vitest';
import { GpuStaticRunner, staticBufferSpecs, type GpuBufferLike, type GpuDeviceLike } from './gpuStaticRunner';
import type { OrtTensor, Session } from './sessions';
import type { StaticGeometry } from './staticKvDecoder';

const g: StaticGeometry = { layers: 1, heads: 2, headDim: 2, length: 4, dModel: 3, vocab: 5, embedDim: 2 };

class FakeBuffer implements GpuBufferLike {
  readonly data: ArrayBuffer;
  constructor(readonly size: number) {
    this.data = new ArrayBuffer(size);
  }
  async mapAsync(): Promise<void> {}
  getMappedRange(): ArrayBuffer {
    return this.data;
  }
  unmap(): void {}
  destroy(): void {}
}

const device: GpuDeviceLike = {
  createBuffer: ({ size }) => new FakeBuffer(size),
  createCommandEncoder: () => {
    const copies: (() => void)[] = [];
    return {
      copyBufferToBuffer: (src, so, dst, dO, n) =>
        copies.push(() => new Uint8Array((dst as FakeBuffer).data, dO, n).set(new Uint8Array((src as FakeBuffer).data, so, n))),
      finish: () => copies,
    };
  },
  queue: {
    writeBuffer: (b, offset, view) => new Uint8Array((b as FakeBuffer).data, offset).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)),
    submit: (commands) => (commands as (() => void)[][]).flat().forEach((c) => c()),
  },
};

const f32 = (t: OrtTensor) => new Float32Array((t.gpuBuffer as unknown as FakeBuffer).data);
const i32 = (t: OrtTensor) => new Int32Array((t.gpuBuffer as unknown as FakeBuffer).data);

function tensors(capacity: number): Record<string, OrtTensor> {
  const out: Record<string, OrtTensor> = {};
  for (const s of staticBufferSpecs(g, capacity)) {
    const n = s.dims.reduce((a, b) => a * b, 1);
    out[s.name] = {
      location: 'gpu-buffer',
      gpuBuffer: new FakeBuffer(Math.ceil((n * 4) / 16) * 16),
      dims: s.dims,
      dispose: () => undefined,
    } as unknown as OrtTensor;
  }
  return out;
}

/** A step: present = past[beam] + 1; logits[c] = 100·position + beam[c]; text_embeds[c] = embeds[c][0]. */
const session = {
  run: async (feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor>) => {
    const C = feeds.beam_idx.dims[0];
    const beam = i32(feeds.beam_idx);
    const position = i32(feeds.cache_position)[0];
    const row = g.heads * g.length * g.headDim;
    for (const [past, present] of [
      ['past_key_values.0.key', 'present.0.key'],
      ['past_key_values.0.value', 'present.0.value'],
    ]) {
      const p = f32(feeds[past]);
      const q = f32(fetches[present]);
      for (let c = 0; c < C; c++) for (let k = 0; k < row; k++) q[c * row + k] = p[beam[c] * row + k] + 1;
    }
    for (let c = 0; c < C; c++) {
      f32(fetches.logits).fill(100 * position + beam[c], c * g.vocab, (c + 1) * g.vocab);
      f32(fetches.text_embeds).fill(f32(feeds.inputs_embeds)[c * g.dModel], c * g.embedDim, (c + 1) * g.embedDim);
    }
    return fetches;
  },
} as unknown as Session;

describe('GpuStaticRunner', () => {
  it('loads the prefix into row 0, feeds each step, carries present into past and reads every row back', async () => {
    const t = tensors(2);
    const runner = new GpuStaticRunner(device, session, g, 2, t);
    // prefix [1,H,N=2,Dh]: head h, slot n, d → 10h + n + d/10
    const prefix = [0, 1].map(
      () => ({ location: 'cpu', dims: [1, 2, 2, 2], getData: async () => Float32Array.of(0, 0.1, 1, 1.1, 10, 10.1, 11, 11.1) }) as unknown as OrtTensor,
    );
    await runner.loadPrefix(prefix);
    const past = f32(t['past_key_values.0.key']);
    expect(Array.from(past.subarray(0, 8))).toEqual([0, 0.1, 1, 1.1, 0, 0, 0, 0].map(Math.fround)); // head 0: slots 0,1 then empty
    expect(Array.from(past.subarray(8, 12))).toEqual([10, 10.1, 11, 11.1].map(Math.fround)); // head 1 starts at slot 0 of its own S
    const out = await runner.run(Float32Array.of(7, 0, 0, 8, 0, 0), Int32Array.of(0, 0), 2);
    expect(Array.from(out.logits)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200]);
    expect(Array.from(out.textEmbeds)).toEqual([7, 7, 8, 8]);
    expect(f32(t['past_key_values.0.key'])[16 + 8]).toBeCloseTo(11); // row 1 continued row 0: present (+1) is now past
    const second = await runner.run(Float32Array.of(1, 0, 0, 2, 0, 0), Int32Array.of(1, 0), 3);
    expect(Array.from(second.logits.subarray(0, 1))).toEqual([301]);
    expect(f32(t['past_key_values.0.value'])[1]).toBeCloseTo(0.1 + 2); // two steps, each +1
  });
});
