// The diagnostics page: runs one ONNX model on WASM and WebGPU with the app's own ORT wiring,
// and prints both outputs as JSON, so a person (or a browser test) can see both backends agree.
// Second mode, ?preprocess=URL&size=S&mean=M&std=D: decodes and preprocesses one image file in the
// page with src/image and prints the [S*S] unit tensor, so a browser test can compare it with Node's.
import { loadOrtBuild } from '../engine/ortWeb';
import { probeWebGpu } from '../engine/webgpuProbe';
import '../image/codecs/webWasmUrls';
import { decodeImageAsync, preprocess } from '../image';
import { runBench } from './diagnosticsBench';

interface BackendRun {
  ok: boolean;
  outputs?: Record<string, number[]>;
  error?: string;
}

async function runOn(modelUrl: string, device: 'wasm' | 'webgpu'): Promise<BackendRun> {
  const ort = await loadOrtBuild(device);
  try {
    const session = await ort.InferenceSession.create(modelUrl, { executionProviders: [device] });
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const name of session.inputNames) {
      const meta = session.inputMetadata.find((m) => m.name === name);
      const dims = meta?.isTensor ? meta.shape.map((d) => (typeof d === 'number' ? d : 1)) : [1];
      const n = dims.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      feeds[name] = new ort.Tensor('float32', data, dims);
    }
    const results = await session.run(feeds);
    const outputs: Record<string, number[]> = {};
    for (const [k, t] of Object.entries(results)) {
      outputs[k] = Array.from((await t.getData()) as Float32Array);
      t.dispose();
    }
    await session.release();
    return { ok: true, outputs };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

async function runPreprocess(params: URLSearchParams): Promise<Record<string, unknown>> {
  const number = (key: string, fallback: number) => Number(params.get(key) ?? fallback);
  try {
    const response = await fetch(params.get('preprocess')!);
    if (!response.ok) return { error: `fetch failed: HTTP ${response.status}` };
    const image = await decodeImageAsync(new Uint8Array(await response.arrayBuffer()));
    const p = preprocess(image, { size: number('size', 224), mean: number('mean', 0.5), std: number('std', 0.25) });
    let sum = 0;
    for (const v of p.unit) sum += v;
    return { size: p.size, sum, width: image.width, height: image.height, values: Array.from(p.unit) };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

async function main(): Promise<void> {
  const out = document.getElementById('result')!;
  const params = new URLSearchParams(location.search);
  if (params.has('bench')) {
    out.textContent = JSON.stringify(await runBench(params)); // ?bench= mode: see diagnosticsBench.ts
    out.dataset.done = 'true';
    return;
  }
  if (params.has('preprocess')) {
    out.textContent = JSON.stringify(await runPreprocess(params));
    out.dataset.done = 'true';
    return;
  }
  const modelUrl = params.get('model');
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
