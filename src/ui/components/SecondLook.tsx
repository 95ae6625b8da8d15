// Under the draft: the findings the self-refinement left out although the draws or the finding reader backed them,
// each with its evidence, and how often findings flagged by the same rule were present on the validation films.
// The refinement trades these omissions for fewer hallucinations; this keeps the trade visible where the draft is read.
// A localised one (a nodule, a focal opacity) can be shown on the film where the lesion map places it.
import type { SecondLook as SecondLookRule } from '../../engine/manifest';
import type { ReportResult } from '../../engine/types';
import { SECOND_LOOK_FOCUS, type MapFocus } from '../lib/mapFocus';
import { findingName, flagRecordLine, leftOutLabel, secondLookFindings } from '../lib/refinementSummary';

interface Props {
  result: ReportResult;
  rule: SecondLookRule;
  pinned: MapFocus | null;
  onHover: (focus: MapFocus | null) => void;
  onPin: (focus: MapFocus | null) => void;
}

export function SecondLook({ result, rule, pinned, onHover, onPin }: Props) {
  const left = secondLookFindings(result, rule);
  if (left.length === 0) return null;
  const mapped = result.secondLookMap?.findings.map(findingName) ?? [];
  const shown = pinned?.kind === 'secondLook';
  const perFinding = flagRecordLine(left, rule);
  return (
    <aside className="second-look" aria-label="Findings left out of the draft" data-testid="second-look">
      <p className="second-look-text">
        <strong>Worth a second look:</strong> the self-refinement left out{' '}
        {left.map((f, i) => (
          <span key={f.finding} data-testid="second-look-finding" data-finding={f.finding}>
            {i > 0 ? (i === left.length - 1 ? ' and ' : ', ') : ''}
            {leftOutLabel(f)}
          </span>
        ))}
        .
      </p>
      {mapped.length ? (
        <button
          type="button"
          className="button secondary small"
          aria-pressed={shown}
          data-testid="second-look-map"
          onClick={() => onPin(shown ? null : SECOND_LOOK_FOCUS)}
          onMouseEnter={() => onHover(SECOND_LOOK_FOCUS)}
          onMouseLeave={() => onHover(null)}
          onFocus={() => onHover(SECOND_LOOK_FOCUS)}
          onBlur={() => onHover(null)}
        >
          Show where the lesion map places {mapped.join(' and ')}
        </button>
      ) : null}
      <p className="second-look-note">
        With the default settings, on {rule.films.toLocaleString('en-US')} {rule.split} films, findings left out on such evidence ({rule.min_draws} or more
        draws, or the reader at {Math.round(100 * rule.min_reader)} % or more) were present {Math.round(100 * rule.share_present)} % of the time.
        {perFinding ? <span data-testid="second-look-per-finding"> {perFinding}</span> : null}
      </p>
    </aside>
  );
}
