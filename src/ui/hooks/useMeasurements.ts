// One view's distance measurements: whether a drag measures, the line being drawn, the finished ones, and
// removing them. They live as long as the view shows its image; nothing about them reaches the model.
import { useCallback, useRef, useState } from 'react';
import { measurementOf, type Measurement } from '../lib/measure';

export interface Measurements {
  active: boolean;
  toggle: () => void;
  items: Measurement[];
  drawing: Measurement | null;
  onDrag: (from: [number, number], to: [number, number], done: boolean) => void;
  remove: (id: number) => void;
  clear: () => void;
}

export function useMeasurements(): Measurements {
  const [active, setActive] = useState(false);
  const [items, setItems] = useState<Measurement[]>([]);
  const [drawing, setDrawing] = useState<Measurement | null>(null);
  const nextId = useRef(1);
  const onDrag = useCallback((from: [number, number], to: [number, number], done: boolean) => {
    const m = measurementOf(nextId.current, from, to);
    if (!done) return setDrawing(m);
    setDrawing(null);
    if (!m) return;
    nextId.current++;
    setItems((xs) => [...xs, m]);
  }, []);
  return {
    active,
    toggle: useCallback(() => setActive((v) => !v), []),
    items,
    drawing,
    onDrag,
    remove: useCallback((id: number) => setItems((xs) => xs.filter((m) => m.id !== id)), []),
    clear: useCallback(() => setItems([]), []),
  };
}
