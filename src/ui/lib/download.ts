// Saving something the page made (a report file, a key image) as a download: a temporary object URL on a clicked link.
import { type ExportContext, reportFileStem, reportTextFile } from './reportExport';

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The report as .txt (the edited text, its measurements, the notes), named by the time it was drafted. */
export const downloadReportText = (ctx: ExportContext): void =>
  downloadBlob(`${reportFileStem(ctx.timestamp)}.txt`, new Blob([reportTextFile(ctx)], { type: 'text/plain' }));
