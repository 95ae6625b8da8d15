// The hottest region of a heatmap in words ("right lower zone"), from the rough chest regions in
// chestRegions.json: on a frontal film the image's left is the patient's right; a lateral has no side.
import type { ReportResult } from '../../engine/types';
import type { ViewKind } from '../../image';
import regions from '../data/chestRegions.json' with { type: 'json' };
import { focusedMap, type MapFocus } from './mapFocus';
import { hottestPoint } from './mapOverlay';

type Zone = { below: number; name: string };

const pick = (zones: Zone[], y: number): string => (zones.find((z) => y < z.below) ?? zones[zones.length - 1]).name;

/** fx, fy: fractions of the image (0,0 = its top-left). */
export function regionName(fx: number, fy: number, view: ViewKind): string {
  if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return regions.outside;
  if (view === 'lateral') return pick(regions.zones, fy).replace('{side}', '').replace(/\s+/g, ' ').trim();
  if (fx >= regions.midline.from && fx <= regions.midline.to) return pick(regions.midlineZones, fy);
  const side = fx < regions.midline.from ? regions.sides.imageLeft : regions.sides.imageRight;
  return pick(regions.zones, fy).replace('{side}', side);
}

/**
 * "Hottest: right lower zone." — one region per view, the view named when there are two. viewKinds: the
 * page's view of each image in engine order (a PNG's view is the person's choice, unknown to the engine).
 */
export function hottestCaption(result: ReportResult | null, focus: MapFocus | null, viewKinds: ViewKind[]): string | null {
  if (!result || !focus) return null;
  const parts: string[] = [];
  for (let h = 0; h < result.heatmap.views; h++) {
    const v = result.draftViews?.[h] ?? h; // heatmap view h is the study's view v (laterals are left out of the draft)
    const map = focusedMap(result, focus, h);
    const prepared = result.views?.[v];
    if (!map || !prepared || !map.some((x) => x > 0)) continue;
    const [fx, fy] = hottestPoint(map, result.heatmap.grid, prepared);
    const kind = viewKinds[v] ?? prepared.view;
    const name = regionName(fx, fy, kind);
    parts.push(result.heatmap.views > 1 ? `${name} (${kind})` : name);
  }
  return parts.length ? `Hottest: ${parts.join('; ')}.` : null;
}
