// Starts the engine worker (bundled by Vite from this exact `new Worker(new URL(...))` form) and returns
// a ReportEngine that talks to it. Browser only. A returning visit may start it before the page renders
// (prestartWorkerEngine, from the page entry): its script and onnxruntime's start then overlap React's.
// The worker starts onnxruntime's WebAssembly before the first request, so a thread count is given here, at creation.
import { WorkerEngineClient } from './client';
import { engineWorkerName } from './protocol';

let prestarted: WorkerEngineClient | null = null;

function startWorker(numThreads?: number): WorkerEngineClient {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: engineWorkerName(numThreads) });
  const client = new WorkerEngineClient(worker, () => worker.terminate());
  worker.addEventListener('error', (ev: ErrorEvent) => {
    client.failAll(new Error(`The report engine worker failed (${ev.message || 'it could not start'}). Reload the page.`));
  });
  return client;
}

/** Starts the worker now, for the first createWorkerEngine() to take; calling it again starts no second one. */
export function prestartWorkerEngine(): void {
  prestarted ??= startWorker();
}

/** The prestarted worker the first time there is one, else a new worker; `numThreads` (the diagnostics' thread screen)
 *  always gets a new worker, started with that many onnxruntime threads. */
export function createWorkerEngine(opts: { numThreads?: number } = {}): WorkerEngineClient {
  if (opts.numThreads) return startWorker(opts.numThreads);
  const client = prestarted ?? startWorker();
  prestarted = null;
  return client;
}
