// Reading an image manifest in the JSONL format of ../shared/data/cxr/manifest.jsonl (one JSON object per line:
// id, source, image relative to the manifest's folder, split, labels, and per-source fields such as NIH `boxes`
// and the JSRT `nodule`). The blind test set uses the same format, so nothing here assumes our data.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ManifestBox {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  space?: string;
}
export interface ManifestNodule {
  x: number;
  y: number;
  size_mm: number;
  position?: string;
  state?: string;
  space?: string;
}

export interface ManifestRecord {
  id: string;
  source: string;
  image: string;
  split: string;
  width?: number;
  height?: number;
  labels: string[];
  boxes?: ManifestBox[];
  nodule?: ManifestNodule;
  rsna_boxes?: ManifestBox[]; // RSNA "Lung Opacity" boxes (attachRsnaBoxes)
  [field: string]: unknown;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Parses a JSONL manifest; every record needs id, source, image, split and labels. */
export function parseManifest(text: string, where = 'manifest'): ManifestRecord[] {
  const out: ManifestRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let rec: ManifestRecord;
    try {
      rec = JSON.parse(line) as ManifestRecord;
    } catch (err) {
      throw new ManifestError(`${where}:${i + 1}: not JSON (${(err as Error).message}); each line must be one JSON object`);
    }
    for (const field of ['id', 'source', 'image', 'split'] as const) {
      if (typeof rec[field] !== 'string' || !rec[field]) throw new ManifestError(`${where}:${i + 1}: field "${field}" must be a non-empty string`);
    }
    if (!Array.isArray(rec.labels)) throw new ManifestError(`${where}:${i + 1}: field "labels" must be a list of source label names`);
    out.push(rec);
  });
  if (out.length === 0) throw new ManifestError(`${where}: no records; pass a JSONL manifest with one image per line`);
  return out;
}

export function readManifest(file: string): ManifestRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ManifestError(`cannot read manifest ${file}: ${(err as Error).message}; pass --manifest PATH to a JSONL manifest`);
  }
  return parseManifest(text, file);
}

/** Absolute path of a record's image given the image root (the manifest's folder by default). */
export function imagePath(root: string, rec: ManifestRecord): string {
  return path.resolve(root, rec.image);
}

/** Adds the RSNA opacity boxes of `cxr/rsna_boxes_nih64.jsonl` (id, boxes {x,y,w,h}, space) to the records they
 *  name, as `rsna_boxes`; a missing file adds nothing (the blind test set may not have one). → records with boxes. */
export function attachRsnaBoxes(records: ManifestRecord[], jsonlPath: string): number {
  if (!existsSync(jsonlPath)) return 0;
  const byId = new Map(records.map((r) => [r.id, r]));
  let n = 0;
  for (const line of readFileSync(jsonlPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { id: string; boxes?: { x: number; y: number; w: number; h: number }[]; space?: string };
    const rec = byId.get(row.id);
    if (!rec || !row.boxes?.length) continue;
    rec.rsna_boxes = row.boxes.map((b) => ({ label: 'Lung Opacity', x: b.x, y: b.y, w: b.w, h: b.h, space: row.space ?? '1024px' }));
    n++;
  }
  return n;
}
