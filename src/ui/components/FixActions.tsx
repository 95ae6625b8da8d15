// The buttons that set an image right and draft it again (a turn, an inversion, a flip), under the words that say why:
// in the withheld draft's box, or under the warnings of a shown draft.
export interface ImageFixAction {
  label: string; // e.g. "Flip it left to right and draft again"
  apply: () => void;
}

export function FixActions({ fixes }: { fixes: readonly ImageFixAction[] }) {
  if (!fixes.length) return null;
  return (
    <p className="fix-actions">
      {fixes.map((f) => (
        <button key={f.label} type="button" className="button small" data-testid="apply-fix" onClick={f.apply}>
          {f.label}
        </button>
      ))}
    </p>
  );
}
