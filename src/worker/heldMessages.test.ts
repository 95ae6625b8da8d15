// holdMessages and startWhenLoaded: requests that reach a worker before its body has loaded are served, in order, once
// it has; a body that cannot load fails the worker.
import { describe, expect, it, vi } from 'vitest';
import { holdMessages, startWhenLoaded } from './heldMessages';

const send = (target: EventTarget, data: unknown): boolean => target.dispatchEvent(new MessageEvent('message', { data }));

describe('holdMessages', () => {
  it('hands the held messages to the listener that takes over, oldest first, then holds nothing more', () => {
    const target = new EventTarget();
    const held = holdMessages(target);
    send(target, { kind: 'load', id: 1 });
    send(target, { kind: 'generate', id: 2 });
    const seen: unknown[] = [];
    target.addEventListener('message', (ev) => seen.push((ev as MessageEvent).data));
    held.replay();
    expect(seen).toEqual([
      { kind: 'load', id: 1 },
      { kind: 'generate', id: 2 },
    ]);
    send(target, { kind: 'cancel', id: 2 });
    held.replay(); // a second replay finds nothing held: the cancel was seen once
    expect(seen).toHaveLength(3);
    expect(seen[2]).toEqual({ kind: 'cancel', id: 2 });
  });

  it('replays nothing when nothing came early', () => {
    const target = new EventTarget();
    const held = holdMessages(target);
    const seen: unknown[] = [];
    target.addEventListener('message', (ev) => seen.push((ev as MessageEvent).data));
    held.replay();
    expect(seen).toEqual([]);
  });
});

describe('startWhenLoaded', () => {
  it('starts the loaded body, then replays what came while it loaded', async () => {
    const target = new EventTarget();
    const seen: unknown[] = [];
    let release: (start: () => void) => void = () => undefined;
    const started = startWhenLoaded(target, () => new Promise((resolve) => (release = resolve)));
    send(target, { kind: 'load', id: 1 });
    expect(seen).toEqual([]);
    release(() => target.addEventListener('message', (ev) => seen.push((ev as MessageEvent).data)));
    await started;
    expect(seen).toEqual([{ kind: 'load', id: 1 }]);
  });

  it('throws a body that cannot load from a task of its own, where the worker reports it', async () => {
    vi.useFakeTimers();
    try {
      await startWhenLoaded(new EventTarget(), () => Promise.reject(new Error('chunk missing')));
      expect(() => vi.runAllTimers()).toThrow('chunk missing');
    } finally {
      vi.useRealTimers();
    }
  });
});
