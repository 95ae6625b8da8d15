// Worker thread for tools/corpus/pixels.ts: decodes its share of the files and posts each image back.
import { parentPort, workerData } from 'node:worker_threads';
import { filePixels } from './pixels';

const { jobs, size, mean, std } = workerData as {
  jobs: Array<{ order: number; file: string }>;
  size: number;
  mean: number;
  std: number;
};
for (const job of jobs) {
  try {
    const pixels = await filePixels(job.file, size, mean, std);
    parentPort!.postMessage({ order: job.order, pixels }, [pixels.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ order: job.order, file: job.file, error: (e as Error).message });
    break;
  }
}
