// One view's zoom and pan from the page's ViewStore (re-renders only this view when it changes), and
// whether the views are linked (for the page's "Link views" checkbox).
import { useCallback, useSyncExternalStore } from 'react';
import type { ViewStore } from '../lib/viewStore';
import type { ViewState } from '../lib/viewTransform';

export function useViewState(store: ViewStore, key: string): [ViewState, (change: (view: ViewState) => ViewState) => void] {
  const view = useSyncExternalStore(store.subscribe, () => store.get(key));
  const update = useCallback((change: (view: ViewState) => ViewState) => store.update(key, change), [store, key]);
  return [view, update];
}

export function useViewsLinked(store: ViewStore): boolean {
  return useSyncExternalStore(store.subscribe, () => store.linked);
}
