// Colour map for heatmap overlays: piecewise-linear interpolation between the stops in colormap.json,
// precomputed into a 256-entry RGB lookup table.
import colormap from '../data/colormap.json' with { type: 'json' };

type Stop = [number, [number, number, number]];

const stops = colormap.stops as Stop[];

function interpolate(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  for (let i = 1; i < stops.length; i++) {
    const [t1, c1] = stops[i];
    if (x <= t1) {
      const [t0, c0] = stops[i - 1];
      const f = t1 === t0 ? 0 : (x - t0) / (t1 - t0);
      return [0, 1, 2].map((k) => Math.round(c0[k] + f * (c1[k] - c0[k]))) as [number, number, number];
    }
  }
  return stops[stops.length - 1][1];
}

/** LUT [256*3] RGB: entry i is the colour of t = i/255. */
export const colourLut: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(interpolate(i / 255), i * 3);
  return lut;
})();

export function colourAt(t: number): [number, number, number] {
  const i = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
  return [colourLut[i], colourLut[i + 1], colourLut[i + 2]];
}

/** CSS linear-gradient for the legend, low → high. */
export function legendGradient(): string {
  const parts = stops.map(([t, [r, g, b]]) => `rgb(${r} ${g} ${b}) ${Math.round(t * 100)}%`);
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

export const colourMapName: string = colormap.name;
