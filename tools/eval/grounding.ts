// Pointing game geometry: is the argmax cell of a heatmap over the model's patch grid on the annotated lesion?
// The annotation (NIH box in 1024-px coordinates, JSRT nodule centre in 2048-px coordinates with a radius from
// its size in mm at 0.175 mm/px) is mapped into the model's S×S tensor through the preprocessing's scale and
// offset, then into grid units. A hit: the argmax cell's rectangle intersects the box / the nodule disk (the
// grid is coarse, so a cell, not its centre point, is what the model points at). Baselines on the same rule:
// the centre prior (the cell holding the image centre) and a uniformly random cell of the image content,
// whose expected hit rate is computed exactly.

export const JSRT_MM_PER_PX_2048 = 0.175;

/** The preprocessing geometry (a subset of src/image's Preprocessed). */
export interface TensorGeometry {
  size: number; // S
  scale: number; // S / max(width, height)
  offsetX: number;
  offsetY: number;
  resizedWidth: number;
  resizedHeight: number;
}

/** A target in grid units (columns, rows as continuous coordinates over [0, cols] × [0, rows]). */
export type GridTarget =
  | { kind: 'box'; x0: number; y0: number; x1: number; y1: number }
  | { kind: 'disk'; cx: number; cy: number; rx: number; ry: number }
  | { kind: 'any'; parts: GridTarget[] }; // e.g. an image's RSNA opacity boxes: touching one of them is a hit

interface ImageSize {
  width: number;
  height: number;
}

function toGrid(geom: TensorGeometry, img: ImageSize, grid: [number, number], space: number) {
  // annotation px → stored image px → tensor px → grid units
  const ax = (img.width / space) * (geom.resizedWidth / img.width) * (grid[1] / geom.size);
  const ay = (img.height / space) * (geom.resizedHeight / img.height) * (grid[0] / geom.size);
  const bx = (geom.offsetX * grid[1]) / geom.size;
  const by = (geom.offsetY * grid[0]) / geom.size;
  return { ax, ay, bx, by };
}

/** NIH box {x,y,w,h} in `space`-px coordinates (1024 for NIH) → grid units. Assumes a square original. */
export function boxToGrid(
  box: { x: number; y: number; w: number; h: number },
  geom: TensorGeometry,
  img: ImageSize,
  grid: [number, number],
  space = 1024,
): GridTarget {
  const t = toGrid(geom, img, grid, space);
  return { kind: 'box', x0: box.x * t.ax + t.bx, y0: box.y * t.ay + t.by, x1: (box.x + box.w) * t.ax + t.bx, y1: (box.y + box.h) * t.ay + t.by };
}

/** JSRT nodule centre (x, y in `space`-px) and diameter in mm → a disk (ellipse if anisotropic) in grid units. */
export function noduleToGrid(
  nodule: { x: number; y: number; size_mm: number },
  geom: TensorGeometry,
  img: ImageSize,
  grid: [number, number],
  space = 2048,
): GridTarget {
  const t = toGrid(geom, img, grid, space);
  const radiusPx = nodule.size_mm / 2 / (JSRT_MM_PER_PX_2048 * (2048 / space));
  return { kind: 'disk', cx: nodule.x * t.ax + t.bx, cy: nodule.y * t.ay + t.by, rx: radiusPx * t.ax, ry: radiusPx * t.ay };
}

/** Does grid cell (row, col) — the square [col, col+1] × [row, row+1] — touch the target? */
export function cellHits(row: number, col: number, target: GridTarget): boolean {
  if (target.kind === 'any') return target.parts.some((p) => cellHits(row, col, p));
  if (target.kind === 'box') return col < target.x1 && col + 1 > target.x0 && row < target.y1 && row + 1 > target.y0;
  // Nearest point of the cell to the disk centre, in the disk's normalised coordinates.
  const nx = Math.min(Math.max(target.cx, col), col + 1);
  const ny = Math.min(Math.max(target.cy, row), row + 1);
  return ((nx - target.cx) / target.rx) ** 2 + ((ny - target.cy) / target.ry) ** 2 <= 1;
}

/** Index of the largest value (first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The heatmap's argmax cell [rows*cols] → the centre of that cell, [row, col] in grid units. */
export function peakCell(heat: ArrayLike<number>, cols: number): [number, number] {
  const best = argmax(heat);
  return [Math.floor(best / cols) + 0.5, (best % cols) + 0.5];
}

/** Cells [row, col] whose area lies inside the image content (not only padding). */
export function contentCells(geom: TensorGeometry, grid: [number, number]): [number, number][] {
  const cells: [number, number][] = [];
  const [rows, cols] = grid;
  const x0 = (geom.offsetX * cols) / geom.size,
    x1 = ((geom.offsetX + geom.resizedWidth) * cols) / geom.size;
  const y0 = (geom.offsetY * rows) / geom.size,
    y1 = ((geom.offsetY + geom.resizedHeight) * rows) / geom.size;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (c < x1 && c + 1 > x0 && r < y1 && r + 1 > y0) cells.push([r, c]);
  return cells;
}

export interface PointingOutcome {
  hit: boolean; // the heatmap's argmax cell
  centreHit: boolean; // the cell holding the image centre
  randomHit: number; // expected hit rate of a uniformly random content cell
}

/** Pointing game for one heatmap [rows*cols] against one target. */
export function pointingGame(heatmap: ArrayLike<number>, grid: [number, number], target: GridTarget, geom: TensorGeometry): PointingOutcome {
  const [rows, cols] = grid;
  if (heatmap.length !== rows * cols) throw new RangeError(`pointingGame: heatmap has ${heatmap.length} values for a ${rows}×${cols} grid`);
  const best = argmax(heatmap);
  const centreRow = Math.min(rows - 1, Math.floor(((geom.offsetY + geom.resizedHeight / 2) * rows) / geom.size));
  const centreCol = Math.min(cols - 1, Math.floor(((geom.offsetX + geom.resizedWidth / 2) * cols) / geom.size));
  const cells = contentCells(geom, grid);
  return {
    hit: cellHits(Math.floor(best / cols), best % cols, target),
    centreHit: cellHits(centreRow, centreCol, target),
    randomHit: cells.filter(([r, c]) => cellHits(r, c, target)).length / cells.length,
  };
}
