// The page side of the engine worker: a ReportEngine whose calls become protocol messages. Pixel buffers
// are transferred (the caller's ImageTensor data / file bytes are empty afterwards); an AbortSignal sends
// a cancel request and the call rejects with GenerationCancelledError once the worker has cleaned up.
import { GenerationCancelledError, rebuildError } from '../engine/errors';
import type {
  GenerateCallbacks,
  GenerateOptions,
  ImageFile,
  ImageTensor,
  LoadInfo,
  LoadOptions,
  ProgressEvent,
  ReportEngine,
  ReportResult,
} from '../engine/types';
import { requestTransfer, type GenerateInput, type PortLike, type WorkerReply, type WorkerRequest } from './protocol';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  onProgress?: (e: ProgressEvent) => void;
  callbacks?: GenerateCallbacks;
}

export class WorkerEngineClient implements ReportEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly port: PortLike,
    private readonly onTerminate?: () => void,
  ) {
    port.addEventListener('message', (ev: MessageEvent) => this.receive(ev.data as WorkerReply));
    port.start?.();
  }

  /** Reject every call in flight (e.g. when the worker script failed to load or crashed). */
  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** A relative modelUrl is resolved against this page, not against the worker script's URL. */
  load(opts: LoadOptions, onProgress?: (e: ProgressEvent) => void): Promise<LoadInfo> {
    const page = typeof location !== 'undefined' ? location.href : undefined;
    const modelUrl = page ? new URL(opts.modelUrl, page).href : opts.modelUrl;
    return this.request<LoadInfo>({ kind: 'load', id: this.nextId++, opts: { ...opts, modelUrl } }, { onProgress });
  }

  generate(images: ImageTensor[], opts: GenerateOptions = {}, callbacks: GenerateCallbacks = {}): Promise<ReportResult> {
    return this.startGenerate({ images }, opts, callbacks);
  }

  generateFiles(files: ImageFile[], opts: GenerateOptions = {}, callbacks: GenerateCallbacks = {}): Promise<ReportResult> {
    return this.startGenerate({ files }, opts, callbacks);
  }

  async dispose(): Promise<void> {
    await this.request<null>({ kind: 'dispose', id: this.nextId++ }, {});
    this.onTerminate?.();
  }

  private startGenerate(input: GenerateInput, opts: GenerateOptions, callbacks: GenerateCallbacks): Promise<ReportResult> {
    const { signal, ...settings } = opts;
    if (signal?.aborted) return Promise.reject(new GenerationCancelledError());
    const id = this.nextId++;
    const promise = this.request<ReportResult>({ kind: 'generate', id, input, opts: settings, tokenIntervalMs: callbacks?.tokenIntervalMs }, { callbacks });
    if (signal) {
      const cancel = (): void => this.port.postMessage({ kind: 'cancel', id } satisfies WorkerRequest, []);
      signal.addEventListener('abort', cancel, { once: true });
      void promise.then(
        () => signal.removeEventListener('abort', cancel),
        () => signal.removeEventListener('abort', cancel),
      );
    }
    return promise;
  }

  private request<T>(req: WorkerRequest, handlers: Omit<Pending, 'resolve' | 'reject'>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.set(req.id, { resolve: resolve as (v: unknown) => void, reject, ...handlers });
      this.port.postMessage(req, requestTransfer(req));
    });
  }

  private receive(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    switch (reply.kind) {
      case 'progress':
        p.onProgress?.(reply.event);
        return;
      case 'stage':
        p.callbacks?.onStage?.(reply.event);
        return;
      case 'token':
        p.callbacks?.onToken?.(reply.text);
        return;
      case 'result':
        this.pending.delete(reply.id);
        p.resolve(reply.result);
        return;
      case 'error':
        this.pending.delete(reply.id);
        p.reject(rebuildError(reply.error));
    }
  }
}
