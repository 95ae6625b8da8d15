// Page entry: starts the engine worker early where it can (prestartEngine, first so that it runs before the rest),
// then mounts the React app with its stylesheet.
import './ui/prestartEngine';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import './ui/app.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
