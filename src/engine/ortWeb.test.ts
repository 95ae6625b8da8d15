// ortWeb: a runtime build that failed to load is forgotten, so the WASM fallback takes the plain build (the one an
// offline device may have kept) and not the failed one, and a later load tries the failed build again.
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('buildFor after a failed build', () => {
  it('WASM runs on the plain build when the WebGPU build could not be imported', async () => {
    // No page location here, so the WebGPU build's relative file URL cannot be resolved: its import fails, as it does
    // offline when only the plain build is kept.
    vi.stubGlobal('location', undefined);
    const { buildFor, loadOrtBuild } = await import('./ortWeb');
    expect(buildFor('wasm')).toBe('wasm');
    await expect(loadOrtBuild('webgpu', 1)).rejects.toThrow();
    expect(buildFor('wasm')).toBe('wasm');
    expect(buildFor('webgpu')).toBe('webgpu');
    await expect(loadOrtBuild('webgpu', 1)).rejects.toThrow(); // tried again, not the cached failure
  });
});
