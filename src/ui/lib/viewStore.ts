// Zoom and pan of every view on the page, by image key, outside React state so that a pan re-renders only
// the view that moves (components subscribe with useViewState). Views are independent unless linked;
// linking copies the first view's zoom and pan to the others, and then a change to one is a change to all.
import { FIT, type ViewState } from './viewTransform';

export class ViewStore {
  private states = new Map<string, ViewState>();
  private keys: string[] = [];
  private listeners = new Set<() => void>();
  linked = false;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get = (key: string): ViewState => this.states.get(key) ?? FIT;

  /** The views on the page now, first one first (the one linking copies from). */
  setKeys(keys: string[]): void {
    this.keys = keys;
  }

  update = (key: string, change: (view: ViewState) => ViewState): void => {
    const next = change(this.get(key));
    for (const k of this.linked ? this.keys : [key]) this.states.set(k, next);
    this.emit();
  };

  setLinked = (linked: boolean): void => {
    this.linked = linked;
    if (linked && this.keys.length) {
      const first = this.get(this.keys[0]);
      for (const k of this.keys) this.states.set(k, first);
    }
    this.emit();
  };

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
