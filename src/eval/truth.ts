// An image's true findings: its source labels mapped to our vocabulary through the corpus builder's table
// (src/text/data/corpus/source_labels.json; kermany's Pneumonia picks a variant by a manifest field), closed
// under parents. ['no_finding'] for a normal image.
import sourceLabels from '../text/data/corpus/source_labels.json';
import { FINDINGS, withAncestors, type FindingKey } from '../text/findings';
import type { ManifestRecord } from './manifest';

interface LabelEntry { findings?: string[]; variant_field?: string; variants?: Record<string, LabelEntry> }
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
    throw new TruthMappingError(`${rec.id}: label "${label}" needs field "${entry.variant_field}" to be one of ${Object.keys(entry.variants ?? {}).join(', ')}, got "${value}"`);
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

/** True findings of a manifest record, vocabulary keys closed under parents. */
export function truthFindings(rec: ManifestRecord): FindingKey[] {
  const keys = new Set<FindingKey>();
  for (const label of rec.labels) for (const key of sourceLabelFindings(rec, label)) keys.add(key);
  const abnormal = [...keys].filter((k) => k !== 'no_finding');
  return abnormal.length > 0 ? withAncestors(abnormal) : ['no_finding'];
}
