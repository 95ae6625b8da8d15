// Which backend runs the model and why, a switch to the other one (re-loads the model on it, and sets
// ?device= so a reload keeps the choice), how decoder steps run (replayed from a captured graph on WebGPU), the
// decoder step measured on each backend when the choice was 'auto', and the timings of the model load and last draft.
import type { DeviceRequest, LoadInfo, ReportResult } from '../../engine/types';
import type { BackendChoice } from '../../engine/webgpuProbe';
import { formatLoadSource, formatMs, modelLabel } from '../lib/format';

interface Props {
  info: LoadInfo | null;
  probe: BackendChoice | null;
  device: DeviceRequest;
  result: ReportResult | null;
  busy: boolean;
  onSwitch: (device: DeviceRequest) => void;
  onRemeasure: () => void;
}

const stepMs = (ms: number | undefined): string => (ms === undefined ? 'not measured' : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms/step`);

function decoderSteps(info: LoadInfo): string {
  if (!info.staticDecoder) return 'one kernel at a time, the cache growing with the report';
  return info.backend === 'webgpu' ? 'replayed from a recorded graph: one GPU submission per step, on a cache of fixed size' : 'on a cache of fixed size';
}

export function BackendPanel({ info, probe, device, result, busy, onSwitch, onRemeasure }: Props) {
  const timings = info?.backendTimings;
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
            <dd>{modelLabel(info)}</dd>
            <dt>Load</dt>
            <dd>
              {formatMs(info.sessionMs)}, {formatLoadSource(info.downloadBytes, info.keptBytes)}
            </dd>
            <dt>Decoder steps</dt>
            <dd data-testid="decoder-steps">{decoderSteps(info)}</dd>
          </>
        ) : null}
        {timings ? (
          <>
            <dt>Decoder step</dt>
            <dd data-testid="backend-timings">
              WebGPU {stepMs(timings.msPerStep.webgpu)}, WASM {stepMs(timings.msPerStep.wasm)} ({timings.rows} beams; measured {timings.measuredAt.slice(0, 10)}
              ) → {timings.chosen === 'webgpu' ? 'WebGPU' : 'WASM'}
            </dd>
          </>
        ) : null}
        {result ? (
          <>
            <dt>Last draft</dt>
            <dd data-testid="timings">
              encode {formatMs(result.timings.encode_ms)}, decode {formatMs(result.timings.decode_ms)}
              {` (of which the decoder's own calls ${formatMs(result.timings.decoder.run_ms)})`}, total {formatMs(result.timings.total_ms)} on{' '}
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
        {timings ? (
          <button type="button" className="button secondary" disabled={busy} onClick={onRemeasure}>
            Measure both backends again
          </button>
        ) : null}
        {device !== 'auto' ? (
          <button type="button" className="button secondary" disabled={busy} onClick={() => onSwitch('auto')}>
            Choose automatically
          </button>
        ) : null}
      </div>
    </div>
  );
}
