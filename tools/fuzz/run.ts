// Runs the decode fuzz: every mutated file goes to a worker thread with a per-file time limit; a file that
// takes longer is a hang (the worker is ended and a fresh one started). Returns the counts per format.
import { Worker } from 'node:worker_threads';
import type { ImageFormat } from '../../src/image';
import { MUTATIONS, mutate, rng } from './mutate';

export interface Seed {
  format: ImageFormat;
  name: string;
  bytes: Uint8Array;
}
export type Outcome = 'image' | 'typed-error' | 'crash' | 'hang';
export interface FuzzResult {
  counts: Record<string, Record<Outcome, number>>; // per format
  failures: { seed: string; mutation: string; index: number; outcome: Outcome; detail: string }[];
  files: number;
}

export async function runFuzz(seeds: Seed[], perSeed: number, opts: { timeoutMs?: number; seed?: number } = {}): Promise<FuzzResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const random = rng(opts.seed ?? 1);
  const counts: FuzzResult['counts'] = {};
  const failures: FuzzResult['failures'] = [];
  let worker = start();
  let files = 0;
  try {
    for (const seed of seeds) {
      counts[seed.format] ??= { image: 0, 'typed-error': 0, crash: 0, hang: 0 };
      for (let i = 0; i < perSeed; i++) {
        const mutation = MUTATIONS[i % MUTATIONS.length];
        const bytes = mutate(seed.bytes, mutation, random);
        const { outcome, detail } = await decodeIn(worker, files, bytes, timeoutMs);
        if (outcome === 'hang') {
          await worker.terminate();
          worker = start();
        }
        counts[seed.format][outcome]++;
        if (outcome === 'crash' || outcome === 'hang') failures.push({ seed: seed.name, mutation, index: i, outcome, detail });
        files++;
      }
    }
  } finally {
    await worker.terminate();
  }
  return { counts, failures, files };
}

function start(): Worker {
  return new Worker(new URL('./decodeWorker.mjs', import.meta.url));
}

function decodeIn(worker: Worker, id: number, bytes: Uint8Array, timeoutMs: number): Promise<{ outcome: Outcome; detail: string }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      worker.off('message', onMessage);
      resolve({ outcome: 'hang', detail: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    const onMessage = (m: { id: number; outcome: Outcome; detail: string }): void => {
      if (m.id !== id) return;
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve({ outcome: m.outcome, detail: m.detail });
    };
    worker.on('message', onMessage);
    worker.postMessage({ id, bytes });
  });
}
