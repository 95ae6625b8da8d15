// Zoom buttons for one view ("Zoom in", "Zoom out", "Reset view"), the current zoom, and the "Measure" toggle.
import { FIT, ZOOM_STEP, zoomCentre, type ViewGeometry, type ViewState } from '../lib/viewTransform';

interface Props {
  view: ViewState;
  geometry: ViewGeometry;
  onView: (change: (view: ViewState) => ViewState) => void;
  measuring: boolean;
  onToggleMeasure: () => void;
}

export function ViewerToolbar({ view, geometry, onView, measuring, onToggleMeasure }: Props) {
  return (
    <div className="viewer-toolbar" role="group" aria-label="Zoom and measure">
      <button type="button" className="button secondary small" onClick={() => onView((v) => zoomCentre(v, geometry, 1 / ZOOM_STEP))}>
        Zoom out
      </button>
      <button type="button" className="button secondary small" onClick={() => onView((v) => zoomCentre(v, geometry, ZOOM_STEP))}>
        Zoom in
      </button>
      <button type="button" className="button secondary small" onClick={() => onView(() => FIT)}>
        Reset view
      </button>
      <output className="zoom-value" aria-label="Zoom level">
        {Math.round(view.zoom * 100)}%
      </output>
      <button
        type="button"
        className="button secondary small"
        aria-pressed={measuring}
        onClick={onToggleMeasure}
        title="Drag on the image to measure a distance (M)"
      >
        Measure
      </button>
    </div>
  );
}
