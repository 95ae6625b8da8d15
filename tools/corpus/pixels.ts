// Radiograph files → preprocessed uint8 pixels [S*S] with the project's one image pipeline (src/image):
// decodeImageAsync → preprocess (resize + pad) → toUint8. Runs in the calling thread or in worker threads.
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeImageAsync, preprocess, toUint8 } from '../../src/image/index';

export interface PixelJob {
  index: number; // caller's row index, echoed back
  file: string; // absolute path
}

/** One file → [S*S] uint8, the corpus's pixels (the page gets the same with quantise: true). */
export async function filePixels(file: string, size: number, mean: number, std: number): Promise<Uint8Array> {
  const grey = await decodeImageAsync(new Uint8Array(fs.readFileSync(file)));
  return toUint8(preprocess(grey, { size, mean, std }).unit);
}

export interface PixelOptions {
  size: number;
  mean: number;
  std: number;
  workers: number; // 0 = in this thread
}

export function defaultWorkers(): number {
  return Math.max(0, Math.min(2, os.availableParallelism() - 0));
}

/**
 * Decode all jobs; `onResult` is called in job order (so the caller can stream rows into .npy files).
 * Rejects with the first file that fails, naming it.
 */
export async function decodeAll(jobs: readonly PixelJob[], opts: PixelOptions, onResult: (job: PixelJob, pixels: Uint8Array) => void): Promise<void> {
  if (opts.workers <= 0 || jobs.length < 64) {
    for (const job of jobs) onResult(job, await filePixels(job.file, opts.size, opts.mean, opts.std));
    return;
  }
  const pending = new Map<number, Uint8Array>();
  let next = 0; // next job index to hand to onResult
  const flush = (): void => {
    while (pending.has(next)) {
      const px = pending.get(next)!;
      pending.delete(next);
      onResult(jobs[next], px);
      next += 1;
    }
  };
  const chunk = Math.ceil(jobs.length / opts.workers);
  const runs: Promise<void>[] = [];
  for (let w = 0; w < opts.workers; w++) {
    const slice = jobs.slice(w * chunk, (w + 1) * chunk).map((j, i) => ({ ...j, order: w * chunk + i }));
    if (slice.length === 0) continue;
    runs.push(
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL('./pixelWorker.mjs', import.meta.url), {
          workerData: { jobs: slice, size: opts.size, mean: opts.mean, std: opts.std },
        });
        worker.on('message', (m: { order: number; pixels?: Uint8Array; error?: string; file?: string }) => {
          if (m.error !== undefined) {
            reject(new Error(`decoding ${m.file} failed: ${m.error}`));
            void worker.terminate();
            return;
          }
          pending.set(m.order, m.pixels!);
          flush();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pixel worker exited with code ${code}`))));
      }),
    );
  }
  await Promise.all(runs);
  flush();
  if (next !== jobs.length) throw new Error(`pixel workers returned ${next} of ${jobs.length} images`);
}
