// The prestarted engine worker: the page's first engine is the worker started before React, never a second one;
// later engines (another backend) and a thread screen's engine start their own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { threadsFromWorkerName } from './protocol';

class FakeWorker extends EventTarget {
  static made: FakeWorker[] = [];
  terminated = false;
  constructor(
    readonly url: URL | string,
    readonly options?: WorkerOptions,
  ) {
    super();
    FakeWorker.made.push(this);
  }
  postMessage(): void {}
  start(): void {}
  terminate(): void {
    this.terminated = true;
  }
}

beforeEach(() => {
  FakeWorker.made = [];
  vi.stubGlobal('Worker', FakeWorker);
  vi.resetModules(); // a fresh module: no worker prestarted by an earlier test
});
afterEach(() => vi.unstubAllGlobals());

describe('prestartWorkerEngine', () => {
  it('starts one module worker that the first createWorkerEngine takes', async () => {
    const { createWorkerEngine, prestartWorkerEngine } = await import('./createWorkerEngine');
    prestartWorkerEngine();
    prestartWorkerEngine();
    expect(FakeWorker.made).toHaveLength(1);
    const first = createWorkerEngine();
    expect(FakeWorker.made).toHaveLength(1);
    const second = createWorkerEngine();
    expect(FakeWorker.made).toHaveLength(2);
    expect(second).not.toBe(first);
  });

  it('a thread count gets a worker of its own, named with it, and leaves the prestarted one for the page', async () => {
    const { createWorkerEngine, prestartWorkerEngine } = await import('./createWorkerEngine');
    prestartWorkerEngine();
    createWorkerEngine({ numThreads: 1 });
    const made = FakeWorker.made;
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
    expect(FakeWorker.made).toHaveLength(2);
  });

  it('the taken worker is the one disposed with its engine', async () => {
    const { createWorkerEngine, prestartWorkerEngine } = await import('./createWorkerEngine');
    prestartWorkerEngine();
    const engine = createWorkerEngine();
    const disposed = engine.dispose();
    const [worker] = FakeWorker.made;
    // the worker answers the dispose request; the client then terminates it
    worker.dispatchEvent(new MessageEvent('message', { data: { kind: 'result', id: 1, result: null } }));
    await disposed;
    expect(FakeWorker.made).toHaveLength(1);
    expect(worker.terminated).toBe(true);
    expect(worker.options).toEqual({ type: 'module', name: 'serpent-engine' });
  });
});
