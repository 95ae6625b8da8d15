// Stages as data, rendered: model download (bytes, percent), compile/warm-up, then per run encode, decode
// (tokens so far) and re-rank; the active stage has a progress bar; a running draft can be cancelled.
import type { Stage } from '../../engine/types';
import { formatBytes, formatPercent } from '../lib/format';
import { STAGE_LABELS, type ProgressState, type StageState } from '../lib/progress';

interface Props {
  title: string;
  stages: Stage[];
  progress: ProgressState;
  onCancel?: () => void;
  testId: string;
}

function detail(stage: Stage, s: StageState): string {
  if (s.loaded === undefined) return s.message ?? '';
  if (stage === 'download') {
    const pct = formatPercent(s.loaded, s.total);
    return `${formatBytes(s.loaded)}${s.total ? ` of ${formatBytes(s.total)}` : ''}${pct ? ` (${pct})` : ''}`;
  }
  if (stage === 'decode') return `${s.loaded} words so far`;
  return s.total ? `${s.loaded} of ${s.total}` : String(s.loaded);
}

export function ProgressPanel({ title, stages, progress, onCancel, testId }: Props) {
  const active = stages.find((s) => progress.stages[s].status === 'active');
  return (
    <div className="progress-panel" data-testid={testId} aria-busy={active !== undefined}>
      <div className="progress-head">
        <h2>{title}</h2>
        {onCancel ? (
          <button type="button" className="button secondary small" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <ol className="stages">
        {stages.map((stage) => {
          const s = progress.stages[stage];
          return (
            <li key={stage} className={`stage ${s.status}`} data-stage={stage} data-status={s.status}>
              <span className="stage-mark" aria-hidden="true">
                {s.status === 'done' ? '✓' : s.status === 'active' ? '•' : '○'}
              </span>
              <span className="stage-label">{STAGE_LABELS[stage]}</span>
              <span className="stage-detail">{detail(stage, s)}</span>
              {s.status === 'active' && s.total ? (
                <progress max={s.total} value={Math.min(s.loaded ?? 0, s.total)} aria-label={`${STAGE_LABELS[stage]} progress`} />
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
