// One on/off gate of the draft (the pneumonia-subtype gate, the side gate) as a labelled checkbox; the settings keep
// gates as 1 (on) or 0 (off), as the manifest's decoding defaults do.
interface Props {
  label: string;
  title: string; // what the gate does, and what turning it off means
  value: number; // 1 = on
  testId: string;
  disabled?: boolean; // a gate that works only with another gate on
  onValue: (v: 0 | 1) => void;
}

export function GateToggle({ label, title, value, testId, disabled = false, onValue }: Props) {
  return (
    <label title={title}>
      <input type="checkbox" checked={value === 1} disabled={disabled} data-testid={testId} onChange={(e) => onValue(e.target.checked ? 1 : 0)} />
      {label}
    </label>
  );
}
