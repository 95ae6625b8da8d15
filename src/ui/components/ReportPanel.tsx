// The report region (a landmark named "Report"): warnings, the draft streaming in while it is written, then
// FINDINGS and IMPRESSION either as grounded words or as editable text, the findings the refinement left out that
// deserve a second look, the sentences that rule out what the model cannot read, and the export actions. When the out-of-distribution detector fired, the draft is withheld
// until the person asks to see it.
import { useState } from 'react';
import type { UseEditableReport } from '../hooks/useEditableReport';
import type { Study } from '../hooks/useStudy';
import type { ExportContext } from '../lib/reportExport';
import type { ReportSegments } from '../lib/reportSegments';
import type { SecondLook as SecondLookRule } from '../../engine/manifest';
import { GroundedReport } from './GroundedReport';
import { ErrorMessage } from './ErrorMessage';
import type { ImageFixAction } from './FixActions';
import type { WorkPart } from '../lib/unsavedWork';
import { ReportActions } from './ReportActions';
import { SecondLook } from './SecondLook';
import { UnassessedNote } from './UnassessedNote';
import { unassessedBySentence } from '../lib/unassessedText';
import { WarningBanner } from './WarningBanner';
import { WithheldDraft } from './WithheldDraft';

interface Props {
  study: Study; // phase, draft, streaming text, why withheld, placeholder, retry / reveal, the focused word
  segments: ReportSegments | null; // the draft's words and sentences
  warnings: string[];
  editable: UseEditableReport;
  exportContext: ExportContext | null;
  inputError?: string | null; // the dropped file could not be read: this takes the report's place
  secondLook?: SecondLookRule; // the model's rule for flagging findings the refinement left out
  onSaved?: (parts: readonly WorkPart[]) => void; // the report was copied (its text) or downloaded (with the measurements)
  fixes?: readonly ImageFixAction[]; // the images set right by a turn, an inversion or a flip, and drafted again
  viewActions?: readonly ImageFixAction[]; // draft from another frontal film instead, under the note that says why
}

export function ReportPanel(p: Props) {
  const [mode, setMode] = useState<'grounded' | 'edit'>('grounded');
  const { study } = p;
  const running = study.phase === 'drafting';
  const viewsNote = study.result?.viewsNote ?? null;
  const unreliable = p.warnings.length > 0;
  return (
    <section aria-label="Report" className={`report${unreliable ? ' unreliable' : ''}`} data-testid="report" aria-busy={running}>
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
        {study.phase === 'draft' ? (
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
      <WarningBanner warnings={p.warnings} fixes={study.phase === 'withheld' ? [] : p.fixes} />
      {viewsNote && !running ? (
        <p className="hint views-note" data-testid="views-note">
          {viewsNote}
        </p>
      ) : null}
      {viewsNote && !running && p.viewActions?.length ? (
        <p className="fix-actions">
          {p.viewActions.map((a) => (
            <button key={a.label} type="button" className="button secondary small" data-testid="draft-other-view" onClick={a.apply}>
              {a.label}
            </button>
          ))}
        </p>
      ) : null}
      {p.inputError ? (
        <ErrorMessage message={p.inputError} title="This file cannot be read, so there is no draft." testId="input-error" />
      ) : running ? (
        <div className="streaming" data-testid="streaming-draft">
          <p className="report-text">
            {study.notFrontalChest ? 'This study is not a frontal chest radiograph; its draft will be withheld.' : study.partial || 'Reading the image…'}
            <span className="caret" aria-hidden="true" />
          </p>
        </div>
      ) : study.phase === 'withheld' ? (
        <WithheldDraft onShow={study.reveal} reason={study.withheldReason ?? undefined} fixes={p.fixes} />
      ) : study.phase === 'draft' && p.segments ? (
        mode === 'grounded' ? (
          <>
            {p.editable.edited ? <p className="hint">You edited the text; the grounding shows the original draft.</p> : null}
            <GroundedReport
              segments={p.segments}
              pinned={study.focus.pinned}
              onHover={study.focus.onHover}
              onPin={study.focus.onPin}
              notRead={unassessedBySentence(study.result?.unassessed)}
            />
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
            {study.placeholder}
          </p>
          {study.retry ? (
            <button type="button" className="button" onClick={study.retry}>
              Draft again
            </button>
          ) : null}
        </div>
      )}
      {study.phase === 'draft' ? <UnassessedNote unassessed={study.result?.unassessed} /> : null}
      {study.phase === 'draft' && study.result && p.secondLook ? (
        <SecondLook result={study.result} rule={p.secondLook} pinned={study.focus.pinned} onHover={study.focus.onHover} onPin={study.focus.onPin} />
      ) : null}
      {p.exportContext && study.phase === 'draft' ? <ReportActions context={p.exportContext} onSaved={p.onSaved} /> : null}
    </section>
  );
}
