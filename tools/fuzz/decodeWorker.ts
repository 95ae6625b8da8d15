// Fuzz worker: decodes each file it is sent with the page's decoder (decodeImageAsync, codecs included) and says
// how it ended: an image (checked for sane values), a typed image error, or anything else (a crash).
import { parentPort } from 'node:worker_threads';
import { decodeImageAsync } from '../../src/image';

export const TYPED_ERRORS = ['ImageFormatError', 'ImageCorruptError', 'ImageSizeError', 'DicomUnsupportedError'];

parentPort!.on('message', async ({ id, bytes }: { id: number; bytes: Uint8Array }) => {
  try {
    const img = await decodeImageAsync(bytes);
    const sane = img.data.length === img.width * img.height && img.data.every((v) => v >= 0 && v <= 1);
    parentPort!.postMessage({ id, outcome: sane ? 'image' : 'crash', detail: sane ? '' : 'image values outside [0,1] or wrong length' });
  } catch (err) {
    const name = err instanceof Error ? err.name : typeof err;
    const typed = TYPED_ERRORS.includes(name);
    parentPort!.postMessage({
      id,
      outcome: typed ? 'typed-error' : 'crash',
      detail: `${name}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300),
    });
  }
});
