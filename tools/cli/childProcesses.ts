// Servers a command starts die with it: on a normal exit, a failure, Ctrl-C (SIGINT), SIGTERM and SIGHUP. A child
// made with spawn() shares the terminal's process group, so Ctrl-C alone reaches it, but `kill PID` of the command, a
// closed terminal or a CI step's timeout signal only the command, and the child would keep its port.
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let installed = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  children.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal); // with our handlers gone, die of the same signal (exit status 128 + n)
}

/** Kills `child` when this process exits or is signalled; forgets it once it has exited by itself. */
export function stopWithThisProcess<C extends ChildProcess>(child: C): C {
  if (!installed) {
    installed = true;
    process.once('exit', killAll);
    for (const s of SIGNALS) process.once(s, onSignal);
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
