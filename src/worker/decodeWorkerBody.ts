// The decode worker's body, imported by its entry (decodeWorker.ts): decodes the one file the page sends, bins its
// own values for the viewer's window/level (decodeForViewer), and sends back both or the typed error.
import '../image/codecs/webWasmUrls';
import { decodeForViewer } from '../image';
import { serializeError } from '../engine/errors';

export function startDecodeWorker(): void {
  self.addEventListener('message', (ev: MessageEvent<{ bytes: Uint8Array }>) => {
    decodeForViewer(ev.data.bytes).then(
      (decoded) => {
        const buffers = [decoded.image.data.buffer, decoded.display.bins.buffer, decoded.display.histogram.buffer];
        (self as unknown as Worker).postMessage({ decoded }, buffers as ArrayBuffer[]);
      },
      (err: unknown) => (self as unknown as Worker).postMessage({ error: serializeError(err) }),
    );
  });
}
