// The engine as the page's worker builds it: onnxruntime-web served by this app, one build per device
// (ortWeb.ts: the plain WASM build, or the WebGPU build only when WebGPU is used), model folders fetched
// by URL (the files the service worker keeps read straight from Cache Storage), WebGPU when the probe finds an
// adapter; the model is warmed up at load on either backend. The probe runs once, when the worker starts: where
// it finds no adapter the page can only run on WASM, so onnxruntime's WebAssembly starts then, before the page's
// load request arrives.
import { InThreadEngine } from './engine';
import { HttpModelSource } from './modelSource';
import { buildFor, ortRuntimeFor } from './ortWeb';
import { initialiseRuntime } from './sessions';
import { probeWebGpu } from './webgpuProbe';

/** `numThreads`: onnxruntime's WebAssembly threads for the early start (default: ortWeb's choice); a load's own
 *  numThreads applies only where the WebAssembly has not started yet. */
export function createWebEngine(opts: { numThreads?: number } = {}): InThreadEngine {
  const wasm = ortRuntimeFor('wasm');
  const probe = probeWebGpu();
  // A failure here is not reported: the load starts the runtime again and says why it failed.
  void probe.then((p) => (p.backend === 'wasm' ? wasm(opts.numThreads).then(initialiseRuntime) : undefined)).catch(() => undefined);
  return new InThreadEngine({
    runtimes: { webgpu: ortRuntimeFor('webgpu'), wasm },
    sourceFor: (url) => new HttpModelSource(url, { freshManifest: true, offlineCopy: true }),
    autoOrder: ['webgpu', 'wasm'],
    probeWebGpu: () => probe,
    warmup: 'every-backend',
    runtimeBuildOf: buildFor,
  });
}
