// Everything the page must say before the draft is trusted: the engine's warnings and its OOD verdict, once each.
import type { ReportResult } from '../../engine/types';

export function draftWarnings(result: ReportResult | null): string[] {
  if (!result) return [];
  const all = [...(result.warnings ?? []), ...(result.ood.warning ? [result.ood.warning] : [])];
  return [...new Set(all.map((w) => w.trim()).filter(Boolean))];
}
