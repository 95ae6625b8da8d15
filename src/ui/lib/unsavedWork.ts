// What a person would lose if the study were replaced or the page left now: report edits or measurements made since
// the report was last copied or downloaded. Pure: the page keeps the signatures of what was last saved and asks
// before an action that would drop unsaved work (a new film, a re-run, another backend, a reload).
import type { EditedReport } from './reportExport';
import type { Measurement } from './measure';

export interface Work {
  edited: boolean; // the report differs from the model's draft
  report: EditedReport;
  measured: Readonly<Record<string, readonly Measurement[]>>; // per image key
}

export type WorkPart = 'edits' | 'measurements';

/** Fingerprints of the two parts a save keeps: the report text, and every measured line. */
export function workSignature(work: Work): Record<WorkPart, string> {
  const lines = Object.keys(work.measured)
    .sort()
    .map((key) => [key, work.measured[key].map((m) => [m.from, m.to])]);
  return { edits: JSON.stringify([work.report.findings, work.report.impression]), measurements: JSON.stringify(lines) };
}

export const measurementCount = (measured: Work['measured']): number => Object.values(measured).reduce((n, items) => n + items.length, 0);

/** The parts of the work that changed since they were last saved; empty when nothing would be lost. */
export function unsavedParts(work: Work, saved: Record<WorkPart, string> | null): WorkPart[] {
  const now = workSignature(work);
  const parts: WorkPart[] = [];
  if (work.edited && now.edits !== saved?.edits) parts.push('edits');
  if (measurementCount(work.measured) > 0 && now.measurements !== saved?.measurements) parts.push('measurements');
  return parts;
}

/** "Your edits to the report and 2 measurements have not been copied or downloaded." */
export function unsavedText(parts: readonly WorkPart[], measurements: number): string {
  const names = parts.map((p) => (p === 'edits' ? 'your edits to the report' : measurements === 1 ? '1 measurement' : `${measurements} measurements`));
  const list = names.join(' and ');
  const verb = parts.length === 1 && parts[0] === 'measurements' && measurements === 1 ? 'has' : 'have';
  return `${list.charAt(0).toUpperCase()}${list.slice(1)} ${verb} not been copied or downloaded.`;
}
