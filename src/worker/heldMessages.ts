// A worker entry that imports its body dynamically (so that Chromium reuses the body's compiled code: worker.ts says
// why): message events that reach the worker before the body has loaded are held from the start, then handed over in
// their order once the body listens. No DOM; any EventTarget (the worker's global scope in the page).

export interface HeldMessages {
  /** Stops holding and dispatches what was held to `target` again, oldest first: call it after the real listener is on. */
  replay(): void;
}

export function holdMessages(target: EventTarget): HeldMessages {
  const held: MessageEvent[] = [];
  const hold = (ev: Event): void => void held.push(ev as MessageEvent);
  target.addEventListener('message', hold);
  return {
    replay() {
      target.removeEventListener('message', hold);
      for (const ev of held.splice(0)) target.dispatchEvent(new MessageEvent('message', { data: ev.data }));
    },
  };
}

/** Holds `scope`'s messages, loads the body, runs its start (which puts its listener on) and replays what was held.
 *  A body that cannot load is thrown from the worker, so the page's worker error handler sees it. */
export function startWhenLoaded(scope: EventTarget, load: () => Promise<() => void>): Promise<void> {
  const held = holdMessages(scope);
  return load().then(
    (start) => {
      start();
      held.replay();
    },
    (err: unknown) =>
      void setTimeout(() => {
        throw err;
      }),
  );
}
