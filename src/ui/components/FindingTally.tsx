// How many candidates assert each finding ("Pleural Effusion: asserted by 2 of 3 candidates (6 of 9 draws)": a sample
// that repeats a candidate is one more draw), what the finding reader reads in the film for it, and whether the draft does:
// the alternatives the model considered, at a glance.
import type { ReportResult } from '../../engine/types';
import { readerPercent, tallyLines } from '../lib/refinementSummary';

export function FindingTally({ result }: { result: ReportResult }) {
  const lines = tallyLines(result);
  if (lines.length === 0) return null;
  return (
    <ul className="finding-tally" aria-label="Findings across the candidates" data-testid="finding-tally">
      {lines.map((t) => (
        <li key={t.finding} className={t.inDraft ? 'in-draft' : 'not-in-draft'}>
          <strong>{t.finding}</strong>: asserted by {t.count} of {t.total} candidates
          {t.totalDraws > t.total ? ` (${t.draws} of ${t.totalDraws} draws)` : ''}
          {t.reader !== undefined ? `; the finding reader gives it ${readerPercent(t.reader)}` : ''}
          {t.inDraft ? ' (in the draft)' : ' (not in the draft)'}
        </li>
      ))}
    </ul>
  );
}
