// Whether one element fills the screen (the Fullscreen API), and a toggle that says why when the browser refuses
// (a page in a frame without allowfullscreen, a browser setting). The state follows `fullscreenchange`, so the
// browser's own Escape, or another element taking the screen, reads right.
import { useCallback, useEffect, useState, type RefObject } from 'react';

export interface Fullscreen {
  supported: boolean; // false where the page may not use full screen: the control is not offered
  active: boolean; // this element is the one on the screen
  toggle: () => void;
  exit: () => void;
  error: string; // why the last request failed, or ''
}

export function useFullscreen(ref: RefObject<HTMLElement | null>): Fullscreen {
  const supported = typeof document !== 'undefined' && document.fullscreenEnabled === true;
  const [active, setActive] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    const sync = (): void => setActive(document.fullscreenElement !== null && document.fullscreenElement === ref.current);
    document.addEventListener('fullscreenchange', sync);
    return () => document.removeEventListener('fullscreenchange', sync);
  }, [ref]);

  const exit = useCallback((): void => {
    if (document.fullscreenElement && document.fullscreenElement === ref.current) void document.exitFullscreen().catch(() => undefined);
  }, [ref]);

  const toggle = useCallback((): void => {
    const el = ref.current;
    if (!el) return;
    if (document.fullscreenElement === el) {
      exit();
      return;
    }
    setError('');
    el.requestFullscreen().catch((err: unknown) => {
      setError(`The browser did not allow full screen (${(err as Error).message || 'refused'}): enlarge the window, or zoom the view instead.`);
    });
  }, [ref, exit]);

  return { supported, active, toggle, exit, error };
}
