// The one main guard: runs a CLI's main when its file is the script Node was started with (not when a test
// imports it), prints a failure as "Name: message" and exits 2 on UsageError, 1 on anything else.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './flags';

/** True when `moduleUrl` (the caller's import.meta.url) is the script on Node's command line. */
export function isMainModule(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}

/** Exit code for an error: 2 for bad usage, 1 otherwise. */
export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}

/** `runMain(import.meta.url, main)`: calls main(argv) when this module is the entry point; its resolved number is
 *  the exit code (void: 0). */
export function runMain(moduleUrl: string, main: (argv: string[]) => Promise<unknown> | unknown): void {
  if (!isMainModule(moduleUrl)) return;
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => {
        if (typeof code === 'number') process.exitCode = code;
      },
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        process.stderr.write(`${e.name}: ${e.message}\n`);
        process.exit(exitCodeFor(err));
      },
    );
}
