// Message events that reach a worker before the code that serves them has loaded: held from the start, then handed
// over in their order once a listener has taken over. No DOM; any EventTarget (the worker's global scope in the page).

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
