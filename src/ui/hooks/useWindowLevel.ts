// One view's window/level: the image's values as the decode worker binned them, the window (starting from the DICOM
// file's own window, else the full range), presets, invert, and the windowed full-resolution picture to draw.
// Display only: nothing here reaches the model.
import { useCallback, useMemo, useRef, useState } from 'react';
import type { InputImage } from '../lib/inputImage';
import { windowedSource, type Source } from '../lib/viewerCanvas';
import type { DisplayValues } from '../../image';
import { availablePresets, dragWindow, presetWindow, windowLut, type WindowPreset, type WindowState } from '../lib/windowLevel';
import settings from '../data/viewer.json' with { type: 'json' };

export interface WindowLevel {
  display: DisplayValues;
  window: WindowState;
  preset: string | null; // id of the preset in use, null once changed by hand
  presets: WindowPreset[];
  source: { canvas: Source; lut: Uint32Array }; // a new object whenever the picture changed
  applyPreset: (id: string) => void;
  setWindow: (change: Partial<WindowState>) => void;
  dragBy: (dx: number, dy: number) => void; // view fractions, from a right-drag
}

export function useWindowLevel(image: InputImage): WindowLevel {
  const display = image.display;
  const presets = useMemo(() => availablePresets(image.fileWindow), [image.fileWindow]);
  const [state, setState] = useState(() => ({
    window: { ...presetWindow(presets[0], display, image.fileWindow, image.monochrome1), invert: false },
    preset: presets[0].id as string | null,
  }));

  const lut = useMemo(() => windowLut(display, state.window, image.monochrome1), [display, state.window, image.monochrome1]);
  const canvasRef = useRef<Source | null>(null);
  const source = useMemo(() => {
    canvasRef.current = windowedSource(display, lut, image.width, image.height, canvasRef.current);
    return { canvas: canvasRef.current, lut };
  }, [display, lut, image.width, image.height]);

  const applyPreset = useCallback(
    (id: string) => {
      const preset = presets.find((p) => p.id === id);
      if (!preset) return;
      const w = presetWindow(preset, display, image.fileWindow, image.monochrome1);
      setState((s) => ({ window: { ...s.window, ...w }, preset: id }));
    },
    [presets, display, image.fileWindow, image.monochrome1],
  );

  const setWindow = useCallback((change: Partial<WindowState>) => {
    const byHand = change.center !== undefined || change.width !== undefined;
    setState((s) => ({ window: { ...s.window, ...change }, preset: byHand ? null : s.preset }));
  }, []);

  const dragBy = useCallback(
    (dx: number, dy: number) => {
      setState((s) => ({ window: dragWindow(s.window, display, dx, dy, settings.windowDragSensitivity), preset: null }));
    },
    [display],
  );

  return { display, window: state.window, preset: state.preset, presets, source, applyPreset, setWindow, dragBy };
}
