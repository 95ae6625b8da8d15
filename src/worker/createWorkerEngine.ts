// Starts the engine worker (bundled by Vite from this exact `new Worker(new URL(...))` form) and returns
// a ReportEngine that talks to it. Browser only. A returning visit may start it before the page renders
// (prestartWorkerEngine, from the page entry): its script and onnxruntime's start then overlap React's.
import { WorkerEngineClient } from './client';

let prestarted: WorkerEngineClient | null = null;

function startWorker(): WorkerEngineClient {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
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

/** The prestarted worker the first time there is one, else a new worker. */
export function createWorkerEngine(): WorkerEngineClient {
  const client = prestarted ?? startWorker();
  prestarted = null;
  return client;
}
