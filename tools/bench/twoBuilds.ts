// This checkout's build and another revision's, each served by its own `vite preview`, for the benchmarks that compare
// two builds on the same machine at the same time (bench-startup, bench-redraft). REV is built in a temporary git
// worktree that shares this checkout's node_modules. Both servers and the worktree are removed at the end, also on
// failure; Ctrl-C in a terminal stops the servers with this process, as they are its children.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../cli/paths';
import { ensurePreview } from './chromium';

export type Build = 'current' | 'against';
const PORTS: Record<Build, number> = { current: 4191, against: 4192 };

function vite(dir: string, ...args: string[]): void {
  execFileSync(process.execPath, [path.join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), ...args], { cwd: dir, stdio: 'ignore' });
}

/** The full commit a revision names (throws git's error for one that names none). */
export function resolveRevision(rev: string): string {
  return execFileSync('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

/** Builds and serves both, then runs `measure` with each build's base URL. */
export async function withTwoBuilds<T>(rev: string, measure: (base: Record<Build, string>) => Promise<T>): Promise<T> {
  const tree = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-against-')), 'against');
  const servers: (ChildProcess | null)[] = [];
  try {
    process.stderr.write(`building this checkout and ${rev.slice(0, 10)} …\n`);
    vite(REPO_ROOT, 'build');
    execFileSync('git', ['worktree', 'add', '--detach', tree, rev], { cwd: REPO_ROOT, stdio: 'ignore' });
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    vite(tree, 'build');
    servers.push(await ensurePreview(REPO_ROOT, PORTS.current), await ensurePreview(tree, PORTS.against));
    return await measure({ current: `http://127.0.0.1:${PORTS.current}`, against: `http://127.0.0.1:${PORTS.against}` });
  } finally {
    for (const s of servers) s?.kill();
    rmSync(path.dirname(tree), { recursive: true, force: true });
    execFileSync('git', ['worktree', 'prune'], { cwd: REPO_ROOT, stdio: 'ignore' });
  }
}
