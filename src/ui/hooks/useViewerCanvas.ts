// Keeps one view's two canvases (radiograph, heatmap) sized to their box in device pixels and redrawn
// whenever the picture, the map or the view changes. Each redraw is two drawImage calls through the view's
// transform; the windowed image and the upsampled map are made elsewhere, only when they change. `renderAt` draws
// the same two layers again at another size, for a saved key image.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { viewMatrix, type ViewGeometry, type ViewState } from '../lib/viewTransform';
import { drawImageLayer, drawOverlayLayer, layerCanvas, overlaySource, type Source } from '../lib/viewerCanvas';

export interface OverlayInput {
  map: Float32Array | null; // normalised [rows*cols], or null for no overlay
  grid: [number, number];
  rect: [number, number, number, number] | null; // the model's square on the image, in image pixels
  opacity: number;
}

export function useViewerCanvas(image: { width: number; height: number }, view: ViewState, picture: { canvas: Source }, overlay: OverlayInput) {
  const boxRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const [side, setSide] = useState(512);

  useLayoutEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const measure = (): void => setSide(Math.max(64, Math.round(box.clientWidth * (window.devicePixelRatio || 1))));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, []);

  const geometry: ViewGeometry = useMemo(() => ({ side, width: image.width, height: image.height }), [side, image.width, image.height]);
  const matrix = useMemo(() => viewMatrix(view, geometry), [view, geometry]);
  const { map, grid, rect, opacity } = overlay;
  const heat = useMemo(() => (map && map.length === grid[0] * grid[1] ? overlaySource(map, grid) : null), [map, grid]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: side resizes the canvas, which clears it: redraw
  useEffect(() => {
    const ctx = baseRef.current?.getContext('2d');
    if (ctx) drawImageLayer(ctx, picture.canvas, matrix);
  }, [picture, matrix, side]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: side resizes the canvas, which clears it: redraw
  useEffect(() => {
    const ctx = overlayRef.current?.getContext('2d');
    if (ctx) drawOverlayLayer(ctx, heat && rect ? heat : null, rect ?? [0, 0, 0, 0], matrix, opacity);
  }, [heat, rect, matrix, opacity, side]);

  const renderAt = useCallback(
    (size: number) => {
      const at: ViewGeometry = { ...geometry, side: size };
      const m = viewMatrix(view, at);
      const [base, overlay] = [layerCanvas(size), layerCanvas(size)];
      drawImageLayer(base.getContext('2d')!, picture.canvas, m);
      drawOverlayLayer(overlay.getContext('2d')!, heat && rect ? heat : null, rect ?? [0, 0, 0, 0], m, opacity);
      return { base, overlay, geometry: at };
    },
    [geometry, view, picture, heat, rect, opacity],
  );

  return { boxRef, baseRef, overlayRef, side, geometry, renderAt };
}
