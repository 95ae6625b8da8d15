// Shown instead of the draft when the out-of-distribution detector says the image is not a frontal chest
// radiograph: whatever the model wrote about it would be made up, so the draft stays hidden until asked for.
// (The weaker embedding-distance check only warns: the draft stays visible, marked unreliable.)
interface Props {
  onShow: () => void;
}

export function WithheldDraft({ onShow }: Props) {
  return (
    <div className="withheld-draft" data-testid="withheld-draft">
      <p>
        No draft is shown: the model only knows frontal chest radiographs, so any text it wrote about this image would be
        made up. Open a frontal (PA or AP) chest X-ray instead.
      </p>
      <button type="button" className="button secondary small" data-testid="show-withheld-draft" onClick={onShow}>
        Show the draft anyway
      </button>
    </div>
  );
}
