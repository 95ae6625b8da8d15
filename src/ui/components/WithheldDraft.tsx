// Shown instead of the draft when the out-of-distribution detector says the image is not a frontal chest
// radiograph: whatever the model wrote about it would be made up, so the draft stays hidden until asked for.
// (The weaker embedding-distance check only warns: the draft stays visible, marked unreliable.) Where the detector
// passes the image once turned or inverted, that fix is offered first: one press sets it right and drafts again.
import { FixActions, type ImageFixAction } from './FixActions';

interface Props {
  onShow: () => void;
  reason?: string; // why, when the DICOM tags (not the detector) say this is not a frontal chest radiograph
  fixes?: readonly ImageFixAction[]; // e.g. "Turn it a quarter turn clockwise and draft again"
}

export function WithheldDraft({ onShow, reason, fixes = [] }: Props) {
  return (
    <div className="withheld-draft" data-testid="withheld-draft">
      {reason ? <p data-testid="withheld-reason">{reason}</p> : null}
      <p>
        No draft is shown: the model only knows frontal chest radiographs, so any text it wrote about this image would be made up.{' '}
        {fixes.length
          ? 'It looks like one handled wrongly: set it right here, or open the film the right way up.'
          : 'Open a frontal (PA or AP) chest X-ray instead.'}
      </p>
      <FixActions fixes={fixes} />
      <button type="button" className="button secondary small" data-testid="show-withheld-draft" onClick={onShow}>
        Show the draft anyway
      </button>
    </div>
  );
}
