// stopWithThisProcess: a command killed with SIGTERM (or Ctrl-C sent to it alone) takes the server it started with it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const until = async (ok: () => boolean, ms: number): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (ok()) return true;
  return ok();
};

// A command that starts a long-lived child (a stand-in for vite preview), prints its pid, and then waits.
const script = (register: boolean) => `
  import { spawn } from 'node:child_process';
  import { stopWithThisProcess } from ${JSON.stringify(path.resolve('tools/cli/childProcesses.ts'))};
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  ${register ? 'stopWithThisProcess(child);' : ''}
  console.log(child.pid);
  setInterval(() => undefined, 1000);
`;

async function childOfKilledCommand(register: boolean, signal: NodeJS.Signals) {
  // One Node process with tsx's loader, so the signal reaches the command itself.
  const cmd = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script(register)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => cmd.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  const exited = new Promise<void>((resolve) => cmd.once('exit', () => resolve()));
  cmd.kill(signal);
  await exited;
  const gone = await until(() => !alive(pid), 3000);
  if (!gone) process.kill(pid, 'SIGKILL');
  return gone;
}

describe('stopWithThisProcess', () => {
  it('kills the child when the command gets SIGTERM or SIGINT; without it the child outlives the command', async () => {
    expect(await childOfKilledCommand(true, 'SIGTERM')).toBe(true);
    expect(await childOfKilledCommand(true, 'SIGINT')).toBe(true);
    expect(await childOfKilledCommand(false, 'SIGTERM')).toBe(false);
  }, 30_000);
});
