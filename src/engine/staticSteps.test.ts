// StaticSteps on WebGPU with a fake runtime: one step session and one buffer session per row capacity, made once;
// the step session captures its graph and writes to GPU buffers; on release the buffers go before the session that
// made them (freeing a tensor through a released session crashed onnxruntime-web with "null function").
import { describe, expect, it } from 'vitest';
import type { OrtRuntime } from './sessions';
import type { StaticGeometry } from './staticKvDecoder';
import { StaticSteps } from './staticSteps';

const geometry: StaticGeometry = { layers: 1, heads: 2, headDim: 4, length: 10, dModel: 8, vocab: 5, embedDim: 3 };

function fakeRuntime(events: string[]) {
  let sessions = 0;
  const created: { options: Record<string, unknown>; name: string }[] = [];
  const ort = {
    Tensor: class {
      constructor(
        readonly type: string,
        readonly data: unknown,
        readonly dims: number[],
      ) {}
    },
    env: { webgpu: { device: Promise.resolve({ createBuffer: () => ({ destroy: () => events.push('staging destroyed') }) }) } },
    InferenceSession: {
      create: async (_bytes: Uint8Array, options: Record<string, unknown>) => {
        const name = options.enableGraphCapture ? `step${sessions++}` : `buffers${sessions++}`;
        created.push({ options, name });
        return {
          run: async () => {
            // the buffer model: one GPU tensor per output, disposed through this session
            const out: Record<string, unknown> = {};
            for (const n of [
              'inputs_embeds',
              'beam_idx',
              'cache_position',
              'past_key_values.0.key',
              'past_key_values.0.value',
              'present.0.key',
              'present.0.value',
              'logits',
              'text_embeds',
            ])
              out[n] = { location: 'gpu-buffer', gpuBuffer: {}, dispose: () => events.push(`${name} tensor disposed`) };
            return out;
          },
          release: async () => events.push(`${name} released`),
        };
      },
    },
  };
  return { ort: ort as unknown as OrtRuntime, created };
}

describe('StaticSteps on WebGPU', () => {
  it('makes one captured runner per capacity and frees its buffers before the session that made them', async () => {
    const events: string[] = [];
    const { ort, created } = fakeRuntime(events);
    const steps = new StaticSteps(ort, new Uint8Array(1), 'webgpu', { executionProviders: ['webgpu'] }, geometry);
    const a = await steps.runnerFor(4);
    expect(await steps.runnerFor(4)).toBe(a);
    expect(a.capacity).toBe(4);
    expect(created.map((c) => c.name)).toEqual(['buffers0', 'step1']);
    expect(created[1].options).toMatchObject({ enableGraphCapture: true, preferredOutputLocation: 'gpu-buffer' });
    expect(created[0].options.enableGraphCapture).toBeUndefined();
    // a search on fewer rows reuses the runner made (no new session mid-report); more rows make a bigger one
    expect(await steps.runnerForRows(2)).toBe(a);
    expect(created).toHaveLength(2);
    expect((await steps.runnerForRows(5)).capacity).toBe(8);
    expect(created).toHaveLength(4);
    expect(await steps.runnerForRows(3)).toBe(a);
    await steps.release();
    const lastTensor = events.lastIndexOf('buffers0 tensor disposed');
    expect(lastTensor).toBeGreaterThan(-1);
    expect(events.indexOf('buffers0 released')).toBeGreaterThan(lastTensor);
    expect(events).toContain('step1 released');
    expect(events).toContain('staging destroyed');
  });

  it('off WebGPU steps through ordinary tensors, with no graph capture', async () => {
    const { ort, created } = fakeRuntime([]);
    const steps = new StaticSteps(ort, new Uint8Array(1), 'wasm', { executionProviders: ['wasm'] }, geometry);
    expect(steps.captured).toBe(false);
    await steps.runnerFor(2);
    expect(created).toHaveLength(1);
    expect(created[0].options.enableGraphCapture).toBeUndefined();
  });
});
