// The measurements of one view as a list a keyboard and a screen reader can use: each length, a button to remove
// it, one to remove them all, once what the numbers are (mm from which tag, or the file's pixels), and with two
// lines or more the cardiothoracic ratio of the last two.
import type { InputImage } from '../lib/inputImage';
import { cardiothoracicRatio, lengthOf, ratioNote, spacingNote, type Measurement } from '../lib/measure';

interface Props {
  image: Pick<InputImage, 'name' | 'format' | 'pixelSpacing' | 'viewPosition'>;
  items: readonly Measurement[];
  active: boolean;
  pending: boolean; // the keyboard has marked a first end
  onRemove: (id: number) => void;
  onClear: () => void;
}

export function MeasurementList({ image, items, active, pending, onRemove, onClear }: Props) {
  if (!active && items.length === 0) return null;
  const last = items.at(-1);
  const ratio = cardiothoracicRatio(items);
  const status = pending
    ? 'First end marked. Pan the other end under the centre cross and press Enter; Escape drops it.'
    : last
      ? `Measurement ${items.length}: ${lengthOf(last, image.pixelSpacing).text}.`
      : '';
  return (
    <section className="measurements" aria-label={`Measurements on ${image.name}`} data-testid="measurements">
      {items.length === 0 ? (
        <p className="measure-hint">
          Drag on the image to measure a distance; right-drag still sets the window. With the keys: pan one end under the centre cross, Enter, then the other
          end, Enter.
        </p>
      ) : (
        <ol>
          {items.map((m, i) => {
            const length = lengthOf(m, image.pixelSpacing);
            return (
              <li key={m.id} data-testid="measurement" data-value={length.value} data-unit={length.unit}>
                <span>
                  {i + 1}: {length.text}
                </span>
                <button type="button" className="button secondary small" onClick={() => onRemove(m.id)} aria-label={`Remove measurement ${i + 1}`}>
                  Remove
                </button>
              </li>
            );
          })}
        </ol>
      )}
      {items.length > 1 ? (
        <button type="button" className="button secondary small" onClick={onClear}>
          Remove all
        </button>
      ) : null}
      <p className="visually-hidden" aria-live="polite" data-testid="measure-status">
        {status}
      </p>
      {ratio ? (
        <p className="measure-ratio" data-testid="measure-ratio" data-value={ratio.value}>
          {ratioNote(ratio, image.viewPosition)}
        </p>
      ) : null}
      <p className="measure-note" data-testid="measure-note">
        {spacingNote(image.pixelSpacing, image.format)}
      </p>
    </section>
  );
}
