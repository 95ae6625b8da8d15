import { describe, expect, it } from 'vitest';
import { initialiseRuntime, lazySession, type OrtRuntime, type Session } from './sessions';

function fakeSession(log: string[]): Session {
  return { release: async () => void log.push('released') } as unknown as Session;
}

describe('lazySession', () => {
  it('makes the session on the first get only, once for concurrent gets, and releases it', async () => {
    const log: string[] = [];
    const lazy = lazySession(async () => {
      log.push('created');
      return fakeSession(log);
    });
    expect(log).toEqual([]); // nothing made until asked
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    expect(a).toBe(b);
    expect(await lazy.get()).toBe(a);
    expect(log).toEqual(['created']);
    await lazy.release();
    expect(log).toEqual(['created', 'released']);
  });

  it('releases nothing when it was never made, and tries again after a failed creation', async () => {
    const log: string[] = [];
    let fail = true;
    const lazy = lazySession(async () => {
      if (fail) throw new Error('out of memory');
      log.push('created');
      return fakeSession(log);
    });
    await lazy.release();
    expect(log).toEqual([]);
    await expect(lazy.get()).rejects.toThrow('out of memory');
    fail = false;
    await lazy.get();
    expect(log).toEqual(['created']);
  });
});

describe('initialiseRuntime', () => {
  function fakeRuntime(log: string[], failFirst = false): OrtRuntime {
    let calls = 0;
    return {
      InferenceSession: {
        create: async () => {
          calls++;
          if (failFirst && calls === 1) throw new Error('no WebAssembly');
          log.push('created');
          return fakeSession(log);
        },
      },
    } as unknown as OrtRuntime;
  }

  it('opens the one-node session once per runtime, also when a load asks while the early start runs', async () => {
    const log: string[] = [];
    const ort = fakeRuntime(log);
    await Promise.all([initialiseRuntime(ort), initialiseRuntime(ort)]);
    await initialiseRuntime(ort);
    expect(log).toEqual(['created', 'released']);
    const other: string[] = [];
    await initialiseRuntime(fakeRuntime(other)); // another runtime (the WebGPU build) starts on its own
    expect(other).toEqual(['created', 'released']);
  });

  it('starts again after a failed start', async () => {
    const log: string[] = [];
    const ort = fakeRuntime(log, true);
    await expect(initialiseRuntime(ort)).rejects.toThrow('no WebAssembly');
    await initialiseRuntime(ort);
    expect(log).toEqual(['created', 'released']);
  });
});
