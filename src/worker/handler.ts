// The worker side of the protocol, independent of how the engine is built: serves one ReportEngine on a
// port (the worker's global scope in the page, a MessagePort in tests). One AbortController per generate.
import { serializeError } from '../engine/errors';
import type { GenerateCallbacks, ReportEngine } from '../engine/types';
import { replyTransfer, type PortLike, type WorkerReply, type WorkerRequest } from './protocol';

export function serveEngine(port: PortLike, engine: ReportEngine): void {
  const running = new Map<number, AbortController>();
  const post = (reply: WorkerReply): void => port.postMessage(reply, replyTransfer(reply));

  async function handle(req: WorkerRequest): Promise<void> {
    const { id } = req;
    try {
      if (req.kind === 'cancel') {
        running.get(id)?.abort();
        return;
      }
      if (req.kind === 'load') {
        const info = await engine.load(req.opts, (event) => post({ kind: 'progress', id, event }));
        post({ kind: 'result', id, result: info });
        return;
      }
      if (req.kind === 'dispose') {
        for (const c of running.values()) c.abort();
        await engine.dispose();
        post({ kind: 'result', id, result: null });
        return;
      }
      const controller = new AbortController();
      running.set(id, controller);
      const opts = { ...req.opts, signal: controller.signal };
      const callbacks: GenerateCallbacks = {
        onStage: (event) => post({ kind: 'stage', id, event }),
        onToken: (text) => post({ kind: 'token', id, text }),
        tokenIntervalMs: req.tokenIntervalMs, // undefined: the engine's own interval
      };
      try {
        const result =
          'images' in req.input ? await engine.generate(req.input.images, opts, callbacks) : await engine.generateFiles(req.input.files, opts, callbacks);
        post({ kind: 'result', id, result });
      } finally {
        running.delete(id);
      }
    } catch (err) {
      post({ kind: 'error', id, error: serializeError(err) });
    }
  }

  port.addEventListener('message', (ev: MessageEvent) => void handle(ev.data as WorkerRequest));
  port.start?.();
}
