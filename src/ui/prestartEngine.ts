// Imported first by the page entry, so that it runs before React and the app are evaluated: on a visit that the
// service worker already controls (every visit after the first), the engine worker starts at once and useEngine
// takes it. A first visit starts nothing here: useEngine waits for the service worker, so that it keeps the
// worker's files as they arrive.
import { prestartWorkerEngine } from '../worker/createWorkerEngine';
import { serviceWorkersUsed } from './lib/serviceWorker';

if (serviceWorkersUsed() && navigator.serviceWorker.controller) prestartWorkerEngine();
