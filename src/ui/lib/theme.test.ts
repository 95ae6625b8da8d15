import { describe, expect, it } from 'vitest';
import { THEME_KEY, readThemeChoice, resolveTheme, saveThemeChoice } from './theme';

const memory = (init: Record<string, string> = {}) => {
  const data = new Map(Object.entries(init));
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
};

describe('the colour theme choice', () => {
  it('reads a saved choice, and "system" for nothing, something else, or a store that throws', () => {
    expect(readThemeChoice(memory({ [THEME_KEY]: 'dark' }))).toBe('dark');
    expect(readThemeChoice(memory({ [THEME_KEY]: 'light' }))).toBe('light');
    expect(readThemeChoice(memory())).toBe('system');
    expect(readThemeChoice(memory({ [THEME_KEY]: 'sepia' }))).toBe('system');
    expect(readThemeChoice(null)).toBe('system');
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceeded');
      },
    };
    expect(readThemeChoice(refusing)).toBe('system');
    expect(() => saveThemeChoice('dark', refusing)).not.toThrow();
  });

  it('saves what it reads back', () => {
    const store = memory();
    saveThemeChoice('dark', store);
    expect(store.data.get(THEME_KEY)).toBe('dark');
    expect(readThemeChoice(store)).toBe('dark');
  });

  it('resolves "system" by the system setting and keeps an explicit choice whatever the system says', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });
});
