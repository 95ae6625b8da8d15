// Do a report's words point at the side and zone they name? For every sentence of a generated report that asserts a
// finding on one side ("left pleural effusion", "nodule in the right upper lobe"), the argmax cell of that sentence's
// heatmap (first view) is compared with the side it names: the patient's left is the image's right on a frontal film
// as displayed. Pleural effusion sentences are also checked for a peak in the lower half of the lung film, where
// fluid collects. No box is needed, so every image of the eval split counts; chance is 0.5 for both.
import { type FindingKey, ancestorsOf } from '../../src/text/findings';
import { labelSentence } from '../../src/text/labeler';
import type { ReportResult } from '../../src/engine/types';
import { peakCell, type TensorGeometry } from './grounding';
import { sentenceTexts } from './groundingRun';

export type Side = 'left' | 'right';

/** The single side a sentence names, or null for none, both or "bilateral". */
export function namedSide(text: string): Side | null {
  const t = text.toLowerCase();
  if (/\bbilateral|\bboth\b/.test(t)) return null;
  const left = /\bleft\b/.test(t);
  const right = /\bright\b/.test(t);
  return left === right ? null : left ? 'left' : 'right';
}

/** Peak cell of sentence s's heatmap → its centre as fractions of the content area (0..1 across, 0..1 down). */
export function sentencePeak(result: ReportResult, s: number, geom: TensorGeometry): { x: number; y: number } {
  const [rows, cols] = result.heatmap.grid;
  const cells = rows * cols;
  const start = s * result.heatmap.views * cells;
  const [row, col] = peakCell(result.sentenceHeatmaps.subarray(start, start + cells), cols);
  const px = col * (geom.size / cols);
  const py = row * (geom.size / rows);
  return { x: (px - geom.offsetX) / geom.resizedWidth, y: (py - geom.offsetY) / geom.resizedHeight };
}

export interface LateralityRow {
  id: string;
  finding: FindingKey;
  side: Side;
  peak: { x: number; y: number };
  agrees: boolean;
}

export interface EffusionRow {
  id: string;
  side: Side | null;
  peak: { x: number; y: number };
}

export interface LateralitySummary {
  n: number; // lateralised positive sentences
  side_agreement: number; // share whose heatmap peak is on the side they name (chance 0.5)
  by_finding: Record<string, { n: number; side_agreement: number }>;
  effusion: { n: number; lower_half: number; side_agreement: number; examples: EffusionRow[] }; // pleural effusion sentences, sided or not
  examples: LateralityRow[]; // the first few, for the closing note and RESULTS
}

const ROOTS: readonly FindingKey[] = ['pleural_effusion', 'nodule', 'mass', 'lung_opacity', 'pneumothorax', 'atelectasis', 'consolidation', 'pneumonia'];

export class LateralityTally {
  private rows: LateralityRow[] = [];
  private effusion: Array<EffusionRow & { lower: boolean; agrees: boolean | null }> = [];

  add(id: string, result: ReportResult, geom: TensorGeometry): void {
    sentenceTexts(result).forEach((text, s) => {
      const asserted = labelSentence(text)
        .filter((m) => m.status !== 'negative')
        .map((m) => ROOTS.find((r) => ancestorsOf(m.finding).includes(r)))
        .filter((f): f is FindingKey => f !== undefined);
      if (!asserted.length) return;
      const peak = sentencePeak(result, s, geom);
      const side = namedSide(text);
      const imageSide: Side = peak.x >= 0.5 ? 'left' : 'right'; // the patient's side under the peak
      if (side) this.rows.push({ id, finding: asserted[0], side, peak, agrees: side === imageSide });
      if (asserted.includes('pleural_effusion')) this.effusion.push({ id, side, peak, lower: peak.y >= 0.5, agrees: side && side === imageSide });
    });
  }

  summary(examples = 6): LateralitySummary {
    const share = (xs: boolean[]): number => (xs.length ? xs.filter(Boolean).length / xs.length : NaN);
    const by: LateralitySummary['by_finding'] = {};
    for (const f of new Set(this.rows.map((r) => r.finding))) {
      const rs = this.rows.filter((r) => r.finding === f);
      by[f] = { n: rs.length, side_agreement: share(rs.map((r) => r.agrees)) };
    }
    const sided = this.effusion.filter((e) => e.agrees !== null);
    return {
      n: this.rows.length,
      side_agreement: share(this.rows.map((r) => r.agrees)),
      by_finding: by,
      effusion: {
        n: this.effusion.length,
        lower_half: share(this.effusion.map((e) => e.lower)),
        side_agreement: share(sided.map((e) => e.agrees === true)),
        examples: this.effusion.slice(0, examples).map(({ id, side, peak }) => ({ id, side, peak })),
      },
      examples: this.rows.slice(0, examples),
    };
  }
}
