// Decides between WebGPU and WASM from what the browser offers, and says why. No DOM.
import type { Backend } from './types';

export interface BackendChoice {
  backend: Backend;
  reason: string;
  adapter?: string; // the WebGPU adapter's vendor/architecture/device/description, when one was found
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: AdapterInfoLike } | null>;
}

/** A stable name for an adapter (what its timings are remembered under). */
export function adapterName(info: AdapterInfoLike | undefined): string {
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((p) => p && p.length > 0);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed WebGPU adapter';
}

export async function probeWebGpu(): Promise<BackendChoice> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { backend: 'wasm', reason: 'this browser has no WebGPU (navigator.gpu is missing); running on the CPU with WASM' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { backend: 'wasm', reason: 'WebGPU is present but no GPU adapter was found; running on the CPU with WASM' };
    return { backend: 'webgpu', reason: 'a WebGPU adapter was found', adapter: adapterName(adapter.info) };
  } catch (err) {
    return { backend: 'wasm', reason: `WebGPU adapter request failed (${(err as Error).message}); running on the CPU with WASM` };
  }
}

/** `?device=wasm|webgpu` overrides the probe. */
export function deviceOverrideFromUrl(search: string): Backend | null {
  const v = new URLSearchParams(search).get('device');
  return v === 'wasm' || v === 'webgpu' ? v : null;
}
