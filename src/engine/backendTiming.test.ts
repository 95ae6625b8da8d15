// The measured backend choice: with a WebGPU adapter and no ?device=, the engine times decoder steps on both backends
// and keeps the faster; a remembered result skips the measurement; an explicit device never measures. "webgpu" and
// "wasm" are onnxruntime-node CPU sessions behind spies, one made slow by a fixed delay per decoder run.
import { beforeAll, describe, expect, it } from 'vitest';
import { fasterBackend, timingReason, type BackendTimings } from './backendTiming';
import { InThreadEngine } from './engine';
import { loadOrtNode, nodeModelSource } from './node/nodeEngine';
import type { OrtRuntime } from './sessions';
import { spyRuntime } from './testing/ortSpy';
import { ensureTinyModel } from './testing/tinyModel';

let modelDir: string;
let ortNode: OrtRuntime;

beforeAll(async () => {
  modelDir = ensureTinyModel();
  ortNode = await loadOrtNode();
});

const SLOW_MS = 40; // per decoder run; the tiny model's own step is well under 1 ms

function engineWith(slow: 'webgpu' | 'wasm') {
  const webgpu = spyRuntime(ortNode, { provider: 'cpu', decoderDelayMs: slow === 'webgpu' ? SLOW_MS : 0 });
  const wasm = spyRuntime(ortNode, { provider: 'cpu', decoderDelayMs: slow === 'wasm' ? SLOW_MS : 0 });
  const engine = new InThreadEngine({
    runtimes: { webgpu: webgpu.runtime, wasm: wasm.runtime },
    sourceFor: nodeModelSource,
    autoOrder: ['webgpu', 'wasm'],
    probeWebGpu: async () => ({ backend: 'webgpu', reason: 'a WebGPU adapter was found', adapter: 'Test GPU' }),
    runtimeBuildOf: (backend) => `build of ${backend}`,
  });
  return { engine, webgpu, wasm };
}

const decoderRuns = (spy: ReturnType<typeof spyRuntime>) => spy.runs.filter((r) => r.kind === 'decoder').length;

describe('backend chosen by measurement', () => {
  it('keeps WASM when WebGPU steps are slower, and reports both numbers', async () => {
    const { engine, webgpu, wasm } = engineWith('webgpu');
    const info = await engine.load({ modelUrl: modelDir });
    expect(info.backend).toBe('wasm');
    expect(info.runtimeBuild).toBe('build of wasm'); // the build of the backend kept, for the page's offline copy
    const t = info.backendTimings!;
    expect(t.chosen).toBe('wasm');
    expect(t.key).toMatch(/^Test GPU \| random-tiny@0\.0\.0 \| int8$/);
    expect(t.msPerStep.webgpu!).toBeGreaterThan(t.msPerStep.wasm!);
    expect(t.msPerStep.webgpu!).toBeGreaterThanOrEqual(SLOW_MS - 1);
    expect(info.backendReason).toMatch(/^WASM is faster here: .* per decoder step on WebGPU \(3 beams\), measured at load$/);
    expect(decoderRuns(webgpu)).toBeGreaterThan(0);
    const before = decoderRuns(webgpu);
    const S = engine.manifest!.preprocessing.image_size;
    const r = await engine.generate([{ data: new Float32Array(S * S).fill(0.1), size: S }], { beam: 1 });
    expect(r.backend).toBe('wasm');
    expect(decoderRuns(webgpu)).toBe(before); // the WebGPU sessions were let go
    expect(decoderRuns(wasm)).toBeGreaterThan(0);
    await engine.dispose();
  });

  it('keeps WebGPU when WASM steps are slower', async () => {
    const { engine } = engineWith('wasm');
    const info = await engine.load({ modelUrl: modelDir });
    expect(info.backend).toBe('webgpu');
    expect(info.runtimeBuild).toBe('build of webgpu');
    expect(info.backendTimings!.msPerStep.wasm!).toBeGreaterThan(info.backendTimings!.msPerStep.webgpu!);
    expect(info.backendReason).toMatch(/^WebGPU is faster here/);
    await engine.dispose();
  });

  it('a remembered result for this adapter, model and precision skips the measurement', async () => {
    const first = engineWith('webgpu');
    const measured = (await first.engine.load({ modelUrl: modelDir })).backendTimings!;
    await first.engine.dispose();
    const { engine, webgpu, wasm } = engineWith('webgpu');
    const info = await engine.load({ modelUrl: modelDir, rememberedTimings: { [measured.key]: measured } });
    expect(info.backend).toBe('wasm');
    expect(info.backendTimings).toEqual(measured);
    expect(info.backendReason).toMatch(/remembered for this GPU$/);
    expect(decoderRuns(webgpu) + decoderRuns(wasm)).toBe(0);
    const other = engineWith('webgpu'); // another model version or precision: measured again
    const info2 = await other.engine.load({ modelUrl: modelDir, precision: 'fp32', rememberedTimings: { [measured.key]: measured } });
    expect(info2.backendReason).toMatch(/measured at load$/);
    await Promise.all([engine.dispose(), other.engine.dispose()]);
  });

  it('?device= overrides: an explicit WebGPU is not measured against WASM', async () => {
    const { engine, wasm } = engineWith('webgpu');
    const info = await engine.load({ modelUrl: modelDir, device: 'webgpu' });
    expect(info.backend).toBe('webgpu');
    expect(info.backendTimings).toBeUndefined();
    expect(decoderRuns(wasm)).toBe(0);
    await engine.dispose();
  });
});

describe('fasterBackend and timingReason', () => {
  it('picks the smaller time; a tie goes to WASM; nothing measured is an error', () => {
    expect(fasterBackend({ webgpu: 2, wasm: 3 })).toBe('webgpu');
    expect(fasterBackend({ webgpu: 3, wasm: 3 })).toBe('wasm');
    expect(fasterBackend({ webgpu: 5 })).toBe('webgpu');
    expect(() => fasterBackend({})).toThrow(/no backend/);
  });

  it('names both numbers and where they came from', () => {
    const t: BackendTimings = { key: 'k', msPerStep: { webgpu: 14.23, wasm: 1.912 }, chosen: 'wasm', rows: 3, measuredAt: '2026-12-01T10:00:00Z' };
    expect(timingReason(t, false)).toBe('WASM is faster here: 1.91 ms vs 14.2 ms per decoder step on WebGPU (3 beams), measured at load');
    expect(timingReason(t, true)).toMatch(/measured on 2026-12-01 and remembered for this GPU$/);
  });
});
