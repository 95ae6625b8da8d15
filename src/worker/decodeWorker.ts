// A short-lived worker that decodes one dropped file for the page's preview (decodeOffThread.ts starts it): the
// compressed-DICOM decoders load here, never on the page's thread, and a file that makes a decoder spin is ended
// by terminating this worker instead of freezing the page. The file's own values come back too (keepValues), for
// the viewer's window/level.
import '../image/codecs/webWasmUrls';
import { decodeImageAsync } from '../image';
import { serializeError } from '../engine/errors';

self.addEventListener('message', (ev: MessageEvent<{ bytes: Uint8Array }>) => {
  decodeImageAsync(ev.data.bytes, { keepValues: true }).then(
    (image) => {
      const buffers = [image.data.buffer, ...(image.values && image.values.buffer !== image.data.buffer ? [image.values.buffer] : [])];
      (self as unknown as Worker).postMessage({ image }, buffers as ArrayBuffer[]);
    },
    (err: unknown) => (self as unknown as Worker).postMessage({ error: serializeError(err) }),
  );
});
