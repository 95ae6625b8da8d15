// A short-lived worker that decodes one dropped file (decodeOffThread.ts starts it): the grey image the engine drafts
// from and the values binned for the viewer. The compressed-DICOM decoders load here, never on the page's thread, and
// a file that makes a decoder spin is ended by terminating this worker instead of freezing the page. Like the engine
// worker's entry (worker.ts), it imports its body (decodeWorkerBody.ts) dynamically, so that Chromium reuses that
// module's compiled code for every file instead of compiling the decoders again; the file, sent at once, is held
// until the body listens.
import { startWhenLoaded } from './heldMessages';

void startWhenLoaded(self, () => import('./decodeWorkerBody').then((m) => m.startDecodeWorker));
