// A number input bounded to [0, max] for the page's settings forms.
/** A number input from 0 to max: a value outside is clamped, text that is not a number is ignored. */
export function NumberField(props: { value: number; max: number; step: number; disabled?: boolean; testId: string; onValue: (v: number) => void }) {
  return (
    <input
      type="number"
      min={0}
      max={props.max}
      step={props.step}
      value={props.value}
      disabled={props.disabled}
      onChange={(e) => {
        const v = Number(e.currentTarget.value);
        if (Number.isFinite(v)) props.onValue(Math.min(props.max, Math.max(0, v)));
      }}
      data-testid={props.testId}
    />
  );
}
