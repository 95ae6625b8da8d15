// The tiny random model folder for engine tests (and the page's browser tests): written by
// `training.export --random-tiny` into tests/.fixtures/tiny-model (gitignored) when missing or when the
// exporter's sources changed since it was written. Safe when several test files ask at once.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const tinyModelDir = path.join(repoRoot, 'tests/.fixtures/tiny-model');
const STAMP = '.source-hash';

/** Hash of everything under training/ that shapes the exported files (not the tests). */
function exporterHash(): string {
  const h = createHash('sha256');
  const dir = path.join(repoRoot, 'training');
  for (const f of readdirSync(dir).sort()) {
    if (/\.(py|json|mjs)$/.test(f)) h.update(f).update(readFileSync(path.join(dir, f)));
  }
  h.update(readFileSync(path.join(repoRoot, 'src/engine/modelIO.json')));
  return h.digest('hex').slice(0, 16);
}

export function ensureTinyModel(): string {
  const hash = exporterHash();
  const stampFile = path.join(tinyModelDir, STAMP);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return tinyModelDir;
  const tmp = `${tinyModelDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.dirname(tmp), { recursive: true });
  execFileSync('/usr/bin/python3', ['-m', 'training.export', '--random-tiny', tmp], { cwd: repoRoot, stdio: 'pipe' });
  writeFileSync(path.join(tmp, STAMP), hash);
  // Another process may have finished first: only replace a stale folder.
  const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : null;
  if (current === hash) {
    rmSync(tmp, { recursive: true, force: true });
  } else {
    rmSync(tinyModelDir, { recursive: true, force: true });
    try {
      renameSync(tmp, tinyModelDir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return tinyModelDir;
}

/** A temporary copy of the tiny model with `python -m <module> --random --model <copy>` run on it (a seeded random
 *  model file written in, e.g. training.image_reader). The caller removes the folder. */
export function tinyModelWith(module: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `serpent-${module.split('.').pop()}-`));
  cpSync(ensureTinyModel(), dir, { recursive: true });
  execFileSync('/usr/bin/python3', ['-m', module, '--random', '--model', dir], { cwd: repoRoot, stdio: 'pipe' });
  return dir;
}

/** A smooth synthetic film [S*S] for engine tests: another seed, another film. */
export function sineFilm(size: number, seed: number): { data: Float32Array; size: number } {
  return { data: Float32Array.from({ length: size * size }, (_, i) => Math.sin(i / (17 + seed)) * 1.5), size };
}
