// Zoom buttons for one view ("Zoom in", "Zoom out", "Reset view"), the current zoom, the "Measure" toggle,
// "Full screen" (where the browser allows it), and "Save view", which downloads the view as shown (a key image) and
// says what it saved or why it could not.
import { useState } from 'react';
import type { Fullscreen } from '../hooks/useFullscreen';
import { FIT, ZOOM_STEP, zoomCentre, type ViewGeometry, type ViewState } from '../lib/viewTransform';

interface Props {
  view: ViewState;
  geometry: ViewGeometry;
  onView: (change: (view: ViewState) => ViewState) => void;
  measuring: boolean;
  onToggleMeasure: () => void;
  onSave: () => Promise<string>; // resolves to the saved file's name
  fullscreen: Fullscreen;
}

export function ViewerToolbar({ view, geometry, onView, measuring, onToggleMeasure, onSave, fullscreen }: Props) {
  const [saved, setSaved] = useState('');
  const save = async (): Promise<void> => {
    try {
      setSaved(`Saved ${await onSave()}.`);
    } catch (err) {
      setSaved(`Could not save the view: ${(err as Error).message}`);
    }
  };
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
      {fullscreen.supported ? (
        <button
          type="button"
          className="button secondary small"
          aria-pressed={fullscreen.active}
          onClick={fullscreen.toggle}
          title="Give the whole screen to this film (F); Escape returns"
        >
          Full screen
        </button>
      ) : null}
      <button
        type="button"
        className="button secondary small"
        onClick={() => void save()}
        title="Download this view as shown, with the heatmap, the measurements and a caption, as a PNG"
      >
        Save view
      </button>
      <span className="save-state" role="status" data-testid="save-view-status">
        {fullscreen.error || saved}
      </span>
    </div>
  );
}
