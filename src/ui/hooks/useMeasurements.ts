// One view's distance measurements: whether the view measures, the line being drawn (by a drag, or from the end
// the keyboard marked to the view's centre), the finished ones, and removing them. They live as long as the view
// shows its image; nothing about them reaches the model.
import { useCallback, useRef, useState } from 'react';
import { measurementOf, type Measurement } from '../lib/measure';

export interface Measurements {
  active: boolean;
  toggle: () => void;
  items: Measurement[];
  drawing: Measurement | null; // a drag under way
  pending: [number, number] | null; // the keyboard's first end, image pixels
  onDrag: (from: [number, number], to: [number, number], done: boolean) => void;
  mark: (at: [number, number]) => void; // the keyboard marks an end: the first, or the second, which finishes one
  cancel: () => void;
  remove: (id: number) => void;
  clear: () => void;
}

export function useMeasurements(): Measurements {
  const [active, setActive] = useState(false);
  const [items, setItems] = useState<Measurement[]>([]);
  const [drawing, setDrawing] = useState<Measurement | null>(null);
  const [pending, setPending] = useState<[number, number] | null>(null);
  const nextId = useRef(1);
  const add = useCallback((from: [number, number], to: [number, number]) => {
    const m = measurementOf(nextId.current, from, to);
    if (!m) return;
    nextId.current++;
    setItems((xs) => [...xs, m]);
  }, []);
  const onDrag = useCallback(
    (from: [number, number], to: [number, number], done: boolean) => {
      setPending(null);
      if (!done) return setDrawing(measurementOf(nextId.current, from, to));
      setDrawing(null);
      add(from, to);
    },
    [add],
  );
  const mark = useCallback(
    (at: [number, number]) => {
      if (!pending) return setPending(at);
      setPending(null);
      add(pending, at);
    },
    [pending, add],
  );
  const cancel = useCallback(() => {
    setPending(null);
    setDrawing(null);
  }, []);
  return {
    active,
    toggle: useCallback(() => {
      setActive((v) => !v);
      cancel();
    }, [cancel]),
    items,
    drawing,
    pending,
    onDrag,
    mark,
    cancel,
    remove: useCallback((id: number) => setItems((xs) => xs.filter((m) => m.id !== id)), []),
    clear: useCallback(() => setItems([]), []),
  };
}
