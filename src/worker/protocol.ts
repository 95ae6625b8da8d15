// The messages between the page (WorkerEngineClient) and the engine worker, and which buffers each one
// transfers instead of copying. Requests carry an id; every reply names the request it answers.
import type { SerializedError } from '../engine/errors';
import type { GenerateOptions, ImageFile, ImageTensor, LoadInfo, LoadOptions, ProgressEvent, ReportResult } from '../engine/types';

/** What to generate from: preprocessed views, or files (bytes or already decoded) the worker preprocesses itself. */
export type GenerateInput = { images: ImageTensor[] } | { files: ImageFile[] };

export type WorkerRequest =
  | { kind: 'load'; id: number; opts: LoadOptions }
  | { kind: 'generate'; id: number; input: GenerateInput; opts: Omit<GenerateOptions, 'signal'>; tokenIntervalMs?: number } // token replies at most this often
  | { kind: 'cancel'; id: number } // id = the generate request to cancel
  | { kind: 'dispose'; id: number };

export type WorkerReply =
  | { kind: 'progress'; id: number; event: ProgressEvent } // download/compile progress of a load
  | { kind: 'stage'; id: number; event: ProgressEvent } // encode/decode/rerank stages of a generate
  | { kind: 'token'; id: number; text: string } // best partial beam so far
  | { kind: 'result'; id: number; result: LoadInfo | ReportResult | null }
  | { kind: 'error'; id: number; error: SerializedError };

/** The engine worker's name (WorkerOptions.name): it also carries the onnxruntime thread count the worker starts its
 *  WebAssembly with before any request arrives (the worker's own choice when absent). */
export function engineWorkerName(numThreads?: number): string {
  return numThreads ? `serpent-engine threads=${numThreads}` : 'serpent-engine';
}

/** The thread count engineWorkerName put in a name; undefined for none or a name it did not make. */
export function threadsFromWorkerName(name: string | undefined): number | undefined {
  const m = /^serpent-engine threads=(\d+)$/.exec(name ?? '');
  const n = m ? Number(m[1]) : 0;
  return n >= 1 ? n : undefined;
}

/** The part of Worker / DedicatedWorkerGlobalScope / MessagePort both sides use. */
export interface PortLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void;
  removeEventListener?(type: 'message', listener: (ev: MessageEvent) => void): void;
  start?(): void;
}

function uniqueBuffers(buffers: (ArrayBufferLike | undefined)[]): Transferable[] {
  const seen = new Set<ArrayBuffer>();
  for (const b of buffers) if (b instanceof ArrayBuffer && b.byteLength > 0) seen.add(b);
  return [...seen];
}

/** Pixel buffers, file bytes and decoded images of a request: moved to the worker (the caller's copies become empty). */
export function requestTransfer(req: WorkerRequest): Transferable[] {
  if (req.kind !== 'generate') return [];
  const input = req.input;
  if ('images' in input) return uniqueBuffers(input.images.map((im) => im.data.buffer));
  return uniqueBuffers(input.files.map((f) => ('image' in f ? f.image.data.buffer : f.bytes)));
}

/** Typed arrays of a report result: moved back to the page. */
export function replyTransfer(reply: WorkerReply): Transferable[] {
  if (reply.kind !== 'result' || !reply.result || !('heatmap' in reply.result)) return [];
  const r = reply.result;
  return uniqueBuffers([
    r.heatmap.values.buffer,
    r.sentenceHeatmaps.buffer,
    ...(r.secondLookMap ? [r.secondLookMap.values.buffer] : []),
    ...(r.views ?? []).map((v) => v.grey.buffer),
  ]);
}
