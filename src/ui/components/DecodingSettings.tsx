// The knobs of the self-refinement a person may turn: beam width (how many candidates), diverse groups and their
// penalty (how differently the candidates are pushed to read the image), and β (how much the image–text similarity
// counts when choosing); "Re-run" drafts again with them. Groups always divide the beam width.
import type { RefinementSettings } from '../lib/refinementSettings';
import { BEAM_MAX, BEAM_MIN, BETA_MAX, PENALTY_MAX, groupChoices, withBeam } from '../lib/refinementSettings';

interface Props {
  value: RefinementSettings;
  onChange: (v: RefinementSettings) => void;
  onRerun: () => void;
  canRun: boolean;
}

function clampNumber(text: string, max: number): number | null {
  const v = Number(text);
  return Number.isFinite(v) ? Math.min(max, Math.max(0, v)) : null;
}

export function DecodingSettings({ value, onChange, onRerun, canRun }: Props) {
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
        <input
          type="range"
          min={BEAM_MIN}
          max={BEAM_MAX}
          step={1}
          value={value.beam}
          onChange={(e) => onChange(withBeam(value, Number(e.currentTarget.value)))}
          data-testid="beam-input"
        />
        <output>{value.beam}</output>
      </label>
      <label>
        Diverse groups
        <select value={value.groups} onChange={(e) => onChange({ ...value, groups: Number(e.currentTarget.value) })} data-testid="groups-input">
          {groupChoices(value.beam).map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
        </select>
      </label>
      <label>
        Diversity penalty
        <input
          type="number"
          min={0}
          max={PENALTY_MAX}
          step={0.5}
          value={value.diversity_penalty}
          disabled={value.groups === 1}
          onChange={(e) => {
            const v = clampNumber(e.currentTarget.value, PENALTY_MAX);
            if (v !== null) onChange({ ...value, diversity_penalty: v });
          }}
          data-testid="penalty-input"
        />
      </label>
      <label>
        β (similarity weight)
        <input
          type="number"
          min={0}
          max={BETA_MAX}
          step={0.1}
          value={value.beta}
          onChange={(e) => {
            const v = clampNumber(e.currentTarget.value, BETA_MAX);
            if (v !== null) onChange({ ...value, beta: v });
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
