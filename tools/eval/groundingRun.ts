// The pointing game over generated reports: for each annotated image (JSRT nodule, NIH boxes, RSNA opacity boxes) the heatmap of
// the report's sentence(s) that assert the annotated finding (mean of their maps, first view) is scored with
// grounding.ts; a report that does not assert it shows, where the second look flags the finding, the lesion map the
// page shows for it (result.secondLookMap), and otherwise falls back to the mean map of all its tokens. The results say
// how many reports named the finding and how many flagged it. Centre and random baselines use the same rule.
import sourceLabels from '../../src/text/data/corpus/source_labels.json' with { type: 'json' };
import { ancestorsOf, type FindingKey } from '../../src/text/findings';
import { labelSentence } from '../../src/text/labeler';
import { sentenceTextsOf } from '../../src/engine/lesionMap';
import type { ReportResult } from '../../src/engine/types';
import { quantile, wilsonInterval } from '../bench/stats';
import { boxToGrid, noduleToGrid, peakCell, pointingGame, type GridTarget, type TensorGeometry } from './grounding';
import type { ManifestRecord } from './manifest';
import { sourceLabelFindings } from './truth';

const NIH_BOX_LABELS = (sourceLabels as unknown as { nih_box_labels: Record<string, string> }).nih_box_labels;

export type GroundingKind = 'jsrt_nodule' | 'nih_box' | 'rsna_box';
export const GROUNDING_KINDS: readonly GroundingKind[] = ['jsrt_nodule', 'nih_box', 'rsna_box'];

export interface GroundingTarget {
  kind: GroundingKind;
  findings: FindingKey[]; // what a sentence must assert to be this target's sentence
  target: GridTarget;
}

function spaceOf(field: unknown, fallback: number): number {
  const m = /^(\d+)px$/.exec(String(field ?? ''));
  return m ? Number(m[1]) : fallback;
}

/** The record's annotated targets in grid units (none for images without a nodule or boxes). */
export function targetsFor(rec: ManifestRecord, geom: TensorGeometry, img: { width: number; height: number }, grid: [number, number]): GroundingTarget[] {
  const out: GroundingTarget[] = [];
  if (rec.nodule && Number.isFinite(rec.nodule.x) && Number.isFinite(rec.nodule.size_mm)) {
    out.push({
      kind: 'jsrt_nodule',
      findings: sourceLabelFindings(rec, 'Nodule'),
      target: noduleToGrid(rec.nodule, geom, img, grid, spaceOf(rec.nodule.space, 2048)),
    });
  }
  for (const box of rec.boxes ?? []) {
    const label = NIH_BOX_LABELS[box.label];
    if (!label) continue;
    out.push({ kind: 'nih_box', findings: sourceLabelFindings(rec, label), target: boxToGrid(box, geom, img, grid, spaceOf(box.space, 1024)) });
  }
  // RSNA "Lung Opacity" boxes (one target per image: pointing at any of its boxes is a hit); any opacity sentence counts
  if (rec.rsna_boxes?.length) {
    out.push({
      kind: 'rsna_box',
      findings: ['lung_opacity'],
      target: { kind: 'any', parts: rec.rsna_boxes.map((b) => boxToGrid(b, geom, img, grid, spaceOf(b.space, 1024))) },
    });
  }
  return out;
}

/** Sentence texts of a result, rebuilt from its tokens (the engine's own rebuild, src/engine/lesionMap.ts). */
export function sentenceTexts(result: ReportResult): string[] {
  return sentenceTextsOf(
    result.tokens,
    result.tokens.reduce((n, t) => Math.max(n, t.sentence + 1), 0),
  );
}

/** Which map stood for the finding: its sentences', the second look's lesion map, or the whole report's. */
export type FindingMapSource = 'sentences' | 'second_look' | 'report';

const covers = (finding: string, wanted: ReadonlySet<string>): boolean => ancestorsOf(finding as FindingKey).some((a) => wanted.has(a));

/** Heatmap [rows*cols], first view, of the sentences asserting one of `findings` (a descendant counts); else of the lesion
 *  map the second look shows for a flagged one (what the page shows for it); else the mean of all the tokens' maps. */
export function findingHeatmap(result: ReportResult, findings: readonly FindingKey[]): { heat: Float32Array; mentioned: boolean; source: FindingMapSource } {
  const [rows, cols] = result.heatmap.grid;
  const cells = rows * cols;
  const views = result.heatmap.views;
  const wanted = new Set<string>(findings);
  const matching = sentenceTexts(result)
    .map((text, s) => ({ s, hit: labelSentence(text).some((m) => m.status !== 'negative' && covers(m.finding, wanted)) }))
    .filter((x) => x.hit)
    .map((x) => x.s);
  const heat = new Float32Array(cells);
  if (matching.length > 0) {
    for (const s of matching) for (let n = 0; n < cells; n++) heat[n] += result.sentenceHeatmaps[s * views * cells + n] / matching.length;
    return { heat, mentioned: true, source: 'sentences' };
  }
  const flagged = result.secondLookMap;
  if (flagged?.findings.some((f) => covers(f, wanted))) return { heat: flagged.values.slice(0, cells), mentioned: false, source: 'second_look' };
  const T = result.tokens.length;
  for (let t = 0; t < T; t++) for (let n = 0; n < cells; n++) heat[n] += result.heatmap.values[t * views * cells + n] / T;
  return { heat, mentioned: false, source: 'report' };
}

export interface PointingSummary {
  n: number;
  n_mentioned: number; // reports that asserted the annotated finding
  hit_rate: number; // all targets (mentioned: the finding's sentences; flagged: the second look's lesion map; otherwise the whole report's map)
  hit_interval: [number, number]; // Wilson 95 % interval of hit_rate: with a few dozen targets one hit moves the rate by ~0.03
  hit_rate_mentioned: number; // targets whose report asserted the finding
  n_second_look: number; // reports that left the finding out, with the second look flagging it on the lesion map
  hit_rate_second_look: number;
  centre_hit_rate: number;
  random_hit_rate: number; // expected, uniform over content cells
  same_side_rate: number; // the peak on the target's side of the film's vertical midline (any box's, for RSNA)
  median_distance: number; // from the peak cell's centre to the target's centre, in film widths (first box for RSNA)
}

/** One scored target: where the heatmap peaked and where the annotation is, both [row, col] in grid units. */
export interface PointingRow {
  id: string;
  kind: GroundingKind;
  hit: boolean;
  mentioned: boolean;
  source: FindingMapSource;
  peak: [number, number]; // centre of the argmax cell
  truth: [number, number]; // centre of the box / nodule disk (the first box of an RSNA image)
}

function targetCentre(t: GridTarget): [number, number] {
  if (t.kind === 'any') return targetCentre(t.parts[0]);
  return t.kind === 'box' ? [(t.y0 + t.y1) / 2, (t.x0 + t.x1) / 2] : [t.cy, t.cx];
}

/** The film's vertical midline and width in grid columns (the film may be letterboxed inside the square tensor). */
function filmColumns(geom: TensorGeometry, cols: number): { midline: number; width: number } {
  const perPx = cols / geom.size;
  return { midline: (geom.offsetX + geom.resizedWidth / 2) * perPx, width: geom.resizedWidth * perPx };
}

/** Is the peak column on the same side of the midline as the target (as any part of it, for RSNA)? */
function sameSide(t: GridTarget, peakCol: number, midline: number): boolean {
  if (t.kind === 'any') return t.parts.some((p) => sameSide(p, peakCol, midline));
  return targetCentre(t)[1] < midline === peakCol < midline;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export class PointingTally {
  private rows: Array<PointingRow & { centre: boolean; random: number; side: boolean; distance: number }> = [];

  add(id: string, result: ReportResult, targets: readonly GroundingTarget[], geom: TensorGeometry): void {
    const cols = result.heatmap.grid[1];
    for (const t of targets) {
      const { heat, mentioned, source } = findingHeatmap(result, t.findings);
      const o = pointingGame(heat, result.heatmap.grid, t.target, geom);
      const peak = peakCell(heat, cols);
      const centre = targetCentre(t.target);
      const truth = centre.map(round2) as [number, number];
      const film = filmColumns(geom, cols);
      const side = sameSide(t.target, peak[1], film.midline);
      const distance = Math.hypot(peak[0] - centre[0], peak[1] - centre[1]) / film.width;
      this.rows.push({ id, kind: t.kind, hit: o.hit, mentioned, source, peak, truth, centre: o.centreHit, random: o.randomHit, side, distance });
    }
  }

  /** Every scored target, in the order they were added. */
  targets(): PointingRow[] {
    return this.rows.map(({ centre: _c, random: _r, side: _s, distance: _d, ...row }) => row);
  }

  summary(kind: GroundingKind): PointingSummary {
    const rows = this.rows.filter((r) => r.kind === kind);
    const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    const mentioned = rows.filter((r) => r.mentioned);
    const flagged = rows.filter((r) => r.source === 'second_look');
    return {
      n: rows.length,
      n_mentioned: mentioned.length,
      hit_rate: mean(rows.map((r) => Number(r.hit))),
      hit_interval: wilsonInterval(rows.filter((r) => r.hit).length, rows.length),
      hit_rate_mentioned: mean(mentioned.map((r) => Number(r.hit))),
      n_second_look: flagged.length,
      hit_rate_second_look: mean(flagged.map((r) => Number(r.hit))),
      centre_hit_rate: mean(rows.map((r) => Number(r.centre))),
      random_hit_rate: mean(rows.map((r) => r.random)),
      same_side_rate: mean(rows.map((r) => Number(r.side))),
      median_distance: quantile(
        rows.map((r) => r.distance),
        0.5,
      ),
    };
  }
}
