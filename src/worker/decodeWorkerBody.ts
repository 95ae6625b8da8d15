// The decode worker's body, imported by its entry (decodeWorker.ts): decodes the one file the page sends, keeping its
// own values (keepValues) for the viewer's window/level, and sends back the image or the typed error.
import '../image/codecs/webWasmUrls';
import { decodeImageAsync } from '../image';
import { serializeError } from '../engine/errors';

export function startDecodeWorker(): void {
  self.addEventListener('message', (ev: MessageEvent<{ bytes: Uint8Array }>) => {
    decodeImageAsync(ev.data.bytes, { keepValues: true }).then(
      (image) => {
        const buffers = [image.data.buffer, ...(image.values && image.values.buffer !== image.data.buffer ? [image.values.buffer] : [])];
        (self as unknown as Worker).postMessage({ image }, buffers as ArrayBuffer[]);
      },
      (err: unknown) => (self as unknown as Worker).postMessage({ error: serializeError(err) }),
    );
  });
}
