// Findings the model has not been shown to read. Nearly every draft rules out a pleural effusion and a pneumothorax
// and calls the heart normal, because nearly every training report does; but the corpus has no full-size film with
// those findings, and on val the drafts found none of the effusions or pneumothoraces it has (all on 64 px films). A
// radiologist who skims "no pneumothorax" should know that this sentence is the model's habit, not a reading of the
// film. The manifest's `assessed_findings` (written by `npm run assessed-findings -- --write` from val drafts: per
// finding, how many val films have it and how many of their drafts assert it) lists the findings whose drafts found at
// least `min_recall` of at least `min_positives` films. A draft sentence that rules out any other finding is marked,
// with the measurement. The draft's words are unchanged.
import { FINDING_KEYS, type FindingKey } from '../text/findings';
import { labelSentence } from '../text/labeler';
import { ModelManifestError } from './errors';
import type { UnassessedReport } from './types';

/** The measurement as the manifest keeps it (`assessed_findings`). */
export interface AssessedFindingsEntry {
  split: string; // where it was measured (val)
  films: number;
  min_positives: number;
  min_recall: number;
  by_finding: Partial<Record<FindingKey, { positives: number; recalled: number }>>;
  assessed: FindingKey[]; // the findings the drafts were shown to find
}

export function checkAssessedFindings(entry: Partial<AssessedFindingsEntry>): void {
  const known = new Set<string>(FINDING_KEYS);
  const ok =
    Array.isArray(entry.assessed) &&
    entry.assessed.every((f) => known.has(f)) &&
    typeof entry.by_finding === 'object' &&
    entry.by_finding !== null &&
    Object.entries(entry.by_finding).every(([f, m]) => known.has(f) && Number.isInteger(m?.positives) && Number.isInteger(m?.recalled));
  if (!ok) {
    throw new ModelManifestError(
      "manifest.json's assessed_findings needs `assessed` and `by_finding` ({positives, recalled}) over this model's findings; re-run `npm run assessed-findings -- --write`.",
    );
  }
}

/**
 * The sentences (by index, as the draft's tokens number them) that rule out a finding the model was not shown to
 * read, with those findings in vocabulary order; and the val measurement behind each finding named.
 */
export function unassessedStatements(sentences: readonly string[], entry: AssessedFindingsEntry): UnassessedReport {
  const assessed = new Set<string>(entry.assessed);
  const statements = sentences.flatMap((text, sentence) => {
    const ruledOut = new Set<FindingKey>(
      labelSentence(text).flatMap((m) => (m.status === 'negative' && m.finding !== 'no_finding' && !assessed.has(m.finding) ? [m.finding] : [])),
    );
    const findings = FINDING_KEYS.filter((f) => ruledOut.has(f));
    return findings.length ? [{ sentence, findings }] : [];
  });
  const named = FINDING_KEYS.filter((f) => statements.some((s) => s.findings.includes(f)));
  const measured = named.map((finding) => ({
    finding,
    positives: entry.by_finding[finding]?.positives ?? 0,
    recalled: entry.by_finding[finding]?.recalled ?? 0,
  }));
  return { statements, measured, split: entry.split };
}
