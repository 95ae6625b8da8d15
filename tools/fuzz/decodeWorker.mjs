// Worker-thread entry (plain ESM so Node can start it): registers tsx, then runs decodeWorker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./decodeWorker.ts');
