// The offline copy: whether the page and the model work with no network, what is kept and how big, whether
// the browser keeps it (persistent storage) and what to do if not, the space used, a check for newer
// versions, and a button that removes it all.
import { RUNTIME_NAME, type OfflineState } from '../hooks/useOfflineCache';
import type { UpdateState } from '../hooks/useUpdates';
import { formatBytes } from '../lib/format';

interface Props {
  offline: OfflineState;
  updates: UpdateState;
  onCheck: () => void;
  onClear: () => void;
}

const PHASE_TEXT: Record<OfflineState['phase'], string> = {
  unsupported: 'This browser cannot keep an offline copy (no service workers).',
  refused: 'No offline copy: this browser refused the page’s service worker. Drafts still work while the page is online.',
  bypassed: 'This load does not use the offline copy. Drafts work as usual.',
  dev: 'The development server makes no offline copy; build the app (npm start) for that.',
  installing: 'Saving the app for offline use…',
  caching: 'Saving the model for offline use…',
  ready: 'Ready offline: the page and the model work with the network off.',
  partial: 'Not yet available offline: the model is saved once it has loaded.',
  cleared: 'The offline copy was removed. Reload the page to save it again.',
  error: 'The offline copy could not be completed.',
};

function KeptText({ offline }: { offline: OfflineState }) {
  const keep = offline.keep;
  if (offline.phase !== 'ready' || !keep || keep.persisted === null) return null;
  return keep.persisted ? (
    <p data-testid="storage-kept" data-persisted="true">
      <strong>Kept on this laptop:</strong> the browser will not clear the offline copy to free space.
    </p>
  ) : (
    <p data-testid="storage-kept" data-persisted="false">
      <strong>The browser may clear it</strong> when the disk runs short, and the page would then need the network again. To keep it, install the app (the
      install icon in the address bar, or the menu's “Install Serpent”) or bookmark this page, then reload it.
    </p>
  );
}

export function OfflinePanel({ offline, updates, onCheck, onClear }: Props) {
  const s = offline.status;
  const keep = offline.keep;
  return (
    <div className="offline-panel" data-testid="offline-panel">
      <p data-testid="offline-status" data-phase={offline.phase} role="status">
        {offline.phase === 'partial' && offline.error ? 'Not yet available offline.' : PHASE_TEXT[offline.phase]}
      </p>
      {offline.error ? <p className="hint">{offline.error}</p> : null}
      <KeptText offline={offline} />
      {s ? (
        <dl className="facts">
          <dt>App</dt>
          <dd>
            {s.shell.files} files, {formatBytes(s.shell.bytes)}
            {s.shell.runtimes.length ? ` (ONNX Runtime: ${s.shell.runtimes.map((r) => RUNTIME_NAME[r] ?? r).join(' and ')} build)` : ''}
            {s.shell.complete ? '' : ' (incomplete)'}
          </dd>
          <dt>Model</dt>
          <dd>
            {s.model.id ? `${s.model.id}: ` : ''}
            {s.model.files} files, {formatBytes(s.model.bytes)}
            {s.model.complete ? '' : ' (incomplete)'}
            {s.model.removed ? ` (${s.model.removed} files of an older version deleted)` : ''}
          </dd>
          {keep?.usage != null ? (
            <>
              <dt>Space used</dt>
              <dd data-testid="storage-used">
                {formatBytes(keep.usage)}
                {keep.quota ? ` of ${formatBytes(keep.quota)} this browser allows the site` : ''}
              </dd>
            </>
          ) : null}
        </dl>
      ) : null}
      {updates.checked ? <p data-testid="update-check">{updates.checked}</p> : null}
      <div className="row">
        {s ? (
          <button type="button" className="button secondary" onClick={onCheck} disabled={updates.checking}>
            Check for updates
          </button>
        ) : null}
        {s ? (
          <button type="button" className="button secondary" onClick={onClear}>
            Clear offline copy
          </button>
        ) : null}
      </div>
    </div>
  );
}
