// Zoom and pan of one view as pure maths. The state does not depend on the canvas size: zoom is relative
// to "fit" (the whole image letterboxed in the square view, as the model sees it) and the centre is the
// image point at the middle of the view, as fractions of the image's width and height. So a resize keeps
// the picture, and two linked views of different sizes share one state.
import settings from '../data/viewer.json' with { type: 'json' };

export interface ViewState {
  zoom: number; // 1 = fit
  cx: number; // image point at the view's centre, as a fraction of the image width
  cy: number; // … of the image height
}

/** side: the square view's side in canvas pixels; width/height: the image's pixels. */
export interface ViewGeometry {
  side: number;
  width: number;
  height: number;
}

export const FIT: ViewState = { zoom: 1, cx: 0.5, cy: 0.5 };
export const ZOOM_STEP = settings.zoomStep;
export const PAN_STEP = settings.panStep;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Canvas pixels per image pixel. */
export function pixelScale(view: ViewState, g: ViewGeometry): number {
  return (g.side / Math.max(g.width, g.height)) * view.zoom;
}

/** The 2D transform image → canvas as [a, b, c, d, e, f] for ctx.setTransform. */
export function viewMatrix(view: ViewState, g: ViewGeometry): [number, number, number, number, number, number] {
  const s = pixelScale(view, g);
  return [s, 0, 0, s, g.side / 2 - view.cx * g.width * s, g.side / 2 - view.cy * g.height * s];
}

export function imageToCanvas(view: ViewState, g: ViewGeometry, x: number, y: number): [number, number] {
  const s = pixelScale(view, g);
  return [(x - view.cx * g.width) * s + g.side / 2, (y - view.cy * g.height) * s + g.side / 2];
}

export function canvasToImage(view: ViewState, g: ViewGeometry, px: number, py: number): [number, number] {
  const s = pixelScale(view, g);
  return [(px - g.side / 2) / s + view.cx * g.width, (py - g.side / 2) / s + view.cy * g.height];
}

/** Keeps the zoom within the settings' limits and the centre on the image (it can never be lost). */
export function clampView(view: ViewState): ViewState {
  return { zoom: clamp(view.zoom, settings.minZoom, settings.maxZoom), cx: clamp(view.cx, 0, 1), cy: clamp(view.cy, 0, 1) };
}

/** Zoom by `factor` keeping the image point under canvas point (px, py) where it is. */
export function zoomAbout(view: ViewState, g: ViewGeometry, factor: number, px: number, py: number): ViewState {
  const zoom = clamp(view.zoom * factor, settings.minZoom, settings.maxZoom);
  const [x, y] = canvasToImage(view, g, px, py);
  const s = pixelScale({ ...view, zoom }, g);
  return clampView({ zoom, cx: (x - (px - g.side / 2) / s) / g.width, cy: (y - (py - g.side / 2) / s) / g.height });
}

/** Zoom about the view's centre (buttons and keys). */
export function zoomCentre(view: ViewState, g: ViewGeometry, factor: number): ViewState {
  return zoomAbout(view, g, factor, g.side / 2, g.side / 2);
}

/** Move the picture by (dx, dy) canvas pixels, as a drag does. */
export function panBy(view: ViewState, g: ViewGeometry, dx: number, dy: number): ViewState {
  const s = pixelScale(view, g);
  return clampView({ ...view, cx: view.cx - dx / (s * g.width), cy: view.cy - dy / (s * g.height) });
}

/** The wheel's deltaY → a zoom factor (up zooms in); pinch: a trackpad pinch (Chromium sends it as ctrl+wheel). */
export function wheelFactor(deltaY: number, pinch = false): number {
  return Math.exp(-deltaY * settings.wheelSensitivity * (pinch ? settings.pinchWheelBoost : 1));
}
