// One view of the study: the radiograph at full resolution on a canvas that zooms, pans and windows; over it
// the heatmap of the word or sentence in focus (its own canvas, on the image's coordinates, so it stays on the
// anatomy) and the distances measured on it (told to the page, which records them in the report's files). The
// figure carries a fingerprint of the pixels the model read (data-model-input), which no display setting changes.
// The view selector asks which view a PNG/JPEG is; DICOM says it. "Save view" downloads what the view shows as a key
// image (keyImage.ts); "Full screen" (or F) gives the whole screen to the film, its heatmap captioned there because
// the report that picks it is out of sight.
import { useEffect, useMemo, useRef } from 'react';
import type { PreparedView } from '../../engine/types';
import type { ViewKind } from '../../image';
import { FIX_DONE } from '../../image/orientation';
import { FORMAT_NAMES } from '../../image/types';
import { useFullscreen } from '../hooks/useFullscreen';
import { useMeasurements } from '../hooks/useMeasurements';
import { useViewerCanvas } from '../hooks/useViewerCanvas';
import { useViewerInput } from '../hooks/useViewerInput';
import { useViewState } from '../hooks/useViewState';
import { useWindowLevel } from '../hooks/useWindowLevel';
import type { InputImage } from '../lib/inputImage';
import { downloadBlob } from '../lib/download';
import { composeKeyImage, keyImageCaption, keyImageFileName, keyImagePng, keyImageSide } from '../lib/keyImage';
import { squareInImage } from '../lib/mapOverlay';
import { type Measurement, numberedLength } from '../lib/measure';
import type { ViewStore } from '../lib/viewStore';
import { imageToCanvas } from '../lib/viewTransform';
import { MeasurementLayer } from './MeasurementLayer';
import { MeasurementList } from './MeasurementList';
import { ViewerToolbar } from './ViewerToolbar';
import { WindowControls } from './WindowControls';

interface Props {
  image: InputImage;
  store: ViewStore; // zoom and pan, by image key
  map: Float32Array | null; // normalised [rows*cols] in [0,1], or null for no overlay
  grid: [number, number];
  placement: PreparedView | null; // where the model's square sat on this image (from the engine)
  modelInput: string | null; // checksum of the model's input pixels for this view
  opacity: number;
  onViewChange: (view: ViewKind) => void;
  onDraftFromThis?: () => void; // offered on a frontal view left out for another frontal one
  onMeasurements?: (imageKey: string, items: readonly Measurement[]) => void; // stable: called whenever this view's list changes
  drafted?: boolean; // false: the draft was not made from this view (a lateral, shown for reference)
  mapCaption?: string | null; // what the heatmap shows, as the page captions it (for a saved view's caption)
  modelLabel?: string | null; // "serpent-cxr 1.8.1 (int8)", for a saved view's caption
}

export function ImageView({
  image,
  store,
  map,
  grid,
  placement,
  modelInput,
  opacity,
  onViewChange,
  onDraftFromThis,
  onMeasurements,
  drafted = true,
  mapCaption = null,
  modelLabel = null,
}: Props) {
  const [view, onView] = useViewState(store, image.key);
  const wl = useWindowLevel(image);
  const rect = useMemo(() => (placement ? squareInImage(placement, image) : null), [placement, image]);
  const { boxRef, baseRef, overlayRef, side, geometry, renderAt } = useViewerCanvas(image, view, wl.source, { map, grid, rect, opacity });
  const figureRef = useRef<HTMLElement>(null);
  const fullscreen = useFullscreen(figureRef);
  const measures = useMeasurements();
  useEffect(() => onMeasurements?.(image.key, measures.items), [onMeasurements, image.key, measures.items]);
  const measure = { view, active: measures.active, onDrag: measures.onDrag, onToggle: measures.toggle, onMark: measures.mark, onCancel: measures.cancel };
  const centre: [number, number] = [view.cx * image.width, view.cy * image.height];
  const drawing = measures.drawing ?? (measures.pending ? { id: 0, from: measures.pending, to: centre } : null);
  const input = useViewerInput({ canvasRef: baseRef, geometry, onView, onWindowDrag: wl.dragBy, measure, fullscreen });

  const saveView = async (): Promise<string> => {
    const savedAt = new Date();
    const layers = renderAt(keyImageSide(geometry.side, image, view.zoom));
    const lines = measures.items.map((m, i) => ({
      from: imageToCanvas(view, layers.geometry, ...m.from),
      to: imageToCanvas(view, layers.geometry, ...m.to),
      label: numberedLength(m, i, image.pixelSpacing),
    }));
    const cssSide = geometry.side / (window.devicePixelRatio || 1);
    const caption = keyImageCaption({
      imageName: image.name,
      view: image.view,
      zoom: view.zoom,
      window: wl.window,
      mapCaption: map ? mapCaption : null,
      measurements: measures.items,
      spacing: image.pixelSpacing,
      model: modelLabel,
      savedAt,
    });
    const png = await keyImagePng(
      composeKeyImage({ base: layers.base, overlay: map ? layers.overlay : null, lines, caption, scale: layers.geometry.side / cssSide }),
    );
    const name = keyImageFileName(image.name, savedAt);
    downloadBlob(name, png);
    return name;
  };

  const selectId = `view-${image.key}`;
  return (
    <figure
      ref={figureRef}
      className={fullscreen.active ? 'image-view fullscreen' : 'image-view'}
      data-testid="image-view"
      data-model-input={modelInput ?? undefined}
    >
      {fullscreen.active ? (
        <p className="fullscreen-map-caption" data-testid="fullscreen-map-caption">
          {map && mapCaption ? `Heatmap: ${mapCaption}` : 'No heatmap shown.'} Escape or F returns to the report.
        </p>
      ) : null}
      <div className="canvas-stack" ref={boxRef}>
        <canvas
          ref={baseRef}
          width={side}
          height={side}
          className={measures.active ? 'radiograph measuring' : 'radiograph'}
          tabIndex={0}
          role="application"
          aria-roledescription="image viewer"
          aria-label={`Radiograph ${image.name} (${image.view} view). Plus and minus zoom, arrow keys pan, 0 resets, M measures, F fills the screen; drag to ${measures.active ? 'measure' : 'pan'}, right-drag for window and level.`}
          data-zoom={view.zoom}
          data-cx={view.cx}
          data-cy={view.cy}
          data-width={image.width}
          data-height={image.height}
          {...input}
        />
        <canvas ref={overlayRef} width={side} height={side} className="heatmap" data-testid="heatmap-canvas" aria-hidden="true" />
        <MeasurementLayer view={view} geometry={geometry} items={measures.items} drawing={drawing} spacing={image.pixelSpacing} crosshair={measures.active} />
      </div>
      <ViewerToolbar
        view={view}
        geometry={geometry}
        onView={onView}
        measuring={measures.active}
        onToggleMeasure={measures.toggle}
        onSave={saveView}
        fullscreen={fullscreen}
      />
      <MeasurementList
        image={image}
        items={measures.items}
        active={measures.active}
        pending={measures.pending !== null}
        onRemove={measures.remove}
        onClear={measures.clear}
      />
      <WindowControls wl={wl} />
      <figcaption>
        <span className="file-name" title={image.name}>
          {image.name}
        </span>
        <span className="dims">
          {FORMAT_NAMES[image.format]} {image.width}×{image.height}
          {image.transferSyntaxName ? ` · ${image.transferSyntaxName}` : ''}
        </span>
        {image.exifOrientation ? (
          <span className="orientation-note" data-testid="orientation-note">
            turned upright, as its EXIF orientation ({image.exifOrientation}) says
          </span>
        ) : null}
        {image.fixes?.length ? (
          <span className="orientation-note" data-testid="fix-note">
            on this page: {image.fixes.map((f) => FIX_DONE[f]).join(', then ')} (the file is unchanged)
          </span>
        ) : null}
        {image.frames > 1 ? (
          <span className="frame-note" data-testid="frame-note">
            frame 1 of {image.frames} (the only one read)
          </span>
        ) : null}
        {image.viewFromFile ? (
          <span className="view-tag" title={`DICOM ViewPosition ${image.viewPosition ?? ''}`}>
            {image.view} ({image.viewPosition})
          </span>
        ) : (
          <label className="view-select" htmlFor={selectId}>
            View
            <select
              id={selectId}
              value={image.view}
              required
              aria-invalid={image.view === 'unknown'}
              onChange={(e) => onViewChange(e.currentTarget.value as ViewKind)}
            >
              {image.view === 'unknown' ? (
                <option value="unknown" disabled>
                  Choose: frontal or lateral?
                </option>
              ) : null}
              <option value="frontal">Frontal (PA/AP)</option>
              <option value="lateral">Lateral</option>
            </select>
          </label>
        )}
        {!drafted ? (
          <span className="reference-note" data-testid="reference-note">
            for reference: not used in the draft
          </span>
        ) : null}
        {!drafted && onDraftFromThis ? (
          <button type="button" className="button secondary small" data-testid="draft-from-view" onClick={onDraftFromThis}>
            Draft from this view
          </button>
        ) : null}
      </figcaption>
    </figure>
  );
}
