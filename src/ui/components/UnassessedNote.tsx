// The line under the draft that says which findings its "not read" sentences rule out without the model having been
// shown to read them, and how the drafts did on val.
import type { UnassessedReport } from '../../engine/types';
import { unassessedLine } from '../lib/unassessedText';

export function UnassessedNote({ unassessed }: { unassessed?: UnassessedReport }) {
  const line = unassessedLine(unassessed);
  if (!line) return null;
  return (
    <p className="hint unassessed-note" data-testid="unassessed-note">
      {line}
    </p>
  );
}
