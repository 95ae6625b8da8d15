import { describe, expect, it } from 'vitest';
import { BINS, prepareDisplay } from '../../image';
import { availablePresets, dragWindow, percentile, presetWindow, renderWindowed, windowLut, WINDOW_PRESETS } from './windowLevel';

const ramp = Float32Array.from({ length: 4096 }, (_, i) => i - 1024); // −1024 … 3071, like a 12-bit CT-style range
const grey = (packed: number): number => packed & 0xff;

describe('window/level', () => {
  const d = prepareDisplay(ramp);

  it('bins the values over their own range', () => {
    expect([d.min, d.max, d.count]).toEqual([-1024, 3071, 4096]);
    expect(d.bins[0]).toBe(0);
    expect(d.bins[4095]).toBe(BINS - 1);
    expect(percentile(d, 50)).toBeCloseTo(1023, -1);
  });

  it('Full range maps min → black and max → white', () => {
    const full = presetWindow(WINDOW_PRESETS.find((p) => p.id === 'full')!, d, null, false);
    const lut = windowLut(d, { ...full, invert: false }, false);
    const out = new Uint32Array(ramp.length);
    renderWindowed(d, lut, out);
    expect(grey(out[0])).toBe(0);
    expect(grey(out[4095])).toBe(255);
    expect(out[0] >>> 24).toBe(255);
    expect(grey(out[2048])).toBeGreaterThan(120);
    expect(grey(out[2048])).toBeLessThan(135);
  });

  it('draws a single-value image mid-grey under every preset, not black', () => {
    const flat = prepareDisplay(new Float32Array(100).fill(128));
    for (const preset of WINDOW_PRESETS.filter((p) => p.source !== 'file')) {
      const out = new Uint32Array(100);
      renderWindowed(flat, windowLut(flat, { ...presetWindow(preset, flat, null, false), invert: false }, false), out);
      expect(grey(out[0]), preset.id).toBe(128);
    }
  });

  it('Lung spreads the dark values, Mediastinum the bright ones; MONOCHROME1 counts from the top', () => {
    const lung = presetWindow(WINDOW_PRESETS.find((p) => p.id === 'lung')!, d, null, false);
    const medi = presetWindow(WINDOW_PRESETS.find((p) => p.id === 'mediastinum')!, d, null, false);
    expect(lung.center).toBeLessThan(medi.center);
    expect(lung.center - lung.width / 2).toBeCloseTo(percentile(d, 2), -1);
    const lungM1 = presetWindow(WINDOW_PRESETS.find((p) => p.id === 'lung')!, d, null, true);
    expect(lungM1.center).toBeGreaterThan(lung.center);
  });

  it('invert and MONOCHROME1 flip the grey; two flips cancel', () => {
    const w = { center: 1024, width: 4096, invert: false };
    const plain = windowLut(d, w, false);
    const inverted = windowLut(d, { ...w, invert: true }, false);
    const m1 = windowLut(d, w, true);
    const m1Inverted = windowLut(d, { ...w, invert: true }, true);
    expect(grey(plain[0]) + grey(inverted[0])).toBe(255);
    expect(m1[100]).toBe(inverted[100]);
    expect(m1Inverted[100]).toBe(plain[100]);
  });

  it('offers the file window only when the file has one', () => {
    expect(availablePresets(null).map((p) => p.id)).toEqual(['full', 'lung', 'mediastinum']);
    const file = availablePresets({ center: 40, width: 400 })[0];
    expect(presetWindow(file, d, { center: 40, width: 400 }, false)).toEqual({ center: 40, width: 400 });
    expect(() => presetWindow(file, d, null, false)).toThrow(/DICOM window/);
  });

  it('a drag right widens, a drag down raises the level', () => {
    const w = dragWindow({ center: 0, width: 100, invert: false }, d, 0.1, 0.2, 1);
    expect(w.width).toBeCloseTo(100 + 409.5, 3);
    expect(w.center).toBeCloseTo(819, 3);
    expect(dragWindow({ center: 0, width: 100, invert: false }, d, -1, 0, 1).width).toBe(1);
  });
});
