// The engine as the page's worker builds it: onnxruntime-web (WebGPU build, which also runs WASM) served
// by this app, model folders fetched by URL, WebGPU when the probe finds an adapter.
import { InThreadEngine } from './engine';
import { HttpModelSource } from './modelSource';
import { configureOrtWeb, ort } from './ortWeb';
import type { OrtRuntime } from './sessions';
import { probeWebGpu } from './webgpuProbe';

export function createWebEngine(): InThreadEngine {
  const runtime = ort as unknown as OrtRuntime;
  return new InThreadEngine({
    runtimes: { webgpu: runtime, wasm: runtime },
    sourceFor: (url) => new HttpModelSource(url),
    autoOrder: ['webgpu', 'wasm'],
    probeWebGpu,
    configure: (_backend, numThreads) => void configureOrtWeb(numThreads),
  });
}
