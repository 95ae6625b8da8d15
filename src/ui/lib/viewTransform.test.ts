import { describe, expect, it } from 'vitest';
import { FIT, canvasToImage, clampView, imageToCanvas, panBy, viewMatrix, wheelFactor, zoomAbout, zoomCentre } from './viewTransform';

const g = { side: 400, width: 2000, height: 1600 };

describe('viewTransform', () => {
  it('fit letterboxes the image in the square, centred', () => {
    expect(imageToCanvas(FIT, g, 0, 0)).toEqual([0, 40]);
    expect(imageToCanvas(FIT, g, 2000, 1600)).toEqual([400, 360]);
    expect(viewMatrix(FIT, g)).toEqual([0.2, 0, 0, 0.2, 0, 40]);
  });

  it('zooming about a point keeps the image pixel under it', () => {
    const before = canvasToImage(FIT, g, 100, 300);
    const zoomed = zoomAbout(FIT, g, 3, 100, 300);
    expect(zoomed.zoom).toBe(3);
    const after = canvasToImage(zoomed, g, 100, 300);
    expect(after[0]).toBeCloseTo(before[0], 6);
    expect(after[1]).toBeCloseTo(before[1], 6);
    const [px, py] = imageToCanvas(zoomed, g, 1000, 800);
    expect(Math.hypot(px - 200, py - 200)).toBeGreaterThan(100); // the centre moved away: it zoomed about the point
  });

  it('zooming about the centre keeps the centre; a pan moves every point by the drag', () => {
    const z = zoomCentre(FIT, g, 2);
    expect(imageToCanvas(z, g, 1000, 800)).toEqual([200, 200]);
    const p = panBy(z, g, 30, -20);
    const [x, y] = imageToCanvas(p, g, 700, 900);
    const [x0, y0] = imageToCanvas(z, g, 700, 900);
    expect(x - x0).toBeCloseTo(30, 6);
    expect(y - y0).toBeCloseTo(-20, 6);
  });

  it('clamps zoom to the settings and keeps the centre on the image', () => {
    expect(clampView({ zoom: 1000, cx: 2, cy: -1 })).toEqual({ zoom: 32, cx: 1, cy: 0 });
    expect(zoomCentre(FIT, g, 0.01).zoom).toBe(0.5);
  });

  it('the wheel zooms in when scrolled up', () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1, 9);
    expect(wheelFactor(-10, true)).toBeGreaterThan(wheelFactor(-10)); // a pinch's small deltas still zoom
  });
});
