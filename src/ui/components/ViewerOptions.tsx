// Above the images: that display settings never reach the model, what the mouse and keys do, and (with two views)
// "Link views".
import { ViewerKeys } from './ViewerKeys';

interface Props {
  views: number;
  linked: boolean;
  onLinked: (linked: boolean) => void;
}

export function ViewerOptions({ views, linked, onLinked }: Props) {
  return (
    <div className="viewer-options">
      <p className="display-note" data-testid="display-note">
        Zoom, pan, window, level and invert change only what is shown here: the model always reads the file’s own pixels.
      </p>
      <ViewerKeys />
      {views > 1 ? (
        <label className="link-views">
          <input type="checkbox" checked={linked} onChange={(e) => onLinked(e.currentTarget.checked)} />
          Link views
        </label>
      ) : null}
    </div>
  );
}
