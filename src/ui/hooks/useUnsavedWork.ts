// Keeps a person's report edits and measurements from being dropped unawares: while some are unsaved (not copied or
// downloaded since they changed), leaving the page asks the browser's own question, and an action that would replace
// them (a new film, a re-run, another backend) waits for an answer in the page (`pending`, shown by ReplacePrompt).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Work, type WorkPart, unsavedParts, workSignature } from '../lib/unsavedWork';

export interface PendingReplace {
  action: string; // "Replace this study with the new images", asked as the prompt's question
  parts: WorkPart[]; // what the action would drop
  run: () => void;
}

export interface UnsavedWork {
  parts: WorkPart[];
  markSaved: (parts?: readonly WorkPart[]) => void; // these parts were just kept: copied (the text) or downloaded (both)
  guard: (action: string, run: () => void, drops: readonly WorkPart[]) => void;
  pending: PendingReplace | null;
  confirm: () => void;
  cancel: () => void;
}

export function useUnsavedWork(work: Work): UnsavedWork {
  const [saved, setSaved] = useState<Record<WorkPart, string> | null>(null);
  const parts = useMemo(() => unsavedParts(work, saved), [work, saved]);
  const partsRef = useRef(parts);
  partsRef.current = parts;
  const [pending, setPendingState] = useState<PendingReplace | null>(null);
  const pendingRef = useRef<PendingReplace | null>(null);
  const setPending = useCallback((p: PendingReplace | null) => {
    pendingRef.current = p;
    setPendingState(p);
  }, []);

  const hasUnsaved = parts.length > 0;
  useEffect(() => {
    if (!hasUnsaved) return;
    const ask = (e: BeforeUnloadEvent): void => {
      e.preventDefault();
      e.returnValue = ''; // older Chromium needs it set to show the dialog
    };
    addEventListener('beforeunload', ask);
    return () => removeEventListener('beforeunload', ask);
  }, [hasUnsaved]);

  const markSaved = useCallback(
    (kept: readonly WorkPart[] = ['edits', 'measurements']) => {
      const now = workSignature(work);
      setSaved((prev) => ({
        edits: kept.includes('edits') ? now.edits : (prev?.edits ?? ''),
        measurements: kept.includes('measurements') ? now.measurements : (prev?.measurements ?? ''),
      }));
    },
    [work],
  );
  const guard = useCallback(
    (action: string, run: () => void, drops: readonly WorkPart[]) => {
      const lost = partsRef.current.filter((p) => drops.includes(p));
      if (lost.length === 0) run();
      else setPending({ action, parts: lost, run });
    },
    [setPending],
  );
  const confirm = useCallback(() => {
    const run = pendingRef.current?.run;
    setPending(null);
    run?.();
  }, [setPending]);
  const cancel = useCallback(() => setPending(null), [setPending]);
  return { parts, markSaved, guard, pending, confirm, cancel };
}
