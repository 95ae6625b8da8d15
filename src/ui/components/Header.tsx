// The top bar: product name, the backend in use (and why), whether the page works offline, and the colour theme.
import type { BackendChoice } from '../../engine/webgpuProbe';
import type { LoadInfo } from '../../engine/types';
import type { OfflinePhase } from '../hooks/useOfflineCache';
import { ThemeSelect } from './ThemeSelect';

interface Props {
  probe: BackendChoice | null;
  info: LoadInfo | null;
  offline: OfflinePhase;
}

const OFFLINE_LABEL: Record<OfflinePhase, string> = {
  unsupported: 'No offline copy (this browser has no service workers)',
  refused: 'No offline copy (service workers refused)',
  bypassed: 'Offline copy bypassed by a hard reload',
  dev: 'Offline copy: built app only',
  installing: 'Preparing offline copy…',
  caching: 'Saving model for offline use…',
  ready: 'Ready offline',
  partial: 'Not yet available offline',
  cleared: 'Offline copy cleared',
  error: 'Offline copy failed',
};

export function Header({ probe, info, offline }: Props) {
  const backend = info
    ? `Backend: ${info.backend.toUpperCase()} — ${info.backendReason}`
    : probe
      ? `Backend: ${probe.backend.toUpperCase()} — ${probe.reason}`
      : 'Checking for WebGPU…';
  return (
    <header className="topbar">
      <div className="brand">
        <h1>Serpent</h1>
        <span className="tagline">Chest X-ray report drafts, computed on this machine</span>
      </div>
      <div className="chips">
        <p className="chip" role="status" data-testid="backend" title={backend}>
          {backend}
        </p>
        <p className={`chip offline-chip offline-${offline}`} data-testid="offline-chip">
          {OFFLINE_LABEL[offline]}
        </p>
        <ThemeSelect />
      </div>
    </header>
  );
}
