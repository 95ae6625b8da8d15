// The engine worker's entry (the UI starts it with createWorkerEngine()): one in-thread engine served on
// the worker's message port, started with the thread count the worker's name carries.
import { createWebEngine } from '../engine/webEngine';
import '../image/codecs/webWasmUrls';
import { serveEngine } from './handler';
import { type PortLike, threadsFromWorkerName } from './protocol';

serveEngine(self as unknown as PortLike, createWebEngine({ numThreads: threadsFromWorkerName((self as { name?: string }).name) }));
