// Copy the (edited) report to the clipboard, or download it as .txt or .json (with model, settings,
// candidates and scores, and the time it was drafted).
import { useState } from 'react';
import { downloadBlob, downloadReportText } from '../lib/download';
import type { WorkPart } from '../lib/unsavedWork';
import { reportAsText, reportFileStem, reportJsonFile, type ExportContext } from '../lib/reportExport';

interface Props {
  context: ExportContext;
  onSaved?: (parts: readonly WorkPart[]) => void; // what is now kept elsewhere: the copy holds the text, a file the measurements too
}

export function ReportActions({ context, onSaved }: Props) {
  const [copyState, setCopyState] = useState<string>('');
  const saved = (): void => onSaved?.(['edits', 'measurements']);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(reportAsText(context.report));
      setCopyState('Copied to the clipboard.');
      onSaved?.(['edits']);
    } catch (err) {
      setCopyState(`Could not copy (${(err as Error).message}); select the text and copy it by hand.`);
    }
  };

  return (
    <div className="report-actions">
      <button type="button" className="button" onClick={() => void copy()}>
        Copy report
      </button>
      <button
        type="button"
        className="button secondary"
        onClick={() => {
          downloadReportText(context);
          saved();
        }}
      >
        Download .txt
      </button>
      <button
        type="button"
        className="button secondary"
        onClick={() => {
          downloadBlob(`${reportFileStem(context.timestamp)}.json`, new Blob([reportJsonFile(context)], { type: 'application/json' }));
          saved();
        }}
      >
        Download .json
      </button>
      <span className="copy-state" role="status">
        {copyState}
      </span>
    </div>
  );
}
