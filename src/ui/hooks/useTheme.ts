// The reader's theme choice as React state: saved on change, applied to <html>, and following the system's light or
// dark setting live while the choice is "match the system".
import { useCallback, useEffect, useState } from 'react';
import { DARK_QUERY, applyTheme, readThemeChoice, resolveTheme, saveThemeChoice, systemPrefersDark, type ThemeChoice } from '../lib/theme';

export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(() => readThemeChoice());

  useEffect(() => {
    applyTheme(resolveTheme(choice, systemPrefersDark()));
    if (choice !== 'system' || typeof matchMedia !== 'function') return;
    const query = matchMedia(DARK_QUERY);
    const follow = (): void => applyTheme(resolveTheme('system', query.matches));
    query.addEventListener('change', follow);
    return () => query.removeEventListener('change', follow);
  }, [choice]);

  const choose = useCallback((next: ThemeChoice) => {
    saveThemeChoice(next);
    setChoice(next);
  }, []);
  return [choice, choose];
}
