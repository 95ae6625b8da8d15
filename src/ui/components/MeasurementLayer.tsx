// The measurements drawn over one view: each a line between its two points with its length beside it, in the
// canvas's own pixels (an SVG over the canvas stack), placed through the view's transform so it stays on the
// anatomy through zoom and pan; while measuring, a cross at the view's centre, where the keyboard marks an end.
// It takes no pointer events: the canvas under it does the input.
import type { PixelSpacing } from '../../image';
import { lengthOf, type Measurement, numberedLength } from '../lib/measure';
import { imageToCanvas, type ViewGeometry, type ViewState } from '../lib/viewTransform';

interface Props {
  view: ViewState;
  geometry: ViewGeometry;
  items: readonly Measurement[];
  drawing: Measurement | null;
  spacing?: PixelSpacing;
  crosshair: boolean;
}

export function MeasurementLayer({ view, geometry, items, drawing, spacing, crosshair }: Props) {
  const all = drawing ? [...items, drawing] : items;
  if (all.length === 0 && !crosshair) return null;
  const c = geometry.side / 2;
  const scale = window.devicePixelRatio || 1; // the canvas has a pixel per device pixel: strokes and text in CSS pixels
  return (
    <svg className="measure-layer" viewBox={`0 0 ${geometry.side} ${geometry.side}`} aria-hidden="true" data-testid="measure-layer">
      {crosshair ? (
        <path
          className="measure-cross"
          d={`M${c - 9 * scale} ${c}h${6 * scale}m${6 * scale} 0h${6 * scale}M${c} ${c - 9 * scale}v${6 * scale}m0 ${6 * scale}v${6 * scale}`}
          strokeWidth={1.5 * scale}
        />
      ) : null}
      {all.map((m, i) => {
        const [x1, y1] = imageToCanvas(view, geometry, ...m.from);
        const [x2, y2] = imageToCanvas(view, geometry, ...m.to);
        const label = m === drawing ? lengthOf(m, spacing).text : numberedLength(m, i, spacing);
        const right = x2 >= x1;
        return (
          <g key={m === drawing ? 'drawing' : m.id} className={m === drawing ? 'measure drawing' : 'measure'}>
            <line x1={x1} y1={y1} x2={x2} y2={y2} strokeWidth={2 * scale} />
            <circle cx={x1} cy={y1} r={3 * scale} />
            <circle cx={x2} cy={y2} r={3 * scale} />
            <text x={x2 + (right ? 8 : -8) * scale} y={y2 - 6 * scale} fontSize={13 * scale} textAnchor={right ? 'start' : 'end'}>
              {label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
