// onnxruntime-web for the page and the worker: one import of the WebGPU build (which also runs WASM),
// its .mjs/.wasm served by this app (no CDN, works offline), thread count set explicitly.
import * as ort from 'onnxruntime-web/webgpu';
import wasmMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

let configured = false;

/** Threads need cross-origin isolation (SharedArrayBuffer); without it ORT runs single-threaded. */
export function defaultThreadCount(): number {
  const isolated = typeof globalThis.crossOriginIsolated === 'boolean' && globalThis.crossOriginIsolated;
  const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 1;
  return isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

export function configureOrtWeb(numThreads = defaultThreadCount()): typeof ort {
  if (!configured) {
    ort.env.wasm.wasmPaths = { mjs: new URL(wasmMjsUrl, globalThis.location?.href).href, wasm: new URL(wasmBinaryUrl, globalThis.location?.href).href };
    ort.env.wasm.numThreads = numThreads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    configured = true;
  }
  return ort;
}

export const ortRuntimeFileUrls: string[] = [wasmMjsUrl, wasmBinaryUrl];
export { ort };
