// The page shell: header with the backend the engine chose and the clinical-use notice.
import { useEffect, useState } from 'react';
import { deviceOverrideFromUrl, probeWebGpu, type BackendChoice } from '../engine/webgpuProbe';

export function App() {
  const [choice, setChoice] = useState<BackendChoice | null>(null);
  useEffect(() => {
    const forced = deviceOverrideFromUrl(location.search);
    if (forced) setChoice({ backend: forced, reason: 'chosen with ?device=' + forced });
    else void probeWebGpu().then(setChoice);
  }, []);
  return (
    <div className="app">
      <header>
        <h1>Serpent</h1>
        <p role="status" data-testid="backend">
          {choice ? `Backend: ${choice.backend.toUpperCase()} — ${choice.reason}` : 'Checking for WebGPU…'}
        </p>
      </header>
      <p className="notice">Drafts come from an open-data demo model. Not for clinical use.</p>
    </div>
  );
}
