// The engine as the page's worker builds it: onnxruntime-web served by this app, one build per device
// (ortWeb.ts: the plain WASM build, or the WebGPU build only when WebGPU is used), model folders fetched
// by URL (the files the service worker keeps read straight from Cache Storage), WebGPU when the probe finds an
// adapter; the model is warmed up at load on either backend.
import { InThreadEngine } from './engine';
import { HttpModelSource } from './modelSource';
import { ortRuntimeFor } from './ortWeb';
import { probeWebGpu } from './webgpuProbe';

export function createWebEngine(): InThreadEngine {
  return new InThreadEngine({
    runtimes: { webgpu: ortRuntimeFor('webgpu'), wasm: ortRuntimeFor('wasm') },
    sourceFor: (url) => new HttpModelSource(url, { freshManifest: true, offlineCopy: true }),
    autoOrder: ['webgpu', 'wasm'],
    probeWebGpu,
    warmup: 'every-backend',
  });
}
