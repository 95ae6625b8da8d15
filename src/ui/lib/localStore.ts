// The page's small memories (measured backend timings, the theme) live in localStorage; this is the one place that
// reaches for it, and says "none" where there is none (workers, Node) or the browser refuses it (some privacy modes).
export type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function localStore(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
