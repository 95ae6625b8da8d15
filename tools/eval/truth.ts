// An image's true findings (the corpus builder's own mapping), and the findings one source label stands for
// (for grounding: which sentence an NIH box or JSRT nodule belongs to), both from
// src/text/data/corpus/source_labels.json.
import sourceLabels from '../../src/text/data/corpus/source_labels.json' with { type: 'json' };
import { mapFindings, type ManifestRow } from '../../src/text/composeMapping';
import { FINDINGS, type FindingKey } from '../../src/text/findings';
import type { ManifestRecord } from './manifest';

interface LabelEntry {
  findings?: string[];
  variant_field?: string;
  variants?: Record<string, LabelEntry>;
}
const SOURCES = (sourceLabels as unknown as { sources: Record<string, Record<string, LabelEntry>> }).sources;
const KEY_BY_NAME = new Map<string, FindingKey>(FINDINGS.map((f) => [f.name, f.key]));

export class TruthMappingError extends Error {
  override name = 'TruthMappingError';
}

function entryFindings(rec: ManifestRecord, label: string): string[] {
  const entry = SOURCES[rec.source]?.[label];
  if (!entry) {
    throw new TruthMappingError(`${rec.id}: no mapping for source "${rec.source}" label "${label}"; add it to src/text/data/corpus/source_labels.json`);
  }
  if (entry.findings) return entry.findings;
  const value = String(rec[entry.variant_field ?? ''] ?? '');
  const variant = entry.variants?.[value];
  if (!variant?.findings) {
    throw new TruthMappingError(
      `${rec.id}: label "${label}" needs field "${entry.variant_field}" to be one of ${Object.keys(entry.variants ?? {}).join(', ')}, got "${value}"`,
    );
  }
  return variant.findings;
}

/** Our findings for one source label of a source (no variant field needed for the plain entries). */
export function sourceLabelFindings(rec: ManifestRecord, label: string): FindingKey[] {
  return entryFindings(rec, label).map((name) => {
    const key = KEY_BY_NAME.get(name);
    if (!key) throw new TruthMappingError(`source_labels.json maps "${label}" to unknown finding "${name}"; use names from src/text/findings.json`);
    return key;
  });
}

/** True findings of a manifest record: the corpus builder's mapping (composeMapping.mapFindings), so the
 *  evaluation's truth is exactly what the corpus wrote into labels.npy (parents included). */
export function truthFindings(rec: ManifestRecord): FindingKey[] {
  return mapFindings(rec as ManifestRow);
}
