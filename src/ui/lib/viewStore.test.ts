import { describe, expect, it } from 'vitest';
import { ViewStore } from './viewStore';
import { FIT } from './viewTransform';

describe('ViewStore', () => {
  it('keeps views independent, and linked views together', () => {
    const store = new ViewStore();
    store.setKeys(['a', 'b']);
    let calls = 0;
    store.subscribe(() => calls++);
    store.update('b', (v) => ({ ...v, zoom: 2 }));
    expect([store.get('a'), store.get('b').zoom]).toEqual([FIT, 2]);
    store.setLinked(true); // copies the first view's state to the others
    expect(store.get('b')).toEqual(FIT);
    store.update('b', (v) => ({ ...v, zoom: 3, cx: 0.2 }));
    expect(store.get('a')).toEqual({ zoom: 3, cx: 0.2, cy: 0.5 });
    store.setLinked(false);
    store.update('a', () => FIT);
    expect(store.get('b').zoom).toBe(3);
    expect(calls).toBe(5);
  });
});
