// The report region (a landmark named "Report"): warnings, the draft streaming in while it is written,
// then FINDINGS and IMPRESSION either as grounded words or as editable text, and the export actions. When the
// out-of-distribution detector fired, the draft is withheld until the person asks to see it.
import { useState } from 'react';
import type { ReportResult } from '../../engine/types';
import type { UseEditableReport } from '../hooks/useEditableReport';
import type { ExportContext } from '../lib/reportExport';
import type { ReportSegments } from '../lib/reportSegments';
import { GroundedReport, type MapFocus } from './GroundedReport';
import { ErrorMessage } from './ErrorMessage';
import { ReportActions } from './ReportActions';
import { WarningBanner } from './WarningBanner';
import { WithheldDraft } from './WithheldDraft';

interface Props {
  result: ReportResult | null;
  segments: ReportSegments | null;
  running: boolean;
  partial: string;
  notFrontalChest: boolean; // while running: the detector fired, so the streaming draft is not shown
  warnings: string[];
  editable: UseEditableReport;
  exportContext: ExportContext | null;
  pinned: MapFocus | null;
  onHover: (f: MapFocus | null) => void;
  onPin: (f: MapFocus | null) => void;
  placeholder: string;
  onRetry?: () => void; // offered after a cancelled or failed draft
  withheld: boolean; // the OOD detector fired (or the tags say not a chest film) and the person has not asked to see the draft
  withheldReason?: string | null; // why, when it is not the detector
  onReveal: () => void;
  inputError?: string | null; // the dropped file could not be read: this takes the report's place
  viewsNote?: string | null; // how the study's views were used (a lateral left out of the draft …)
}

export function ReportPanel(p: Props) {
  const [mode, setMode] = useState<'grounded' | 'edit'>('grounded');
  const unreliable = p.warnings.length > 0;
  return (
    <section aria-label="Report" className={`report${unreliable ? ' unreliable' : ''}`} data-testid="report" aria-busy={p.running}>
      <div className="report-head">
        <h2>
          Draft report
          {unreliable ? (
            <span className="badge danger" data-testid="unreliable-badge">
              Unreliable
            </span>
          ) : null}
          {p.editable.edited ? <span className="badge">Edited</span> : null}
        </h2>
        {p.result && !p.running && !p.withheld ? (
          <div className="mode-toggle" role="group" aria-label="Report view">
            <button type="button" aria-pressed={mode === 'grounded'} onClick={() => setMode('grounded')}>
              Grounding
            </button>
            <button type="button" aria-pressed={mode === 'edit'} onClick={() => setMode('edit')}>
              Edit text
            </button>
          </div>
        ) : null}
      </div>
      <WarningBanner warnings={p.warnings} />
      {p.viewsNote && !p.running ? (
        <p className="hint views-note" data-testid="views-note">
          {p.viewsNote}
        </p>
      ) : null}
      {p.inputError ? (
        <ErrorMessage message={p.inputError} title="This file cannot be read, so there is no draft." testId="input-error" />
      ) : p.running ? (
        <div className="streaming" data-testid="streaming-draft">
          <p className="report-text">
            {p.notFrontalChest ? 'This study is not a frontal chest radiograph; its draft will be withheld.' : p.partial || 'Reading the image…'}
            <span className="caret" aria-hidden="true" />
          </p>
        </div>
      ) : p.result && p.withheld ? (
        <WithheldDraft onShow={p.onReveal} reason={p.withheldReason ?? undefined} />
      ) : p.result && p.segments ? (
        mode === 'grounded' ? (
          <>
            {p.editable.edited ? <p className="hint">You edited the text; the grounding shows the original draft.</p> : null}
            <GroundedReport segments={p.segments} pinned={p.pinned} onHover={p.onHover} onPin={p.onPin} />
          </>
        ) : (
          <div className="edit-report">
            <label htmlFor="findings-text">Findings</label>
            <textarea
              id="findings-text"
              data-testid="findings-text"
              rows={6}
              value={p.editable.report.findings}
              onChange={(e) => p.editable.setSection('findings', e.currentTarget.value)}
            />
            <label htmlFor="impression-text">Impression</label>
            <textarea
              id="impression-text"
              data-testid="impression-text"
              rows={3}
              value={p.editable.report.impression}
              onChange={(e) => p.editable.setSection('impression', e.currentTarget.value)}
            />
            <button type="button" className="button secondary small" onClick={p.editable.reset} disabled={!p.editable.edited}>
              Undo my edits
            </button>
          </div>
        )
      ) : (
        <div className="placeholder-row">
          <p className="placeholder" data-testid="report-placeholder">
            {p.placeholder}
          </p>
          {p.onRetry ? (
            <button type="button" className="button" onClick={p.onRetry}>
              Draft again
            </button>
          ) : null}
        </div>
      )}
      {p.exportContext && !p.running && !p.withheld ? <ReportActions context={p.exportContext} /> : null}
    </section>
  );
}
