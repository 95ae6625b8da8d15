// Mouse, touch and keyboard on one view, turned into view changes: wheel (or trackpad pinch) zooms about
// the pointer, a drag pans (or, while measuring, draws a measurement), two fingers pinch-zoom, a right-drag or
// Shift-drag changes window/level, double-click fits; on the focused image + and − zoom, the arrow keys pan,
// 0 resets, M turns measuring on or off and F full screen; while measuring, Enter (or Space) marks an end at the
// view's centre and Escape drops a first end; otherwise Escape leaves full screen.
import { useEffect, useRef, type KeyboardEvent, type MouseEvent, type PointerEvent, type RefObject } from 'react';
import { FIT, PAN_STEP, ZOOM_STEP, canvasToImage, panBy, wheelFactor, zoomAbout, zoomCentre, type ViewGeometry, type ViewState } from '../lib/viewTransform';

export interface ViewerInputOptions {
  canvasRef: RefObject<HTMLCanvasElement | null>;
  geometry: ViewGeometry; // side in canvas pixels
  onView: (change: (view: ViewState) => ViewState) => void;
  onWindowDrag: (dx: number, dy: number) => void; // fractions of the view's side
  measure: {
    view: ViewState; // turns the pointer into image pixels
    active: boolean; // a left-drag draws a measurement instead of panning
    onDrag: (from: [number, number], to: [number, number], done: boolean) => void; // image pixels
    onToggle: () => void;
    onMark: (at: [number, number]) => void; // image pixels: the point at the view's centre
    onCancel: () => void;
  };
  fullscreen: { toggle: () => void; exit: () => void };
}

type Drag = { mode: 'pan' | 'window'; x: number; y: number } | { mode: 'measure'; from: [number, number]; to: [number, number] };

export function useViewerInput({ canvasRef, geometry, onView, onWindowDrag, measure, fullscreen }: ViewerInputOptions) {
  const live = useRef({ geometry, onView, onWindowDrag, measure, fullscreen });
  live.current = { geometry, onView, onWindowDrag, measure, fullscreen };
  const pointers = useRef(new Map<number, [number, number]>());
  const drag = useRef<Drag | null>(null);

  /** Canvas pixels → the image pixel under them, kept on the image (a measurement ends at the film's edge). */
  const toImagePoint = (view: ViewState, g: ViewGeometry, p: [number, number]): [number, number] => {
    const [x, y] = canvasToImage(view, g, p[0], p[1]);
    return [Math.min(g.width, Math.max(0, x)), Math.min(g.height, Math.max(0, y))];
  };

  /** Client coordinates → canvas pixels. */
  const toCanvas = (clientX: number, clientY: number): [number, number] => {
    const canvas = canvasRef.current!;
    const r = canvas.getBoundingClientRect();
    return [((clientX - r.left) * canvas.width) / r.width, ((clientY - r.top) * canvas.height) / r.height];
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: toCanvas reads only refs; the wheel listener is attached once per canvas
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault(); // the page must not scroll while the image zooms
      const [px, py] = toCanvas(e.clientX, e.clientY);
      const { geometry: g } = live.current;
      live.current.onView((v) => zoomAbout(v, g, wheelFactor(e.deltaY * (e.deltaMode === 1 ? 16 : 1), e.ctrlKey), px, py));
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reads the latest geometry and callbacks through `live`
  }, [canvasRef]);

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>): void => {
    if (e.button !== 0 && e.button !== 2) return;
    e.currentTarget.focus();
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // a synthetic pointer cannot be captured; the drag still works while the pointer stays on the image
    }
    const p = toCanvas(e.clientX, e.clientY);
    pointers.current.set(e.pointerId, p);
    const { measure: m, geometry: g } = live.current;
    const before = drag.current;
    if (before?.mode === 'measure') m.onDrag(before.from, before.from, true); // a second finger: a pinch, not a line
    if (e.button === 2 || e.shiftKey) drag.current = { mode: 'window', x: p[0], y: p[1] };
    else if (m.active && pointers.current.size === 1) {
      const at = toImagePoint(m.view, g, p);
      drag.current = { mode: 'measure', from: at, to: at };
    } else drag.current = { mode: 'pan', x: p[0], y: p[1] };
  };

  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>): void => {
    const previous = pointers.current.get(e.pointerId);
    if (!previous) return;
    const p = toCanvas(e.clientX, e.clientY);
    const { geometry: g, onView } = live.current;
    if (pointers.current.size === 2) {
      const [other] = [...pointers.current].filter(([id]) => id !== e.pointerId).map(([, q]) => q);
      const before = Math.hypot(previous[0] - other[0], previous[1] - other[1]);
      const after = Math.hypot(p[0] - other[0], p[1] - other[1]);
      if (before > 0) onView((v) => zoomAbout(v, g, after / before, (p[0] + other[0]) / 2, (p[1] + other[1]) / 2));
    } else if (drag.current?.mode === 'measure') {
      const { measure: m } = live.current;
      drag.current.to = toImagePoint(m.view, g, p);
      m.onDrag(drag.current.from, drag.current.to, false);
    } else if (drag.current?.mode === 'window') {
      live.current.onWindowDrag((p[0] - previous[0]) / g.side, (p[1] - previous[1]) / g.side);
    } else if (drag.current) {
      onView((v) => panBy(v, g, p[0] - previous[0], p[1] - previous[1]));
    }
    pointers.current.set(e.pointerId, p);
  };

  const onPointerUp = (e: PointerEvent<HTMLCanvasElement>): void => {
    pointers.current.delete(e.pointerId);
    const d = drag.current;
    if (d?.mode === 'measure') live.current.measure.onDrag(d.from, d.to, true);
    if (pointers.current.size === 0 || d?.mode === 'measure') drag.current = null;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLCanvasElement>): void => {
    const { geometry: g, onView } = live.current;
    const step = g.side * PAN_STEP;
    const moves: Record<string, (v: ViewState) => ViewState> = {
      '+': (v) => zoomCentre(v, g, ZOOM_STEP),
      '=': (v) => zoomCentre(v, g, ZOOM_STEP),
      '-': (v) => zoomCentre(v, g, 1 / ZOOM_STEP),
      '−': (v) => zoomCentre(v, g, 1 / ZOOM_STEP),
      _: (v) => zoomCentre(v, g, 1 / ZOOM_STEP),
      // biome-ignore lint/correctness/noComponentHookFactories: a key name, not a component
      ArrowLeft: (v) => panBy(v, g, step, 0),
      // biome-ignore lint/correctness/noComponentHookFactories: a key name, not a component
      ArrowRight: (v) => panBy(v, g, -step, 0),
      // biome-ignore lint/correctness/noComponentHookFactories: a key name, not a component
      ArrowUp: (v) => panBy(v, g, 0, step),
      // biome-ignore lint/correctness/noComponentHookFactories: a key name, not a component
      ArrowDown: (v) => panBy(v, g, 0, -step),
      '0': () => FIT,
    };
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const { measure: m } = live.current;
    if (e.key === 'm' || e.key === 'M') {
      e.preventDefault();
      m.onToggle();
      return;
    }
    if (m.active && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      m.onMark([m.view.cx * g.width, m.view.cy * g.height]);
      return;
    }
    if (m.active && e.key === 'Escape') {
      m.onCancel();
      return;
    }
    if (e.key === 'f' || e.key === 'F') {
      e.preventDefault();
      live.current.fullscreen.toggle();
      return;
    }
    if (e.key === 'Escape') {
      live.current.fullscreen.exit();
      return;
    }
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    onView(move);
  };

  return {
    onPointerDown,
    onPointerMove,
    onPointerUp,
    onPointerCancel: onPointerUp,
    onDoubleClick: () => live.current.onView(() => FIT),
    onContextMenu: (e: MouseEvent) => e.preventDefault(), // the right button drags the window instead
    onKeyDown,
  };
}
