// The standing notice: what the model is and is not for.
interface Props {
  intendedUse?: string;
}

export function ClinicalNotice({ intendedUse }: Props) {
  return (
    <p className="clinical-notice" data-testid="clinical-notice">
      <strong>Open-data demo model — not for clinical use.</strong> Every draft must be read and corrected by a radiologist.
      {intendedUse ? <span className="intended-use"> {intendedUse}</span> : null}
    </p>
  );
}
