// The engine worker's entry (the UI starts it with createWorkerEngine()): one in-thread engine served on
// the worker's message port.
import { createWebEngine } from '../engine/webEngine';
import '../image/codecs/webWasmUrls';
import { serveEngine } from './handler';
import type { PortLike } from './protocol';

serveEngine(self as unknown as PortLike, createWebEngine());
