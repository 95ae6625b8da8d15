// Shown instead of the draft when the out-of-distribution detector says the image is not a frontal chest
// radiograph: whatever the model wrote about it would be made up, so the draft stays hidden until asked for.
// (The weaker embedding-distance check only warns: the draft stays visible, marked unreliable.)
interface Props {
  onShow: () => void;
  reason?: string; // why, when the DICOM tags (not the detector) say this is not a frontal chest radiograph
}

export function WithheldDraft({ onShow, reason }: Props) {
  return (
    <div className="withheld-draft" data-testid="withheld-draft">
      {reason ? <p data-testid="withheld-reason">{reason}</p> : null}
      <p>
        No draft is shown: the model only knows frontal chest radiographs, so any text it wrote about this image would be made up. Open a frontal (PA or AP)
        chest X-ray instead.
      </p>
      <button type="button" className="button secondary small" data-testid="show-withheld-draft" onClick={onShow}>
        Show the draft anyway
      </button>
    </div>
  );
}
