// Source labels → our findings and a composition plan (what each report must say, and where), from
// data/corpus/source_labels.json. Side/lobe from the manifest: JSRT nodule position, NIH box centres,
// bilateral for the COVID-19 pattern.
import sourceLabelsJson from './data/corpus/source_labels.json' with { type: 'json' };
import { FINDING_NAMES, FINDING_KEYS, withAncestors, type FindingKey } from './findings';
import { locationFromJsrtPosition, sideFromBoxCentres, type Location } from './composeLocation';
import type { CompositionPlan, ExpressItem } from './compose';

export class SourceLabelError extends Error {
  override name = 'SourceLabelError';
}

/** The manifest fields composition reads (../shared/data/cxr/manifest.jsonl). */
export interface ManifestRow {
  id: string;
  source: string;
  image: string;
  split: string;
  labels: string[];
  source_label?: string;
  pneumonia_type?: string | null;
  boxes?: Array<{ label: string; x: number; y: number; w: number; h: number }>;
  nodule?: { position?: string } | null;
  [field: string]: unknown;
}

interface MappingEntry {
  findings: string[];
  express?: Array<{ findings: string[]; key: string }>;
  impression?: string[];
  location?: 'bilateral' | 'jsrt_nodule' | 'nih_box';
  variant_field?: string;
  variants?: Record<string, MappingEntry>;
}

const MAPPING = sourceLabelsJson as unknown as {
  sources: Record<string, Record<string, MappingEntry>>;
  nih_box_labels: Record<string, string>;
  nih_box_space: number;
};

const KEY_BY_NAME = new Map<string, FindingKey>(FINDING_KEYS.map((k) => [FINDING_NAMES[k], k]));

export function findingKeyOf(name: string): FindingKey {
  const k = KEY_BY_NAME.get(name);
  if (k === undefined) throw new SourceLabelError(`source_labels.json names unknown finding "${name}"; use names from findings.json`);
  return k;
}

function entryFor(row: ManifestRow, label: string): MappingEntry {
  const source = MAPPING.sources[row.source];
  if (!source) throw new SourceLabelError(`${row.id}: source "${row.source}" has no entry in src/text/data/corpus/source_labels.json`);
  let entry = source[label];
  if (!entry) throw new SourceLabelError(`${row.id}: label "${label}" of ${row.source} is not mapped in source_labels.json`);
  if (entry.variant_field) {
    const value = String(row[entry.variant_field] ?? '');
    const variant = entry.variants?.[value];
    if (!variant) throw new SourceLabelError(`${row.id}: ${entry.variant_field}="${value}" has no variant for "${label}"`);
    entry = variant;
  }
  return entry;
}

function locationFor(row: ManifestRow, entry: MappingEntry, label: string): Location {
  if (entry.location === 'bilateral') return { side: 'bilateral' };
  if (entry.location === 'jsrt_nodule') return locationFromJsrtPosition(row.nodule?.position);
  if (entry.location === 'nih_box') {
    const centres = (row.boxes ?? []).filter((b) => MAPPING.nih_box_labels[b.label] === label).map((b) => b.x + b.w / 2);
    const side = sideFromBoxCentres(centres, MAPPING.nih_box_space);
    return side === undefined ? {} : { side };
  }
  return {};
}

/** Our findings for a row (parents included, vocabulary order); ['no_finding'] when normal. */
export function mapFindings(row: ManifestRow): FindingKey[] {
  return planFor(row).findings;
}

/** What the composed reports of this row must assert, and where. */
export function planFor(row: ManifestRow): CompositionPlan {
  if (!Array.isArray(row.labels) || row.labels.length === 0) throw new SourceLabelError(`${row.id}: manifest row has no labels`);
  const findings = new Set<FindingKey>();
  const express: ExpressItem[] = [];
  const impression: CompositionPlan['impression'] = [];
  for (const label of row.labels) {
    const entry = entryFor(row, label);
    const location = locationFor(row, entry, label);
    entry.findings.forEach((f) => findings.add(findingKeyOf(f)));
    for (const e of entry.express ?? []) express.push({ findings: e.findings.map(findingKeyOf), key: e.key, location });
    for (const key of entry.impression ?? []) impression.push({ key, location });
  }
  if (findings.has('no_finding') && findings.size > 1) {
    throw new SourceLabelError(`${row.id}: "No Finding" together with other labels (${row.labels.join(', ')})`);
  }
  const closed = findings.has('no_finding') ? (['no_finding'] as FindingKey[]) : withAncestors(findings);
  return { id: row.id, findings: closed, express, impression };
}
