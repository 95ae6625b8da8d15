// The banner that says a newer app build or model is ready and that a reload uses it.
import type { UpdateState } from '../hooks/useUpdates';

export function UpdateNotice({ updates }: { updates: UpdateState }) {
  if (!updates.app && !updates.model) return null;
  const what =
    updates.app && updates.model
      ? `A newer version of the app and a newer model (${updates.model}) are available.`
      : updates.app
        ? 'A newer version of the app has been installed.'
        : `A newer model is available (${updates.model}).`;
  return (
    <div className="update-notice" role="status" data-testid="update-notice">
      <span>{what} Reload the page to use it; the old copy is then deleted.</span>
      <button type="button" className="button" onClick={() => location.reload()}>
        Reload now
      </button>
    </div>
  );
}
