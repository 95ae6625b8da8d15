// The build's service-worker file list (vite.config.ts): filled in after a written build, and out of the way of a
// failed one, whose own error must be what the person sees.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceWorkerFileList } from '../vite.config';

type Hook = (this: unknown, ...args: unknown[]) => unknown;
const hook = (plugin: object, name: string): Hook => (plugin as Record<string, Hook>)[name];

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function builtDir(sw: string): string {
  dir = mkdtempSync(join(tmpdir(), 'sw-list-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'assets', 'main-abc.js'), 'x');
  writeFileSync(join(dir, 'sw.js'), sw);
  writeFileSync(join(dir, 'sw-models.js'), '');
  return dir;
}

function plugin(outDir: string) {
  const p = serviceWorkerFileList();
  hook(p, 'configResolved').call({}, { root: outDir, build: { outDir } });
  return p;
}

describe('serviceWorkerFileList', () => {
  it('writes the built files into sw.js after a written build', () => {
    const p = plugin(builtDir('self.SERPENT_BUILD = null;\n'));
    hook(p, 'buildStart').call({});
    hook(p, 'writeBundle').call({});
    hook(p, 'closeBundle').call({});
    const sw = readFileSync(join(dir, 'sw.js'), 'utf8');
    expect(sw).toMatch(/^self\.SERPENT_BUILD = \{"version":"[0-9a-f]{16}","shell":\["assets\/main-abc\.js","index\.html"\]/);
  });

  it('leaves a failed build alone, so its own error is what shows (dist/sw.js is an earlier, filled-in one)', () => {
    const earlier = 'self.SERPENT_BUILD = {"version":"0123456789abcdef","shell":[],"runtime":{}};\n';
    const p = plugin(builtDir(earlier));
    hook(p, 'buildStart').call({});
    expect(() => hook(p, 'closeBundle').call({}, new Error('Unexpected token'))).not.toThrow();
    expect(readFileSync(join(dir, 'sw.js'), 'utf8')).toBe(earlier);
  });

  it('still refuses a written build whose sw.js lost the line it fills in', () => {
    const p = plugin(builtDir('// no marker\n'));
    hook(p, 'buildStart').call({});
    hook(p, 'writeBundle').call({});
    expect(() => hook(p, 'closeBundle').call({})).toThrow(/must contain the line/);
  });
});
