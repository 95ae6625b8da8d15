// The engine worker's body, imported by its entry (worker.ts): one in-thread engine served on the worker's message
// port, started with the thread count the worker's name carries.
import { createWebEngine } from '../engine/webEngine';
import '../image/codecs/webWasmUrls';
import { serveEngine } from './handler';
import { type PortLike, threadsFromWorkerName } from './protocol';

export function startEngineWorker(): void {
  const scope = self as unknown as PortLike & { name?: string };
  serveEngine(scope, createWebEngine({ numThreads: threadsFromWorkerName(scope.name) }));
}
