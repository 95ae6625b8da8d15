// uncontrolledState: what the offline chip and panel say when no service worker controls the page, by why; missingHint:
// what the panel says is still missing once the model was to be kept.
import { describe, expect, it } from 'vitest';
import { missingHint, uncontrolledState, type OfflineStatus } from './useOfflineCache';

describe('uncontrolledState', () => {
  it('a refused worker is not called a failure, names the browser’s error and says what to allow', () => {
    const s = uncontrolledState({ why: 'refused', error: 'SecurityError: denied' });
    expect(s.phase).toBe('refused');
    expect(s.error).toContain('(SecurityError: denied)');
    expect(s.error).toMatch(/allow them for this site/);
  });

  it('a hard reload says to reload normally; a failed install or an unknown cause is an error that says to reload', () => {
    expect(uncontrolledState({ why: 'bypassed' })).toMatchObject({ phase: 'bypassed', error: expect.stringMatching(/Reload the page normally/) });
    for (const u of [{ why: 'install-failed' } as const, null])
      expect(uncontrolledState(u)).toMatchObject({ phase: 'error', error: expect.stringMatching(/did not start\)\. Reload the page to try again/) });
    expect(uncontrolledState({ why: 'install-failed', error: 'TypeError: 404' }).error).toContain('(the service worker did not start: TypeError: 404)');
  });
});

describe('missingHint', () => {
  const status = (over: { runtimes?: string[]; shell?: boolean; model?: boolean }): OfflineStatus => {
    const runtimes = over.runtimes ?? ['wasm'];
    return {
      shell: { version: 'v', files: 9, bytes: 1, runtimes, complete: over.shell ?? runtimes.length > 0 },
      model: { id: 'm', files: 5, bytes: 1, complete: over.model ?? true },
      ready: (over.shell ?? runtimes.length > 0) && (over.model ?? true),
    };
  };

  it('says nothing when the copy is ready or nothing is known', () => {
    expect(missingHint(status({}), 'wasm')).toBeNull();
    expect(missingHint(null, 'wasm')).toBeNull();
  });

  it('names the runtime build the engine runs on when the service worker could not keep it, with its error', () => {
    const hint = missingHint(status({ runtimes: [] }), 'webgpu', 'assets/ort-wasm-simd-threaded.asyncify-abc.wasm: Failed to fetch');
    expect(hint).toContain("ONNX Runtime's WebGPU build could not be saved (assets/ort-wasm-simd-threaded.asyncify-abc.wasm: Failed to fetch)");
    expect(hint).toContain('reload it with the network on');
  });

  it('a kept build other than the one in use is not enough; each missing part is named', () => {
    // The WASM build is kept, but this device's engine runs on the WebGPU build.
    expect(missingHint({ ...status({ runtimes: ['wasm'], shell: false }), ready: false }, 'webgpu')).toBe(
      "Not kept yet: ONNX Runtime's WebGPU build. Reload the page with the network on to finish the offline copy.",
    );
    expect(missingHint(status({ runtimes: [], model: false }), 'wasm')).toMatch(/^Not kept yet: the model's files and ONNX Runtime's WASM build\./);
    expect(missingHint(status({ runtimes: ['wasm'], shell: false }), 'wasm')).toMatch(/^Not kept yet: the app's files\./);
  });
});
