// The two knobs of the self-refinement pass a person may turn: beam width (how many candidates) and β
// (how much the image–text similarity counts); "Re-run" drafts again with them.
interface Props {
  beam: number;
  beta: number;
  onBeam: (v: number) => void;
  onBeta: (v: number) => void;
  onRerun: () => void;
  canRun: boolean;
}

export const BEAM_MIN = 1;
export const BEAM_MAX = 8;
export const BETA_MAX = 10;

export function DecodingSettings({ beam, beta, onBeam, onBeta, onRerun, canRun }: Props) {
  return (
    <form
      className="decoding-settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (canRun) onRerun();
      }}
    >
      <label>
        Beam width
        <input type="range" min={BEAM_MIN} max={BEAM_MAX} step={1} value={beam} onChange={(e) => onBeam(Number(e.currentTarget.value))} data-testid="beam-input" />
        <output>{beam}</output>
      </label>
      <label>
        β (similarity weight)
        <input
          type="number"
          min={0}
          max={BETA_MAX}
          step={0.1}
          value={beta}
          onChange={(e) => {
            const v = Number(e.currentTarget.value);
            if (Number.isFinite(v)) onBeta(Math.min(BETA_MAX, Math.max(0, v)));
          }}
          data-testid="beta-input"
        />
      </label>
      <button type="submit" className="button" disabled={!canRun}>
        Re-run
      </button>
    </form>
  );
}
