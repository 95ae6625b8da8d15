// The engine in Node (report CLI, evaluation, tests): onnxruntime-web's WASM backend (what the page runs
// on a CPU) and onnxruntime-node's CPU provider (much faster; same reports — see the golden test), with
// model folders read from disk (or fetched when given an http(s) URL).
import { InThreadEngine, type EngineDeps } from '../engine';
import { HttpModelSource, type ModelSource } from '../modelSource';
import type { OrtRuntime } from '../sessions';
import type { Backend } from '../types';
import { FsModelSource } from './fsModelSource';

export type NodeBackend = Extract<Backend, 'wasm' | 'cpu'>;

export function nodeModelSource(modelUrl: string): ModelSource {
  return /^https?:/i.test(modelUrl) ? new HttpModelSource(modelUrl) : new FsModelSource(modelUrl);
}

export async function loadOrtWeb(): Promise<OrtRuntime> {
  return (await import('onnxruntime-web')) as unknown as OrtRuntime;
}

export async function loadOrtNode(): Promise<OrtRuntime> {
  const mod = (await import('onnxruntime-node')) as unknown as OrtRuntime & { default?: OrtRuntime };
  return mod.InferenceSession ? mod : mod.default!;
}

export interface NodeEngineOptions {
  backends?: NodeBackend[]; // runtimes to offer; the first is what 'auto' picks (default ['cpu', 'wasm'])
  extra?: Partial<EngineDeps>;
}

export async function createNodeEngine(opts: NodeEngineOptions = {}): Promise<InThreadEngine> {
  const backends = opts.backends ?? ['cpu', 'wasm'];
  const runtimes: Partial<Record<NodeBackend, OrtRuntime>> = {};
  for (const b of backends) runtimes[b] = b === 'cpu' ? await loadOrtNode() : await loadOrtWeb();
  return new InThreadEngine({
    runtimes,
    sourceFor: nodeModelSource,
    autoOrder: [...backends],
    configure: (backend, numThreads) => {
      // Threads in Node's WASM would need worker_threads; one thread keeps runs deterministic.
      if (backend === 'wasm' && runtimes.wasm) runtimes.wasm.env.wasm.numThreads = numThreads ?? 1;
    },
    ...opts.extra,
  });
}
