// The report text the radiologist edits: starts as each new draft, keeps edits until the next draft.
import { useCallback, useEffect, useState } from 'react';
import type { ReportResult } from '../../engine/types';
import type { EditedReport } from '../lib/reportExport';

export interface UseEditableReport {
  report: EditedReport;
  edited: boolean;
  setSection: (section: keyof EditedReport, text: string) => void;
  reset: () => void;
}

export function useEditableReport(result: ReportResult | null): UseEditableReport {
  const [report, setReport] = useState<EditedReport>({ findings: '', impression: '' });
  const draft = result?.report;

  useEffect(() => {
    setReport({ findings: draft?.findings ?? '', impression: draft?.impression ?? '' });
  }, [draft]);

  const setSection = useCallback((section: keyof EditedReport, text: string) => setReport((r) => ({ ...r, [section]: text })), []);
  const reset = useCallback(() => setReport({ findings: draft?.findings ?? '', impression: draft?.impression ?? '' }), [draft]);
  const edited = !!draft && (report.findings !== draft.findings || report.impression !== draft.impression);
  return { report, edited, setSection, reset };
}
