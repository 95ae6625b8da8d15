// Vite config: React page, module workers, and the cross-origin isolation headers
// that let onnxruntime-web use WASM threads (SharedArrayBuffer) in dev and preview.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: isolationHeaders },
  preview: { host: '127.0.0.1', headers: isolationHeaders },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    rollupOptions: { input: { main: 'index.html', diagnostics: 'diagnostics.html' } },
    target: 'es2022', chunkSizeWarningLimit: 2048 },
});
