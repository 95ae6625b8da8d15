// The diagnostics page: runs one ONNX model on WASM and WebGPU with the app's own ORT wiring,
// and prints both outputs as JSON, so a person (or a browser test) can see both backends agree.
import { configureOrtWeb } from '../engine/ortWeb';
import { probeWebGpu } from '../engine/webgpuProbe';

interface BackendRun {
  ok: boolean;
  outputs?: Record<string, number[]>;
  error?: string;
}

async function runOn(modelUrl: string, device: 'wasm' | 'webgpu'): Promise<BackendRun> {
  const ort = configureOrtWeb();
  try {
    const session = await ort.InferenceSession.create(modelUrl, { executionProviders: [device] });
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const name of session.inputNames) {
      const meta = session.inputMetadata.find((m) => m.name === name);
      const dims = meta && meta.isTensor ? meta.shape.map((d) => (typeof d === 'number' ? d : 1)) : [1];
      const n = dims.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      feeds[name] = new ort.Tensor('float32', data, dims);
    }
    const results = await session.run(feeds);
    const outputs: Record<string, number[]> = {};
    for (const [k, t] of Object.entries(results)) {
      outputs[k] = Array.from(await t.getData() as Float32Array);
      t.dispose();
    }
    await session.release();
    return { ok: true, outputs };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

async function main(): Promise<void> {
  const out = document.getElementById('result')!;
  const modelUrl = new URLSearchParams(location.search).get('model');
  if (!modelUrl) {
    out.textContent = JSON.stringify({ error: 'add ?model=URL of an .onnx file' });
    return;
  }
  const probe = await probeWebGpu();
  const wasm = await runOn(modelUrl, 'wasm');
  const webgpu = probe.backend === 'webgpu' ? await runOn(modelUrl, 'webgpu') : { ok: false, error: probe.reason };
  out.textContent = JSON.stringify({ crossOriginIsolated, probe, wasm, webgpu });
  out.dataset.done = 'true';
}

void main();
