// The page's decode of a dropped file: in its own worker (src/worker/decodeWorker.ts), with a time limit. The
// image module's typed errors come back as themselves; a decode past the limit ends the worker and becomes
// ImageTimeoutError. Browser only.
import { ImageTimeoutError, type ViewerImage } from '../../image';
import { rebuildError, type SerializedError } from '../../engine/errors';

/** Real radiographs decode in well under a second here; a damaged codestream can make a decoder spin. */
export const DECODE_TIME_LIMIT_S = 30;

export function decodeOffThread(bytes: Uint8Array, name: string, limitS = DECODE_TIME_LIMIT_S): Promise<ViewerImage> {
  const worker = new Worker(new URL('../../worker/decodeWorker.ts', import.meta.url), { type: 'module' });
  return new Promise<ViewerImage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ImageTimeoutError(name, limitS)), limitS * 1000);
    worker.addEventListener('message', (ev: MessageEvent<{ decoded?: ViewerImage; error?: SerializedError }>) => {
      clearTimeout(timer);
      if (ev.data.decoded) resolve(ev.data.decoded);
      else reject(rebuildError(ev.data.error ?? { name: 'Error', message: 'the decoder sent nothing back' }));
    });
    worker.addEventListener('error', (ev: ErrorEvent) => {
      clearTimeout(timer);
      reject(new Error(`The image decoder could not run (${ev.message || 'it failed to start'}); reload the page.`));
    });
    const copy = bytes.slice();
    worker.postMessage({ bytes: copy }, [copy.buffer]);
  }).finally(() => worker.terminate());
}
