// Vite config: React page, module workers, the cross-origin isolation headers that let onnxruntime-web
// use WASM threads (SharedArrayBuffer) in dev and preview, and the service worker's file list.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The ONNX Runtime builds (ortWeb.ts): chunk and .wasm of each; a device downloads one, so none is precached. */
const RUNTIME_BUILDS: Record<string, RegExp> = {
  wasm: /^assets\/(ort\.wasm\.bundle\.min-[^/]*\.mjs|ort-wasm-simd-threaded-[^/.]*\.wasm)$/,
  webgpu: /^assets\/(ort\.webgpu\.bundle\.min-[^/]*\.mjs|ort-wasm-simd-threaded\.asyncify-[^/]*\.wasm)$/,
};
const SW_OWN = ['sw.js', 'sw-models.js'];
const SW_BUILD_LINE = 'self.SERPENT_BUILD = null;';

function builtFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const rel = relative(dir, path).split('\\').join('/');
      if (rel === 'models' || SW_OWN.includes(rel) || rel.endsWith('.map')) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * After the build is on disk (worker chunks and the ORT .wasm they import are there too), writes the service
 * worker's file list into dist/sw.js: the shell (every built file but models and the runtime builds), the
 * runtime builds' files (cached when a device fetches one), and a version that changes with any file. A new
 * sw.js is what makes the browser install the new app and delete the old one.
 */
export function serviceWorkerFileList(): Plugin {
  let outDir = 'dist';
  let written = false;
  return {
    name: 'serpent-sw-file-list',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    buildStart() {
      written = false;
    },
    writeBundle() {
      written = true;
    },
    closeBundle() {
      // A failed build wrote nothing (dist/sw.js may be an earlier build's, filled in already): its own error is
      // the one to show.
      if (!written) return;
      const files = builtFiles(outDir);
      const runtime = Object.fromEntries(Object.entries(RUNTIME_BUILDS).map(([name, re]) => [name, files.filter((f) => re.test(f))]));
      const shell = files.filter((f) => !Object.values(RUNTIME_BUILDS).some((re) => re.test(f)));
      const hash = createHash('sha256');
      for (const f of [...files, ...SW_OWN]) hash.update(f).update(f.startsWith('assets/') ? '' : readFileSync(join(outDir, f)));
      const list = { version: hash.digest('hex').slice(0, 16), shell, runtime };
      const swPath = join(outDir, 'sw.js');
      const sw = readFileSync(swPath, 'utf8');
      if (!sw.includes(SW_BUILD_LINE)) throw new Error(`public/sw.js must contain the line "${SW_BUILD_LINE}" (the build writes the file list there)`);
      writeFileSync(swPath, sw.replace(SW_BUILD_LINE, `self.SERPENT_BUILD = ${JSON.stringify(list)};`));
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
  plugins: [react(), serviceWorkerFileList(), contentSecurityPolicy()],
  base: './',
  worker: { format: 'es' },
  server: { host: '127.0.0.1', headers: isolationHeaders },
  // cors off: same-origin only, and without `Vary: Origin` the service worker reuses what the page has just loaded
  preview: { host: '127.0.0.1', headers: isolationHeaders, cors: false },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: {
    rollupOptions: { input: { main: 'index.html', diagnostics: 'diagnostics.html' } },
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
});
