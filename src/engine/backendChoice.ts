// Which backend a load uses, and why: an explicit request, or auto (WebGPU when an adapter exists,
// else WASM; in Node the runtimes offered decide). Fallback when WebGPU fails: WASM, else the CPU provider.
import { BackendUnavailableError } from './errors';
import type { OrtRuntime } from './sessions';
import type { Backend, DeviceRequest } from './types';
import type { BackendChoice } from './webgpuProbe';

/** Loads a backend's runtime on first use (the page fetches only the ONNX Runtime build its device runs). */
export type RuntimeLoader = (numThreads: number | undefined) => Promise<OrtRuntime>;

/** Each backend's runtime, or a loader of it. */
export type Runtimes = Partial<Record<Backend, OrtRuntime | RuntimeLoader>>;

export async function chooseBackend(
  request: DeviceRequest,
  runtimes: Runtimes,
  autoOrder: readonly Backend[],
  probe?: () => Promise<BackendChoice>,
): Promise<BackendChoice> {
  const available = (Object.keys(runtimes) as Backend[]).filter((b) => runtimes[b]);
  if (request !== 'auto') {
    if (!runtimes[request]) {
      const where = request === 'cpu' ? ' (the CPU provider exists only in Node)' : '';
      throw new BackendUnavailableError(`The ${request} backend is not available here${where}; choose one of: ${available.join(', ')}.`);
    }
    if (request === 'webgpu' && probe) {
      const p = await probe();
      if (p.backend !== 'webgpu') return { backend: fallbackBackend(runtimes), reason: `WebGPU was requested, but ${p.reason}` };
    }
    return { backend: request, reason: `${request} was requested` };
  }
  for (const b of autoOrder) {
    if (!runtimes[b]) continue;
    if (b !== 'webgpu') return { backend: b, reason: `${b} is the default here` };
    if (!probe) continue;
    const p = await probe();
    if (p.backend === 'webgpu') return p;
    const next = autoOrder.find((x) => x !== 'webgpu' && runtimes[x]);
    if (next) return { backend: next, reason: p.reason };
  }
  throw new BackendUnavailableError(`No ONNX Runtime backend is available (offered: ${available.join(', ') || 'none'}).`);
}

export function fallbackBackend(runtimes: Runtimes): Backend {
  if (runtimes.wasm) return 'wasm';
  if (runtimes.cpu) return 'cpu';
  throw new BackendUnavailableError('WebGPU failed and there is no WASM or CPU backend to fall back to.');
}
