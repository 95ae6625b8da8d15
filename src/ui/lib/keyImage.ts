// A key image: one view saved as the reader sees it — the windowed film at its zoom and pan, the heatmap in focus,
// the measured lines with their lengths — above a caption band that says what the picture shows (file, view,
// window, which map, the lengths, the model and that it is a demo), so the PNG keeps its context in a teaching file
// or a discrepancy review. It shows the screen's field of view at the film's own resolution where that is finer
// than the screen's (keyImageSide); the caption is pure text.
import { cardiothoracicRatio, type Measurement, numberedLength, ratioText } from './measure';
import type { PixelSpacing } from '../../image';
import type { WindowState } from './windowLevel';

export interface KeyImageCaption {
  imageName: string;
  view: string;
  zoom: number;
  window: WindowState;
  mapCaption: string | null; // what the heatmap shows, as the page captions it; null: no map on the view
  measurements: readonly Measurement[];
  spacing?: PixelSpacing;
  model: string | null; // "serpent-cxr 1.8.1 (int8)"
  savedAt: Date;
}

/** A measured line in the canvas's own pixels, with the label drawn at its end. */
export interface KeyImageLine {
  from: [number, number];
  to: [number, number];
  label: string;
}

export interface KeyImageParts {
  base: HTMLCanvasElement; // the radiograph, drawn through the view at the key image's side
  overlay: HTMLCanvasElement | null; // the heatmap layer, likewise (its opacity is already in its pixels)
  lines: readonly KeyImageLine[];
  caption: readonly string[];
  scale: number; // key-image pixels per CSS pixel of the view on screen: strokes and text keep their on-screen size
}

const FONT_PX = 13;
/** The largest key image side: a 2048-px film at fit keeps every pixel; beyond, the PNG only grows. */
export const MAX_KEY_SIDE = 2048;

/** The saved square's side: the film's pixels across the view (its longer side over the zoom), so nothing the file
 *  holds is lost, but never fewer than the screen's canvas has, nor more than MAX_KEY_SIDE. */
export function keyImageSide(screenSide: number, film: { width: number; height: number }, zoom: number): number {
  return Math.round(Math.min(MAX_KEY_SIDE, Math.max(screenSide, Math.max(film.width, film.height) / zoom)));
}

const LINE_GAP = 1.45;
const PAD_PX = 10;

/** The caption's lines, top to bottom. */
export function keyImageCaption(c: KeyImageCaption): string[] {
  const window = `window ${Math.round(c.window.width)} / level ${Math.round(c.window.center)}${c.window.invert ? ', inverted' : ''}`;
  const lengths = c.measurements.map((m, i) => numberedLength(m, i, c.spacing));
  const ratio = cardiothoracicRatio(c.measurements);
  return [
    `${c.imageName} · ${c.view} view · zoom ${Math.round(c.zoom * 100)}% · ${window}`,
    c.mapCaption ? `Heatmap: ${c.mapCaption}` : 'No heatmap shown.',
    ...(lengths.length ? [`Measured: ${lengths.join('; ')}${ratio ? `; cardiothoracic ratio ${ratioText(ratio)}` : ''}.`] : []),
    `${c.model ? `${c.model}: ` : ''}open-data demo model (Serpent), not for clinical use. Saved ${c.savedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  ];
}

/** "JPCLN001-view-2026-12-06T09-10-00.png": the film's name without its extension, and when. */
export function keyImageFileName(imageName: string, savedAt: Date): string {
  const stem = imageName.replace(/\.[^./\\]+$/, '').replace(/[^\w.-]+/g, '_') || 'image';
  return `${stem}-view-${savedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.png`;
}

/** Greedy word wrap to a width, measured with the context's current font. */
function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > width) {
      out.push(line);
      line = word;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/** The view and its caption band in one canvas, as wide as the view's canvas. */
export function composeKeyImage(parts: KeyImageParts): HTMLCanvasElement {
  const { base, overlay, lines, caption, scale } = parts;
  const side = base.width;
  const font = `${FONT_PX * scale}px system-ui, sans-serif`;
  const pad = PAD_PX * scale;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = font;
  const wrapped = caption.flatMap((text) => wrap(measure, text, side - 2 * pad));
  const lineHeight = FONT_PX * LINE_GAP * scale;
  const band = Math.ceil(2 * pad + wrapped.length * lineHeight);

  const out = document.createElement('canvas');
  out.width = side;
  out.height = base.height + band;
  const ctx = out.getContext('2d')!;
  ctx.drawImage(base, 0, 0);
  if (overlay) ctx.drawImage(overlay, 0, 0);
  ctx.lineWidth = 2 * scale;
  ctx.strokeStyle = ctx.fillStyle = '#ffd54a';
  ctx.font = font;
  for (const l of lines) {
    ctx.beginPath();
    ctx.moveTo(...l.from);
    ctx.lineTo(...l.to);
    ctx.stroke();
    for (const [x, y] of [l.from, l.to]) {
      ctx.beginPath();
      ctx.arc(x, y, 3 * scale, 0, 2 * Math.PI);
      ctx.fill();
    }
    const right = l.to[0] >= l.from[0];
    ctx.textAlign = right ? 'left' : 'right';
    ctx.fillText(l.label, l.to[0] + (right ? 8 : -8) * scale, l.to[1] - 6 * scale);
  }
  ctx.fillStyle = '#111';
  ctx.fillRect(0, base.height, side, band);
  ctx.fillStyle = '#f2f2f2';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  wrapped.forEach((text, i) => ctx.fillText(text, pad, base.height + pad + i * lineHeight));
  return out;
}

/** The composed image as PNG bytes. */
export async function keyImagePng(canvas: HTMLCanvasElement): Promise<Blob> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The browser could not encode the view as PNG; take a screenshot of the page instead.');
  return blob;
}
