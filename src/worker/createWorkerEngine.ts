// Starts the engine worker (bundled by Vite from this exact `new Worker(new URL(...))` form) and returns
// a ReportEngine that talks to it. Browser only.
import { WorkerEngineClient } from './client';

export function createWorkerEngine(): WorkerEngineClient {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const client = new WorkerEngineClient(worker, () => worker.terminate());
  worker.addEventListener('error', (ev: ErrorEvent) => {
    client.failAll(new Error(`The report engine worker failed (${ev.message || 'it could not start'}). Reload the page.`));
  });
  return client;
}
