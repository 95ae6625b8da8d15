// The engine worker's entry (the UI starts it with createWorkerEngine()). It stays small and imports the engine
// (engineWorker.ts) dynamically: the service worker must rewrap this script's response with the cross-origin
// isolation headers, and Chromium keeps no compiled code for a rewrapped response, while a dynamically imported module
// is served as the kept response itself, whose compiled code Chromium reuses on the next visit. Requests that arrive
// before the engine module has run are held and replayed to it in order (startWhenLoaded).
import { startWhenLoaded } from './heldMessages';

void startWhenLoaded(self, () => import('./engineWorker').then((m) => m.startEngineWorker));
