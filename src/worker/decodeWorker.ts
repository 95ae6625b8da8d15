// A short-lived worker that decodes one dropped file for the page's preview (decodeOffThread.ts starts it): the
// compressed-DICOM decoders load here, never on the page's thread, and a file that makes a decoder spin is ended
// by terminating this worker instead of freezing the page.
import '../image/codecs/webWasmUrls';
import { decodeImageAsync } from '../image';
import { serializeError } from '../engine/errors';

self.addEventListener('message', (ev: MessageEvent<{ bytes: Uint8Array }>) => {
  decodeImageAsync(ev.data.bytes).then(
    (image) => (self as unknown as Worker).postMessage({ image }, [image.data.buffer as ArrayBuffer]),
    (err: unknown) => (self as unknown as Worker).postMessage({ error: serializeError(err) }),
  );
});
