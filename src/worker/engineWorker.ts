// The engine worker's body, imported by its entry (worker.ts): one in-thread engine served on the worker's message
// port, started with the thread count the worker's name carries, then given the requests that came while this
// module was loading, in their order.
import { createWebEngine } from '../engine/webEngine';
import '../image/codecs/webWasmUrls';
import { serveEngine } from './handler';
import { type PortLike, threadsFromWorkerName } from './protocol';

export function startEngineWorker(held: readonly MessageEvent[]): void {
  const scope = self as unknown as PortLike & EventTarget & { name?: string };
  serveEngine(scope, createWebEngine({ numThreads: threadsFromWorkerName(scope.name) }));
  for (const ev of held) scope.dispatchEvent(new MessageEvent('message', { data: ev.data }));
}
