// Which backend runs the model and why, a switch to the other one (re-loads the model on it, and sets
// ?device= so a reload keeps the choice), and the timings of the model load and of the last draft.
import type { DeviceRequest, LoadInfo, ReportResult } from '../../engine/types';
import type { BackendChoice } from '../../engine/webgpuProbe';
import { formatBytes, formatMs } from '../lib/format';

interface Props {
  info: LoadInfo | null;
  probe: BackendChoice | null;
  device: DeviceRequest;
  result: ReportResult | null;
  busy: boolean;
  onSwitch: (device: DeviceRequest) => void;
}

export function BackendPanel({ info, probe, device, result, busy, onSwitch }: Props) {
  const current = info?.backend ?? (device === 'auto' ? probe?.backend : device);
  const other: DeviceRequest = current === 'webgpu' ? 'wasm' : 'webgpu';
  return (
    <div className="backend-panel" data-testid="backend-panel">
      <p>
        <strong>{current ? current.toUpperCase() : '…'}</strong>
        {info ? ` — ${info.backendReason}` : device !== 'auto' ? ` — chosen with ?device=${device}` : probe ? ` — ${probe.reason}` : ''}
      </p>
      <dl className="facts">
        {info ? (
          <>
            <dt>Model</dt>
            <dd>
              {info.modelId} {info.modelVersion} ({info.precision})
            </dd>
            <dt>Load</dt>
            <dd>
              {formatMs(info.sessionMs)}, {formatBytes(info.downloadBytes)} downloaded
            </dd>
          </>
        ) : null}
        {result ? (
          <>
            <dt>Last draft</dt>
            <dd data-testid="timings">
              encode {formatMs(result.timings.encode_ms)}, decode {formatMs(result.timings.decode_ms)}, total {formatMs(result.timings.total_ms)} on{' '}
              {result.backend.toUpperCase()}
            </dd>
          </>
        ) : null}
      </dl>
      {info ? (
        <div className="model-note" data-testid="model-about">
          <p>Intended use: {info.intendedUse}.</p>
          <p>Data and licences: {info.licence}</p>
        </div>
      ) : null}
      <div className="row">
        <button type="button" className="button secondary" disabled={busy} onClick={() => onSwitch(other)}>
          Switch to {other === 'wasm' ? 'WASM (CPU)' : 'WebGPU'}
        </button>
        {device !== 'auto' ? (
          <button type="button" className="button secondary" disabled={busy} onClick={() => onSwitch('auto')}>
            Choose automatically
          </button>
        ) : null}
      </div>
    </div>
  );
}
