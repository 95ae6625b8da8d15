// Window/level for one view: the "Window" and "Level" sliders (on the image's own values), the presets
// (the DICOM file's window, Full range, Lung, Mediastinum) and Invert. They change only the display.
import type { WindowLevel } from '../hooks/useWindowLevel';
import { windowBounds } from '../lib/windowLevel';

const CUSTOM = 'custom';

function format(v: number): string {
  return Math.abs(v) >= 100 ? String(Math.round(v)) : v.toFixed(1);
}

export function WindowControls({ wl }: { wl: WindowLevel }) {
  const { window: w, display } = wl;
  const bounds = windowBounds(display, w);
  return (
    <div className="window-controls" role="group" aria-label="Window and level">
      <label>
        Window
        <input
          type="range"
          min={bounds.width[0]}
          max={bounds.width[1]}
          step={bounds.step}
          value={w.width}
          onChange={(e) => wl.setWindow({ width: Number(e.currentTarget.value) })}
          aria-valuetext={`width ${format(w.width)}`}
        />
        <output>{format(w.width)}</output>
      </label>
      <label>
        Level
        <input
          type="range"
          min={bounds.level[0]}
          max={bounds.level[1]}
          step={bounds.step}
          value={w.center}
          onChange={(e) => wl.setWindow({ center: Number(e.currentTarget.value) })}
          aria-valuetext={`centre ${format(w.center)}`}
        />
        <output>{format(w.center)}</output>
      </label>
      <label>
        Preset
        <select value={wl.preset ?? CUSTOM} onChange={(e) => wl.applyPreset(e.currentTarget.value)}>
          {wl.preset === null ? <option value={CUSTOM}>Custom</option> : null}
          {wl.presets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" checked={w.invert} onChange={(e) => wl.setWindow({ invert: e.currentTarget.checked })} />
        Invert
      </label>
    </div>
  );
}
