// Words for the draft sentences that rule out a finding the model was not shown to read (src/engine/unassessed.ts):
// the line under the draft (and in the .txt export), and the names per sentence for its "not read" mark.
import type { UnassessedReport } from '../../engine/types';
import { findingName } from './refinementSummary';

/** Sentence index → the names of the findings it rules out unread. */
export function unassessedBySentence(u: UnassessedReport | undefined): Map<number, string[]> {
  return new Map((u?.statements ?? []).map((s) => [s.sentence, s.findings.map(findingName)]));
}

/** Each finding named with what was measured: "Pleural Effusion (1 of 21)", spelled out ("its drafts found 1 of the
 *  21 val films with one") on the first that has val films, or on all of them. */
function measuredPhrases(u: UnassessedReport, spellOut: 'first' | 'all'): string[] {
  const first = u.measured.findIndex((m) => m.positives > 0);
  return u.measured.map((m, i) => {
    const name = findingName(m.finding);
    if (m.positives === 0) return `${name} (no ${u.split} film has one)`;
    return spellOut === 'all' || i === first
      ? `${name} (its drafts found ${m.recalled} of the ${m.positives} ${u.split} films with one)`
      : `${name} (${m.recalled} of ${m.positives})`;
  });
}

/** "Not read by this model: pleural effusion (its drafts found 0 of the 12 val films with one), …", or null. */
export function unassessedLine(u: UnassessedReport | undefined): string | null {
  if (!u?.statements.length) return null;
  const marked = u.statements.length === 1 ? 'The sentence marked "not read" rules' : 'The sentences marked "not read" rule';
  return `Not read by this model: ${measuredPhrases(u, 'first').join(', ')}. ${marked} them out in the model's usual wording, not from this film: check them on the film.`;
}

/** The .txt export's note: which findings the draft rules out without having been shown to read them. */
export function unassessedExportLine(u: UnassessedReport | undefined): string | null {
  if (!u?.statements.length) return null;
  return `Not read by the model: ${measuredPhrases(u, 'all').join(', ')}; the draft rules them out in its usual wording, not from this film.`;
}
