// Under the images: what the overlay shows right now, the colour scale, and the overlay opacity slider.
import { colourMapName, legendGradient } from '../lib/colormap';

interface Props {
  caption: string | null; // e.g. “effusion” — grounding 0.31; null when nothing is in focus
  opacity: number;
  onOpacity: (v: number) => void;
  hasReport: boolean;
}

export function HeatmapLegend({ caption, opacity, onOpacity, hasReport }: Props) {
  return (
    <div className="heatmap-legend" data-testid="heatmap-legend">
      <p className="map-caption" aria-live="polite" data-testid="map-caption">
        {caption ??
          (hasReport
            ? 'Hover or focus a word (or pick a sentence number) to see where in the image it comes from.'
            : 'Heatmaps appear once a draft is written.')}
      </p>
      <div className="legend-row">
        <span className="legend-label">lower</span>
        <span className="legend-bar" style={{ background: legendGradient() }} title={`${colourMapName} colour map`} />
        <span className="legend-label">higher similarity to the word or sentence</span>
        <label className="opacity-control">
          Overlay opacity
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={opacity}
            onChange={(e) => onOpacity(Number(e.currentTarget.value))}
            aria-valuetext={`${Math.round(opacity * 100)}%`}
          />
          <span className="opacity-value">{Math.round(opacity * 100)}%</span>
        </label>
      </div>
    </div>
  );
}
