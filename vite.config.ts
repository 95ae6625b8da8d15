// Vite config: React page, module workers, the cross-origin isolation headers that let onnxruntime-web
// use WASM threads (SharedArrayBuffer) in dev and preview, and the service worker's precache list.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Built files that are app shell: everything in the output except models (cached from their manifest), sw.js and its list. */
function shellFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const rel = relative(dir, path).split('\\').join('/');
      if (rel === 'models' || rel === 'sw.js' || rel === PRECACHE_LIST || rel.endsWith('.map')) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

const PRECACHE_LIST = 'sw-precache.json';

/**
 * Writes sw-precache.json after the build is on disk (so worker chunks and the ORT .mjs/.wasm they import are
 * there too): every built file plus "./", and a version that changes whenever a file name does.
 */
function precacheList(): Plugin {
  let outDir = 'dist';
  return {
    name: 'serpent-precache-list',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const files = shellFiles(outDir);
      const hash = createHash('sha256');
      for (const f of files) hash.update(f).update(f.endsWith('.html') ? readFileSync(join(outDir, f)) : '');
      const version = hash.digest('hex').slice(0, 16);
      writeFileSync(join(outDir, PRECACHE_LIST), JSON.stringify({ version, files: ['./', ...files] }, null, 1));
    },
  };
}

/**
 * The built page's Content-Security-Policy: every fetch, script, worker and image comes from this origin
 * (or blob:/data: made in the page), so no request can leave the machine. Build only: the dev server's
 * React refresh uses an inline script.
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' blob: data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'serpent-page-csp',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.filename.endsWith('index.html')) return html;
        return html.replace(/(<meta charset="[^"]*" \/>)/i, `$1\n    <meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}" />`);
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), precacheList(), contentSecurityPolicy()],
  base: './',
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: isolationHeaders },
  preview: { host: '127.0.0.1', headers: isolationHeaders },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    rollupOptions: { input: { main: 'index.html', diagnostics: 'diagnostics.html' } },
    target: 'es2022', chunkSizeWarningLimit: 2048 },
});
