// The finding vocabulary (src/text/findings.json) as typed TypeScript: keys in their fixed order, names,
// parents, and the parent closure that the labeler and the evaluation both apply.
import findingsJson from './findings.json' with { type: 'json' };

export const FINDING_KEYS = [
  'no_finding',
  'enlarged_cardiomediastinum',
  'cardiomegaly',
  'lung_lesion',
  'lung_opacity',
  'edema',
  'consolidation',
  'pneumonia',
  'atelectasis',
  'pneumothorax',
  'pleural_effusion',
  'pleural_other',
  'fracture',
  'support_devices',
  'emphysema',
  'fibrosis',
  'hernia',
  'nodule',
  'mass',
  'pleural_thickening',
  'infiltration',
  'covid19_pattern',
] as const;

export type FindingKey = (typeof FINDING_KEYS)[number];

export interface Finding {
  key: FindingKey;
  name: string;
  parent?: FindingKey;
  description: string;
}

export class FindingVocabularyError extends Error {
  override name = 'FindingVocabularyError';
}

function loadFindings(): Finding[] {
  const entries = findingsJson as Array<{ key: string; name: string; parent?: string; description: string }>;
  const keys = entries.map((e) => e.key);
  if (keys.join(',') !== FINDING_KEYS.join(',')) {
    throw new FindingVocabularyError(`src/text/findings.json keys (${keys.join(',')}) differ from FINDING_KEYS in src/text/findings.ts; edit both together.`);
  }
  for (const e of entries) {
    if (e.parent !== undefined && !keys.includes(e.parent)) {
      throw new FindingVocabularyError(`finding "${e.key}" names unknown parent "${e.parent}" in src/text/findings.json.`);
    }
  }
  return entries as Finding[];
}

export const FINDINGS: readonly Finding[] = loadFindings();

export const FINDING_NAMES: Record<FindingKey, string> = Object.fromEntries(FINDINGS.map((f) => [f.key, f.name])) as Record<FindingKey, string>;

export function isFindingKey(value: string): value is FindingKey {
  return (FINDING_KEYS as readonly string[]).includes(value);
}

/** The finding and every ancestor through `parent` links, child first. */
export function ancestorsOf(key: FindingKey): FindingKey[] {
  const chain: FindingKey[] = [key];
  let parent = FINDINGS.find((f) => f.key === key)?.parent;
  while (parent !== undefined) {
    chain.push(parent);
    parent = FINDINGS.find((f) => f.key === parent)?.parent;
  }
  return chain;
}

/** Adds every ancestor of the given findings (a nodule is a lung lesion); result in vocabulary order. */
export function withAncestors(keys: Iterable<FindingKey>): FindingKey[] {
  const set = new Set<FindingKey>();
  for (const k of keys) for (const a of ancestorsOf(k)) set.add(a);
  return FINDING_KEYS.filter((k) => set.has(k));
}
