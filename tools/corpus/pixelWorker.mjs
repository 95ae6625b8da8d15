// Worker-thread entry (plain ESM so Node can start it): registers tsx, then runs pixelWorker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./pixelWorker.ts');
