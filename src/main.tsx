// Page entry: starts the engine worker early where it can (prestartEngine, first so that it runs before the rest),
// sets the saved colour theme before anything is drawn, then mounts the React app with its stylesheet.
import './ui/prestartEngine';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import './ui/app.css';
import { applyTheme, readThemeChoice, resolveTheme, systemPrefersDark } from './ui/lib/theme';

applyTheme(resolveTheme(readThemeChoice(), systemPrefersDark()));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
