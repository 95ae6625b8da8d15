// One view of the study: the letterboxed radiograph on a canvas and, over it, the heatmap of the word or
// sentence in focus (its own canvas, so the test and the eye can see it change). The view selector asks
// which view a PNG/JPEG is; DICOM says it in its ViewPosition tag.
import { useEffect, useRef } from 'react';
import type { ViewKind } from '../../image';
import type { InputImage } from '../lib/inputImage';
import { mapToRgba } from '../lib/heatmap';

interface Props {
  image: InputImage;
  map: Float32Array | null; // normalised [rows*cols] in [0,1], or null for no overlay
  grid: [number, number];
  opacity: number;
  onViewChange: (view: ViewKind) => void;
  drafted?: boolean; // false: the draft was not made from this view (a lateral, shown for reference)
}

export function ImageView({ image, map, grid, opacity, onViewChange, drafted = true }: Props) {
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const size = image.previewSize;

  useEffect(() => {
    const ctx = baseRef.current?.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(new Uint8ClampedArray(image.preview), size, size), 0, 0);
  }, [image, size]);

  useEffect(() => {
    const canvas = overlayRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    ctx.clearRect(0, 0, size, size);
    const [rows, cols] = grid;
    if (!map || map.length !== rows * cols) return;
    const cells = document.createElement('canvas');
    cells.width = cols;
    cells.height = rows;
    cells.getContext('2d')!.putImageData(new ImageData(mapToRgba(map), cols, rows), 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.globalAlpha = opacity;
    ctx.drawImage(cells, 0, 0, size, size);
    ctx.globalAlpha = 1;
  }, [map, grid, opacity, size]);

  const selectId = `view-${image.key}`;
  return (
    <figure className="image-view" data-testid="image-view">
      <div className="canvas-stack">
        <canvas ref={baseRef} width={size} height={size} className="radiograph" role="img" aria-label={`Radiograph ${image.name} (${image.view} view)`} />
        <canvas ref={overlayRef} width={size} height={size} className="heatmap" data-testid="heatmap-canvas" aria-hidden="true" />
      </div>
      <figcaption>
        <span className="file-name" title={image.name}>
          {image.name}
        </span>
        <span className="dims">
          {image.format.toUpperCase()} {image.width}×{image.height}
          {image.transferSyntaxName ? ` · ${image.transferSyntaxName}` : ''}
        </span>
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
            <select id={selectId} value={image.view} required aria-invalid={image.view === 'unknown'} onChange={(e) => onViewChange(e.currentTarget.value as ViewKind)}>
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
      </figcaption>
    </figure>
  );
}
