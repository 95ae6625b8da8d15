// Asked in the page before an action drops report edits or measurements that were not copied or downloaded: save the
// report as .txt (with its measurements) and go on, go on without saving, or keep the study. Focus lands on "Keep it",
// so Enter never discards work by accident; Escape keeps it too; focus returns to where it was (e.g. "Re-run") when
// the prompt closes.
import { useEffect, useRef } from 'react';
import type { PendingReplace } from '../hooks/useUnsavedWork';
import { unsavedText } from '../lib/unsavedWork';

interface Props {
  pending: PendingReplace;
  measurements: number;
  onSaveAndGo: (() => void) | null; // null: there is no report to save (only measurements, and no draft)
  onGo: () => void;
  onKeep: () => void;
}

export function ReplacePrompt({ pending, measurements, onSaveAndGo, onGo, onKeep }: Props) {
  const keepRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement;
    keepRef.current?.focus();
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus();
    };
  }, []);
  return (
    <div
      className="replace-prompt"
      role="alertdialog"
      aria-labelledby="replace-prompt-title"
      aria-describedby="replace-prompt-text"
      data-testid="replace-prompt"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onKeep();
      }}
    >
      <p id="replace-prompt-title" className="replace-prompt-title">
        {pending.action}?
      </p>
      <p id="replace-prompt-text">{unsavedText(pending.parts, measurements)}</p>
      <div className="replace-prompt-actions">
        {onSaveAndGo ? (
          <button type="button" className="button" onClick={onSaveAndGo}>
            Download .txt, then go on
          </button>
        ) : null}
        <button type="button" className="button secondary" onClick={onGo}>
          Go on without saving
        </button>
        <button type="button" className="button secondary" ref={keepRef} onClick={onKeep}>
          Keep it
        </button>
      </div>
    </div>
  );
}
