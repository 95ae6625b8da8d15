// The prestarted engine worker: the page's first engine is the worker started before React, never a second one;
// later engines (another backend) start their own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

class FakeWorker extends EventTarget {
  static started = 0;
  terminated = false;
  constructor(
    readonly url: URL | string,
    readonly options?: WorkerOptions,
  ) {
    super();
    FakeWorker.started++;
  }
  postMessage(): void {}
  start(): void {}
  terminate(): void {
    this.terminated = true;
  }
}

beforeEach(() => {
  FakeWorker.started = 0;
  vi.stubGlobal('Worker', FakeWorker);
  vi.resetModules(); // a fresh module: no worker prestarted by an earlier test
});
afterEach(() => vi.unstubAllGlobals());

describe('prestartWorkerEngine', () => {
  it('starts one module worker that the first createWorkerEngine takes', async () => {
    const { createWorkerEngine, prestartWorkerEngine } = await import('./createWorkerEngine');
    prestartWorkerEngine();
    prestartWorkerEngine();
    expect(FakeWorker.started).toBe(1);
    const first = createWorkerEngine();
    expect(FakeWorker.started).toBe(1);
    const second = createWorkerEngine();
    expect(FakeWorker.started).toBe(2);
    expect(second).not.toBe(first);
  });

  it('a thread count gets a worker of its own, named with it, and leaves the prestarted one for the page', async () => {
    const { createWorkerEngine, prestartWorkerEngine } = await import('./createWorkerEngine');
    const { threadsFromWorkerName } = await import('./protocol');
    const made: FakeWorker[] = [];
    vi.stubGlobal(
      'Worker',
      class extends FakeWorker {
        constructor(url: URL | string, options?: WorkerOptions) {
          super(url, options);
          made.push(this);
        }
      },
    );
    prestartWorkerEngine();
    createWorkerEngine({ numThreads: 1 });
    expect(made).toHaveLength(2);
    expect(threadsFromWorkerName(made[1].options?.name)).toBe(1);
    expect(threadsFromWorkerName(made[0].options?.name)).toBeUndefined();
    createWorkerEngine();
    expect(made).toHaveLength(2); // the page's engine is still the prestarted worker
  });

  it('without a prestart, each createWorkerEngine starts its own worker', async () => {
    const { createWorkerEngine } = await import('./createWorkerEngine');
    createWorkerEngine();
    createWorkerEngine();
    expect(FakeWorker.started).toBe(2);
  });

  it('the taken worker is the one disposed with its engine', async () => {
    const { createWorkerEngine, prestartWorkerEngine } = await import('./createWorkerEngine');
    const made: FakeWorker[] = [];
    vi.stubGlobal(
      'Worker',
      class extends FakeWorker {
        constructor(url: URL | string, options?: WorkerOptions) {
          super(url, options);
          made.push(this);
        }
      },
    );
    prestartWorkerEngine();
    const engine = createWorkerEngine();
    const disposed = engine.dispose();
    // the worker answers the dispose request; the client then terminates it
    made[0].dispatchEvent(new MessageEvent('message', { data: { kind: 'result', id: 1, result: null } }));
    await disposed;
    expect(made).toHaveLength(1);
    expect(made[0].terminated).toBe(true);
    expect(made[0].options).toEqual({ type: 'module', name: 'serpent-engine' });
  });
});
