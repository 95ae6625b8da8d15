// The draft as words the person can point at: every word is a focusable span (arrow keys move between
// them) whose underline thickness and opacity show how well the image supports it; hovering or focusing
// it shows its heatmap, Enter or a click pins it; the numbered marker before a sentence pins that
// sentence's aggregate map. A word the subtype gate's probe put in (not the language model) is set in italics and says so.
// A sentence that rules out a finding the model was not shown to read carries a "not read" mark beside its number.
import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { WEAK_STRENGTH, type ReportSegments, type SentenceGroup, type WordSegment } from '../lib/reportSegments';
import { formatScore } from '../lib/format';
import { GroundingKey } from './GroundingKey';
import type { MapFocus } from '../lib/mapFocus';

export type { MapFocus };

interface Props {
  segments: ReportSegments;
  pinned: MapFocus | null;
  onHover: (focus: MapFocus | null) => void;
  onPin: (focus: MapFocus | null) => void;
  notRead?: ReadonlyMap<number, string[]>; // sentence index → the findings it rules out unread (unassessedBySentence)
}

const SECTION_TITLES = { findings: 'Findings', impression: 'Impression' } as const;
const BY_PROBE = 'named by the image probe, not the language model';

function wordLabel(w: WordSegment): string {
  const weak = w.strength < WEAK_STRENGTH ? ', weakly grounded' : '';
  return `${w.text}: grounding ${formatScore(w.grounding, 2)}${weak}${w.byProbe ? `, ${BY_PROBE}` : ''}`;
}

export function GroundedReport({ segments, pinned, onHover, onPin, notRead }: Props) {
  const words = [...segments.findings, ...segments.impression].flatMap((g) => g.segments.filter((s): s is WordSegment => s.kind === 'word'));
  const [current, setCurrent] = useState(0);
  const tabStop = Math.max(0, Math.min(current, words.length - 1)); // the one word in the tab order (roving tabindex)
  const refs = useRef(new Map<number, HTMLSpanElement>());

  const moveTo = (pos: number): void => {
    const next = Math.max(0, Math.min(words.length - 1, pos));
    setCurrent(next);
    refs.current.get(words[next].tokenIndex)?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLSpanElement>, w: WordSegment): void => {
    const pos = words.indexOf(w);
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') moveTo(pos + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') moveTo(pos - 1);
    else if (e.key === 'Home') moveTo(0);
    else if (e.key === 'End') moveTo(words.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') togglePin({ kind: 'token', index: w.tokenIndex });
    else if (e.key === 'Escape') onPin(null);
    else return;
    e.preventDefault();
  };

  const isPinned = (f: MapFocus): boolean => pinned?.kind === f.kind && pinned.index === f.index;
  const togglePin = (f: MapFocus): void => onPin(isPinned(f) ? null : f);

  const renderSentence = (g: SentenceGroup, n: number) => {
    const focus: MapFocus = { kind: 'sentence', index: g.sentence };
    const unread = notRead?.get(g.sentence);
    const unreadWhy = unread ? `rules out ${unread.join(' and ')}, which this model was not shown to read` : '';
    return (
      <span key={`${g.section}-${g.sentence}`} className={`sentence${g.meanStrength < WEAK_STRENGTH + 0.1 ? ' weak-sentence' : ''}`}>
        <span className="sentence-head">
          <button
            type="button"
            className="sentence-marker"
            aria-pressed={isPinned(focus)}
            aria-label={`Show the map of sentence ${n}: ${g.text}${unread ? ` (${unreadWhy})` : ''}`}
            title={`Sentence ${n}: mean grounding strength ${Math.round(g.meanStrength * 100)}%`}
            data-testid="sentence-marker"
            onClick={() => togglePin(focus)}
          >
            {n}
          </button>
          {unread ? (
            <span className="not-read-mark" data-testid="not-read-mark" title={`This sentence ${unreadWhy}: check it on the film.`}>
              not read
            </span>
          ) : null}
        </span>
        {g.segments.map((s) => {
          const space = s.spaceBefore ? ' ' : '';
          if (s.kind === 'punct') return <span key={s.tokenIndex}>{space + s.text}</span>;
          const pos = words.indexOf(s);
          const tokenFocus: MapFocus = { kind: 'token', index: s.tokenIndex };
          return (
            <span key={s.tokenIndex}>
              {space}
              <span
                ref={(el) => {
                  if (el) refs.current.set(s.tokenIndex, el);
                  else refs.current.delete(s.tokenIndex);
                }}
                role="button"
                tabIndex={pos === tabStop ? 0 : -1}
                className={`word${s.strength < WEAK_STRENGTH ? ' weak' : ''}${s.byProbe ? ' by-probe' : ''}${isPinned(tokenFocus) ? ' pinned' : ''}`}
                style={{ ['--g' as string]: s.strength.toFixed(3) }}
                aria-label={wordLabel(s)}
                aria-pressed={isPinned(tokenFocus)}
                title={`grounding ${formatScore(s.grounding, 3)}${s.byProbe ? `; ${BY_PROBE}` : ''}`}
                data-testid="report-word"
                data-token-index={s.tokenIndex}
                data-grounding={s.grounding}
                onMouseEnter={() => onHover(tokenFocus)}
                onMouseLeave={() => onHover(null)}
                onFocus={() => {
                  setCurrent(pos);
                  onHover(tokenFocus);
                }}
                onBlur={() => onHover(null)}
                onClick={() => togglePin(tokenFocus)}
                onKeyDown={(e) => onKey(e, s)}
              >
                {s.text}
              </span>
            </span>
          );
        })}
      </span>
    );
  };

  let n = 0;
  return (
    <div className="grounded-report" role="group" aria-label="Draft words: arrow keys move between words, Enter pins a word's map">
      {(['findings', 'impression'] as const).map((section) => (
        <div key={section} className="report-section" data-section={section}>
          <h3>{SECTION_TITLES[section]}</h3>
          <p className="report-text" data-testid={`grounded-${section}`}>
            {segments[section].length ? (
              segments[section].flatMap((g, i): ReactNode[] => (i ? [' ', renderSentence(g, ++n)] : [renderSentence(g, ++n)]))
            ) : (
              <em>(empty)</em>
            )}
          </p>
        </div>
      ))}
      <GroundingKey probeWords={words.some((w) => w.byProbe)} />
    </div>
  );
}
