// onnxruntime-web for the page and its worker, one build per device: the plain SIMD-threaded WASM build
// (~14 MB) when WebGPU is not used, the WebGPU build (~27 MB, which also runs WASM) only when it is. Each
// build is onnxruntime-web's own self-contained bundle, served by this app as a file (no CDN, works
// offline) and imported when first needed, so a device downloads only the build it runs; its WASM threads
// start from that same file. Threads are set explicitly.
import type * as OrtWebModule from 'onnxruntime-web';
import wasmBuildUrl from 'onnxruntime-web/wasm?url';
import wasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import webgpuBuildUrl from 'onnxruntime-web/webgpu?url';
import webgpuBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { OrtRuntime } from './sessions';
import type { Backend } from './types';

export type OrtWeb = typeof OrtWebModule;
export type OrtBuild = 'wasm' | 'webgpu';

const builds: Partial<Record<OrtBuild, Promise<OrtWeb>>> = {};

/** Threads need cross-origin isolation (SharedArrayBuffer); without it ORT runs single-threaded. */
export function defaultThreadCount(): number {
  const isolated = typeof globalThis.crossOriginIsolated === 'boolean' && globalThis.crossOriginIsolated;
  const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 1;
  return isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

const BUILD_FILES: Record<OrtBuild, { script: string; wasm: string }> = {
  wasm: { script: wasmBuildUrl, wasm: wasmBinaryUrl },
  webgpu: { script: webgpuBuildUrl, wasm: webgpuBinaryUrl },
};

const absolute = (url: string): string => new URL(url, globalThis.location?.href).href;

async function importBuild(build: OrtBuild): Promise<OrtWeb> {
  const files = BUILD_FILES[build];
  const ort = (await import(/* @vite-ignore */ absolute(files.script))) as OrtWeb;
  ort.env.wasm.wasmPaths = { wasm: absolute(files.wasm) };
  return ort;
}

/** The build a backend needs: WebGPU's for webgpu; for wasm the plain one, unless WebGPU's is already here (a fallback). */
export function buildFor(backend: Backend): OrtBuild {
  return backend === 'webgpu' || (backend === 'wasm' && builds.webgpu && !builds.wasm) ? 'webgpu' : 'wasm';
}

/** Loads (once) and configures one build; numThreads applies to its WASM backend. */
export async function loadOrtBuild(build: OrtBuild, numThreads = defaultThreadCount()): Promise<OrtWeb> {
  const first = !builds[build];
  // A build that failed to import (offline, with only the other build kept) is forgotten, so that a fallback to WASM
  // takes the plain build instead of the failed one, and a later load tries it again.
  builds[build] ??= importBuild(build).catch((err: unknown) => {
    delete builds[build];
    throw err;
  });
  const ort = await builds[build];
  if (first) {
    ort.env.wasm.numThreads = numThreads;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
  }
  return ort;
}

/** The engine's runtime loader for a backend (see backendChoice.ts's RuntimeLoader). */
export function ortRuntimeFor(backend: Backend): (numThreads: number | undefined) => Promise<OrtRuntime> {
  return async (numThreads) => (await loadOrtBuild(buildFor(backend), numThreads ?? defaultThreadCount())) as unknown as OrtRuntime;
}
