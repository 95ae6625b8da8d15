// The page's colour theme: the reader's choice (match the system, light, or dark for a dim reading room), kept in
// localStorage, and what it resolves to. Applied as data-theme on <html> before the first render, so a dark-room
// reader never sees a white flash; styles/base.css holds the two palettes.
import { localStore, type Store } from './localStore';
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_KEY = 'serpent.theme.v1';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

/** The saved choice; 'system' when nothing (or something else) is saved or the store cannot be read. */
export function readThemeChoice(store: Store | null = localStore()): ThemeChoice {
  try {
    const saved = store?.getItem(THEME_KEY);
    return THEME_CHOICES.find((c) => c === saved) ?? 'system';
  } catch {
    return 'system';
  }
}

export function saveThemeChoice(choice: ThemeChoice, store: Store | null = localStore()): void {
  try {
    store?.setItem(THEME_KEY, choice);
  } catch {
    // a full or refused store: the choice holds for this visit only
  }
}

export const resolveTheme = (choice: ThemeChoice, systemDark: boolean): Theme => (choice === 'system' ? (systemDark ? 'dark' : 'light') : choice);

export const DARK_QUERY = '(prefers-color-scheme: dark)';

export function systemPrefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia(DARK_QUERY).matches;
}

/** Sets <html data-theme> (and the browser's own controls' scheme with it, through CSS color-scheme). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  root.dataset.theme = theme;
}
