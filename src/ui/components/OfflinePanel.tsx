// The offline copy: whether the page and the model work with no network, what is cached and how big,
// and a button that removes it.
import type { OfflineState } from '../hooks/useOfflineCache';
import { formatBytes } from '../lib/format';

interface Props {
  offline: OfflineState;
  onClear: () => void;
}

const PHASE_TEXT: Record<OfflineState['phase'], string> = {
  unsupported: 'This browser cannot keep an offline copy (no service workers).',
  dev: 'The development server makes no offline copy; build the app (npm start) for that.',
  installing: 'Saving the app for offline use…',
  caching: 'Saving the model for offline use…',
  ready: 'Ready offline: the page and the model work with the network off.',
  partial: 'Not yet available offline: the model is saved once it has loaded.',
  cleared: 'The offline copy was removed. Reload the page to save it again.',
  error: 'The offline copy could not be completed.',
};

export function OfflinePanel({ offline, onClear }: Props) {
  const s = offline.status;
  return (
    <div className="offline-panel" data-testid="offline-panel">
      <p data-testid="offline-status" data-phase={offline.phase} role="status">
        {PHASE_TEXT[offline.phase]}
      </p>
      {offline.error ? <p className="hint">{offline.error}</p> : null}
      {s ? (
        <dl className="facts">
          <dt>App</dt>
          <dd>
            {s.shell.files} files, {formatBytes(s.shell.bytes)}
            {s.shell.complete ? '' : ' (incomplete)'}
          </dd>
          <dt>Model</dt>
          <dd>
            {s.model.id ? `${s.model.id}: ` : ''}
            {s.model.files} files, {formatBytes(s.model.bytes)}
            {s.model.complete ? '' : ' (incomplete)'}
          </dd>
        </dl>
      ) : null}
      {s ? (
        <button type="button" className="button secondary" onClick={onClear}>
          Clear offline copy
        </button>
      ) : null}
    </div>
  );
}
