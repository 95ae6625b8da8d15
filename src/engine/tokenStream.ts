// How often the best partial report is streamed while the search runs. Each streamed step costs a detokenisation in
// the engine and a message, a React render and a paint in the page, and on a 2-core laptop that page work competes
// with onnxruntime's threads for the cores the search needs (docs/RESULTS.md, "The streamed partial report"). The
// first step streams at once, so the page shows that drafting began; later steps stream at most once per interval;
// when the search ends, the last step it skipped streams too, so the page shows the whole best beam before the rerank.

/** Streaming interval of the page: ≈ 8 updates a second, fast enough to read as live text. */
export const STREAM_INTERVAL_MS = 120;

export interface ThrottledStream<T> {
  step(ids: T): void; // after each search step
  flush(): void; // once the search has ended: emits the latest step if it was skipped
}

/** Wraps a per-step consumer so that it runs on the first step and then at most once per `intervalMs`.
 *  The ids are only turned into text (`emit`) on the steps that pass. */
export function throttledStream<T>(emit: (ids: T) => void, intervalMs: number, now: () => number): ThrottledStream<T> {
  let last = Number.NEGATIVE_INFINITY;
  let pending: { ids: T } | null = null;
  return {
    step(ids: T) {
      const t = now();
      if (t - last < intervalMs) {
        pending = { ids };
        return;
      }
      last = t;
      pending = null;
      emit(ids);
    },
    flush() {
      if (pending) emit(pending.ids);
      pending = null;
    },
  };
}
