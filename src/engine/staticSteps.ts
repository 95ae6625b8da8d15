// The model's decoder_static step sessions and their fixed caches, one per row capacity, made on first use and kept
// until the sessions are released. On WebGPU each session captures its graph (its first run records the GPU commands,
// later runs replay them on the same buffers: GpuStaticRunner); elsewhere the same graph runs on ordinary tensors.
import { bufferModel } from './bufferModel';
import { GpuStaticRunner, staticBufferSpecs, type GpuDeviceLike } from './gpuStaticRunner';
import type * as OrtCommon from 'onnxruntime-common';
import { HostStaticRunner, staticCapacity, type StaticGeometry, type StaticRunner } from './staticKvDecoder';
import type { OrtRuntime, Session } from './sessions';
import type { Backend } from './types';

/** A runner and the sessions it needs, released after it (the step session, then the one that made its buffers). */
interface Made {
  sessions: Session[];
  runner: StaticRunner;
}

export class StaticSteps {
  private readonly runners = new Map<number, Promise<Made>>();

  constructor(
    private readonly ort: OrtRuntime,
    private readonly bytes: Uint8Array,
    private readonly backend: Backend,
    private readonly options: OrtCommon.InferenceSession.SessionOptions,
    readonly geometry: StaticGeometry,
  ) {}

  /** Replayed as one recorded submission per step (WebGPU), rather than kernel by kernel. */
  get captured(): boolean {
    return this.backend === 'webgpu';
  }

  /** A runner for `rows` rows: the smallest one made already that holds them, else one of staticCapacity(rows) rows.
   *  The load's warm-up makes the default search's, so a first report does not wait for a session (~1 s on a GPU)
   *  when its rows fit (a sampled search starts on as many rows as its first tokens differ). */
  async runnerForRows(rows: number): Promise<StaticRunner> {
    const made = [...this.runners.keys()].filter((c) => c >= rows).sort((a, b) => a - b);
    return this.runnerFor(made[0] ?? staticCapacity(rows));
  }

  /** The runner for `capacity` rows (a power of two), made once. */
  async runnerFor(capacity: number): Promise<StaticRunner> {
    let made = this.runners.get(capacity);
    if (!made) {
      made = this.make(capacity);
      this.runners.set(capacity, made);
      made.catch(() => this.runners.delete(capacity));
    }
    return (await made).runner;
  }

  private async make(capacity: number): Promise<Made> {
    if (!this.captured) {
      const session = await this.ort.InferenceSession.create(this.bytes, this.options);
      return { sessions: [session], runner: new HostStaticRunner(this.ort, session, this.geometry, capacity) };
    }
    // The buffers are the outputs of a session of their own, which must outlive them: ONNX Runtime frees a tensor
    // through the session that made it (disposing one after its session was released crashed with "null function").
    const specs = staticBufferSpecs(this.geometry, capacity);
    const allocator = await this.ort.InferenceSession.create(bufferModel(specs), { ...this.options, preferredOutputLocation: 'gpu-buffer' });
    let tensors: Record<string, OrtCommon.Tensor> = {};
    try {
      tensors = await allocator.run({ zero: new this.ort.Tensor('float32', new Float32Array(1), [1]) });
      const session = await this.ort.InferenceSession.create(this.bytes, { ...this.options, enableGraphCapture: true, preferredOutputLocation: 'gpu-buffer' });
      const device = (await this.ort.env.webgpu.device) as unknown as GpuDeviceLike;
      return { sessions: [session, allocator], runner: new GpuStaticRunner(device, session, this.geometry, capacity, tensors) };
    } catch (err) {
      for (const t of Object.values(tensors)) t.dispose();
      await allocator.release();
      throw err;
    }
  }

  async release(): Promise<void> {
    const made = await Promise.allSettled(this.runners.values());
    this.runners.clear();
    for (const m of made) {
      if (m.status !== 'fulfilled') continue;
      m.value.runner.dispose();
      for (const session of m.value.sessions) await session.release().catch(() => undefined);
    }
  }
}
