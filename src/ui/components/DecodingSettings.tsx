// The knobs of the self-refinement a person may turn: beam width (how many candidates), diverse groups and their
// penalty (how differently the groups are pushed to word the report), sampled alternatives and their temperature (other
// readings drawn from the model's own distribution, so they differ in findings where the model is unsure), β (how
// much the image–text similarity counts when choosing), γ (how much the candidates' agreement on findings counts) and τ
// (the share of the draws a finding needs to enter the draft; 0 turns the finding votes off), and, for a model with
// the subtype gate, whether the draft may name a pneumonia subtype the image does not back and whether it names the one
// the image backs where the language model wrote none, and for one with the side gate, whether it may name a side the
// model does not read;
// "Re-run" drafts again with them. Groups divide the beam width.
import type { RefinementSettings } from '../lib/refinementSettings';
import { GateToggle } from './GateToggle';
import { NumberField } from './NumberField';
import {
  BEAM_MAX,
  BEAM_MIN,
  BETA_MAX,
  CONSENSUS_MAX,
  PENALTY_MAX,
  SAMPLES_MAX,
  TEMPERATURE_MAX,
  VOTE_THRESHOLD_MAX,
  groupChoices,
  withBeam,
} from '../lib/refinementSettings';

interface Props {
  value: RefinementSettings;
  onChange: (v: RefinementSettings) => void;
  onRerun: () => void;
  canRun: boolean;
}

/** The gates a model may have (absent from the settings when it has not): what each checkbox says and does. */
const GATES: { key: 'subtype_gate' | 'subtype_name' | 'side_gate'; label: string; title: string; testId: string; needs?: 'subtype_gate' }[] = [
  {
    key: 'subtype_gate',
    label: 'Pneumonia type only when the image backs it',
    title: 'The image probe reads bacterial or viral; the draft names a subtype only when the probe is sure of it (off: the language model alone decides)',
    testId: 'subtype-gate-input',
  },
  {
    key: 'subtype_name',
    label: 'Name the type the image backs',
    title: 'Where the probe is sure of the type and the draft calls it pneumonia without one, the draft names it (off: only the language model names a type)',
    testId: 'subtype-name-input',
    needs: 'subtype_gate',
  },
  {
    key: 'side_gate',
    label: 'Side only where the model reads it',
    title:
      "Leave out the side of the findings this model's drafts put on the wrong side too often on validation films (npm run side-gate); off: the language model's side stays",
    testId: 'side-gate-input',
  },
];

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
        <NumberField
          value={value.diversity_penalty}
          max={PENALTY_MAX}
          step={0.5}
          disabled={value.groups === 1}
          testId="penalty-input"
          onValue={(v) => onChange({ ...value, diversity_penalty: v })}
        />
      </label>
      <label title="Other readings drawn from the model's own distribution: they differ in findings where the model is unsure">
        Sampled alternatives
        <NumberField value={value.samples} max={SAMPLES_MAX} step={1} testId="samples-input" onValue={(v) => onChange({ ...value, samples: Math.round(v) })} />
      </label>
      <label title="1 = the model's own distribution; lower stays closer to its best reading, higher wanders further">
        Temperature
        <NumberField
          value={value.temperature}
          max={TEMPERATURE_MAX}
          step={0.1}
          disabled={value.samples === 0}
          testId="temperature-input"
          onValue={(v) => onChange({ ...value, temperature: Math.max(0.1, v) })}
        />
      </label>
      <label>
        β (similarity weight)
        <NumberField value={value.beta} max={BETA_MAX} step={0.1} testId="beta-input" onValue={(v) => onChange({ ...value, beta: v })} />
      </label>
      <label title="How much it counts that the other candidates assert the same findings: a finding only one reading asserts needs a clearly better language-model score">
        γ (agreement weight)
        <NumberField value={value.consensus} max={CONSENSUS_MAX} step={0.1} testId="consensus-input" onValue={(v) => onChange({ ...value, consensus: v })} />
      </label>
      <label title="Finding votes: a finding enters the draft when more than this share of the draws asserts it, unless the image–text similarity pays for it (0 = off)">
        τ (vote threshold)
        <NumberField
          value={value.vote_threshold}
          max={VOTE_THRESHOLD_MAX}
          step={0.05}
          testId="vote-threshold-input"
          onValue={(v) => onChange({ ...value, vote_threshold: v })}
        />
      </label>
      {value.reader_weight !== undefined && (
        <label title="The finding reader's share of each finding's vote: 0 = the draws alone, 1 = the reader alone (a second reading of the film; used only with finding votes, τ above 0)">
          w (finding reader weight)
          <NumberField value={value.reader_weight} max={1} step={0.05} testId="reader-weight-input" onValue={(v) => onChange({ ...value, reader_weight: v })} />
        </label>
      )}
      {GATES.map((g) => {
        const on = value[g.key];
        return on === undefined ? null : (
          <GateToggle
            key={g.key}
            label={g.label}
            title={g.title}
            value={on}
            testId={g.testId}
            disabled={g.needs !== undefined && value[g.needs] !== 1}
            onValue={(v) => onChange({ ...value, [g.key]: v })}
          />
        );
      })}
      <button type="submit" className="button" disabled={!canRun}>
        Re-run
      </button>
    </form>
  );
}
