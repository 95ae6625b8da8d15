// holdMessages: requests that reach the engine worker before its module has loaded are served, in order, once it has.
import { describe, expect, it } from 'vitest';
import { holdMessages } from './heldMessages';

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
