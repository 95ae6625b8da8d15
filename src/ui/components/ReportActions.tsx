// Copy the (edited) report to the clipboard, or download it as .txt or .json (with model, settings,
// candidates and scores, and the time it was drafted).
import { useState } from 'react';
import { downloadBlob } from '../lib/download';
import { reportAsText, reportFileStem, reportJsonFile, reportTextFile, type ExportContext } from '../lib/reportExport';

interface Props {
  context: ExportContext;
}

const download = (name: string, text: string, type: string): void => downloadBlob(name, new Blob([text], { type }));

export function ReportActions({ context }: Props) {
  const [copyState, setCopyState] = useState<string>('');
  const stem = reportFileStem(context.timestamp);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(reportAsText(context.report));
      setCopyState('Copied to the clipboard.');
    } catch (err) {
      setCopyState(`Could not copy (${(err as Error).message}); select the text and copy it by hand.`);
    }
  };

  return (
    <div className="report-actions">
      <button type="button" className="button" onClick={() => void copy()}>
        Copy report
      </button>
      <button type="button" className="button secondary" onClick={() => download(`${stem}.txt`, reportTextFile(context), 'text/plain')}>
        Download .txt
      </button>
      <button type="button" className="button secondary" onClick={() => download(`${stem}.json`, reportJsonFile(context), 'application/json')}>
        Download .json
      </button>
      <span className="copy-state" role="status">
        {copyState}
      </span>
    </div>
  );
}
