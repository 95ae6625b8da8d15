// The colour theme control in the top bar: match the system, light, or dark (for a dim reading room). The image
// panel is dark in every theme; the choice sets the report side's colours and is remembered on this machine.
import { useTheme } from '../hooks/useTheme';
import type { ThemeChoice } from '../lib/theme';

const LABELS: Record<ThemeChoice, string> = {
  system: 'Match system',
  light: 'Light',
  dark: 'Dark (reading room)',
};

export function ThemeSelect() {
  const [choice, choose] = useTheme();
  return (
    <label className="theme-select">
      Theme
      <select value={choice} onChange={(e) => choose(e.currentTarget.value as ThemeChoice)} data-testid="theme-select">
        {(Object.keys(LABELS) as ThemeChoice[]).map((c) => (
          <option key={c} value={c}>
            {LABELS[c]}
          </option>
        ))}
      </select>
    </label>
  );
}
