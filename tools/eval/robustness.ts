// Robustness: the model's clinical numbers on perturbed copies of a fixed, source-stratified subset of the
// evaluated images, beside the same subset clean, and how many reports the perturbation changed.
import { createHash } from 'node:crypto';
import type { ClinicalScores } from '../../src/text/metrics/clinical';

export interface RobustnessRow {
  n: number;
  micro_f1: number;
  macro_f1: number;
  normal_abnormal_accuracy: number;
  hallucination_rate: number;
  omission_rate: number;
  changed_share: number; // reports that differ from the clean report of the same image
}

const rank = (id: string): string => createHash('sha256').update(id).digest('hex');

/** Indices of up to n items, each source represented in proportion (at least one each), chosen by id hash. */
export function stratifiedSubset(items: readonly { id: string; source: string }[], n: number): number[] {
  if (n >= items.length) return items.map((_, i) => i);
  if (n <= 0) return [];
  const bySource = new Map<string, number[]>();
  items.forEach((it, i) => bySource.set(it.source, [...(bySource.get(it.source) ?? []), i]));
  const picked: number[] = [];
  for (const idx of bySource.values()) {
    const take = Math.max(1, Math.round((idx.length / items.length) * n));
    picked.push(...[...idx].sort((a, b) => (rank(items[a].id) < rank(items[b].id) ? -1 : 1)).slice(0, take));
  }
  return picked.sort((a, b) => a - b);
}

export function robustnessRow(clinical: ClinicalScores, reports: readonly string[], clean: readonly string[]): RobustnessRow {
  const changed = reports.filter((r, i) => r !== clean[i]).length;
  return {
    n: clinical.n,
    micro_f1: clinical.micro_f1,
    macro_f1: clinical.macro_f1,
    normal_abnormal_accuracy: clinical.normal_abnormal_accuracy,
    hallucination_rate: clinical.hallucination_rate,
    omission_rate: clinical.omission_rate,
    changed_share: reports.length ? changed / reports.length : 0,
  };
}
