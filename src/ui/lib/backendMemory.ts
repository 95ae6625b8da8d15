// The page's memory of measured backend timings (engine/backendTiming.ts): kept in localStorage by adapter, model and
// precision, handed to every load so the measurement runs once per GPU and model, and forgotten on request.
import { localStore, type Store } from './localStore';
import type { BackendTimings, RememberedTimings } from '../../engine/backendTiming';

export const BACKEND_TIMINGS_KEY = 'serpent.backendTimings.v1';
const KEEP = 8; // entries (adapter × model version × precision); the oldest go first

const isTimings = (t: unknown): t is BackendTimings => {
  const x = t as BackendTimings | null;
  return (
    !!x && typeof x.key === 'string' && (x.chosen === 'webgpu' || x.chosen === 'wasm') && typeof x.msPerStep === 'object' && typeof x.measuredAt === 'string'
  );
};

/** Everything remembered; nothing (not an error) when the store is missing or holds something else. */
export function readRememberedTimings(store: Store | null = localStore()): RememberedTimings {
  try {
    const parsed = JSON.parse(store?.getItem(BACKEND_TIMINGS_KEY) ?? '{}') as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter(([k, t]) => isTimings(t) && t.key === k)) as RememberedTimings;
  } catch {
    return {};
  }
}

function write(all: RememberedTimings, store: Store | null): void {
  const newest = Object.values(all)
    .sort((a, b) => b.measuredAt.localeCompare(a.measuredAt))
    .slice(0, KEEP);
  try {
    store?.setItem(BACKEND_TIMINGS_KEY, JSON.stringify(Object.fromEntries(newest.map((t) => [t.key, t]))));
  } catch {
    // storage full or blocked: the next load measures again
  }
}

export function rememberTimings(t: BackendTimings, store: Store | null = localStore()): void {
  write({ ...readRememberedTimings(store), [t.key]: t }, store);
}

export function forgetTimings(key: string, store: Store | null = localStore()): void {
  const { [key]: _gone, ...rest } = readRememberedTimings(store);
  write(rest, store);
}
