// Pointing-game geometry on hand-worked cases (numbers derived in the comments).
import { describe, expect, it } from 'vitest';
import { boxToGrid, cellHits, contentCells, noduleToGrid, pointingGame, type TensorGeometry } from './grounding';

const square = (side: number, S = 128): TensorGeometry => ({ size: S, scale: S / side, offsetX: 0, offsetY: 0, resizedWidth: S, resizedHeight: S });
const grid: [number, number] = [8, 8];

describe('JSRT nodule', () => {
  // JPCLN001: centre (1634, 692) in 2048 px, 15 mm. 224-px image → 128 tensor → 8×8 grid: 1 grid unit = 256 px,
  // so the centre is at (6.383, 2.703); radius 7.5 mm / 0.175 mm/px = 42.86 px = 0.167 grid units.
  const target = noduleToGrid({ x: 1634, y: 692, size_mm: 15 }, square(224), { width: 224, height: 224 }, grid);

  it('maps the centre and radius into grid units', () => {
    expect(target.kind).toBe('disk');
    if (target.kind !== 'disk') return;
    expect(target.cx).toBeCloseTo(1634 / 256, 10);
    expect(target.cy).toBeCloseTo(692 / 256, 10);
    expect(target.rx).toBeCloseTo(7.5 / 0.175 / 256, 10);
  });

  it('hits only the cell holding the nodule (the disk does not reach the neighbours)', () => {
    expect(cellHits(2, 6, target)).toBe(true);
    expect(cellHits(2, 5, target)).toBe(false); // 0.383 units from the left edge > 0.167
    expect(cellHits(3, 6, target)).toBe(false); // 0.297 units from the bottom edge
  });

  it('scores heatmap argmax, centre prior and the exact random expectation', () => {
    const heat = new Float32Array(64);
    heat[2 * 8 + 6] = 1;
    const out = pointingGame(heat, grid, target, square(224));
    expect(out).toEqual({ hit: true, centreHit: false, randomHit: 1 / 64 });
    heat[4 * 8 + 4] = 2;
    expect(pointingGame(heat, grid, target, square(224)).hit).toBe(false);
  });
});

describe('NIH box', () => {
  // Box x 339.17, y 119.20, w 172.29, h 351.09 in 1024 px; 64-px image → 1 grid unit = 128 px:
  // x ∈ [2.650, 3.996], y ∈ [0.931, 3.674] → columns 2–3, rows 0–3: 8 of 64 cells.
  const target = boxToGrid({ x: 339.166, y: 119.196, w: 172.292, h: 351.086 }, square(64), { width: 64, height: 64 }, grid);
  it('counts the touched cells', () => {
    const heat = new Float32Array(64);
    heat[3 * 8 + 3] = 1;
    expect(pointingGame(heat, grid, target, square(64))).toEqual({ hit: true, centreHit: false, randomHit: 8 / 64 });
    expect(cellHits(0, 4, target)).toBe(false);
  });
});

describe('padding', () => {
  it('keeps random baseline cells inside the image content', () => {
    // 200×100 → 128×64 centred with 32 px above and below: rows 2–5 of 8 hold content.
    const geom: TensorGeometry = { size: 128, scale: 0.64, offsetX: 0, offsetY: 32, resizedWidth: 128, resizedHeight: 64 };
    const cells = contentCells(geom, grid);
    expect(cells.length).toBe(32);
    expect(Math.min(...cells.map(([r]) => r))).toBe(2);
  });

  it('rejects a heatmap of the wrong size', () => {
    expect(() => pointingGame(new Float32Array(10), grid, { kind: 'box', x0: 0, y0: 0, x1: 1, y1: 1 }, square(64))).toThrow(RangeError);
  });
});
