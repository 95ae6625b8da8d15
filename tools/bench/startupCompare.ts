// `npm run bench-startup -- --against REV [--visits 6] [--rounds 2] [--gap MS] [--image-delay MS] [--image PATH] [--out FILE.json]`
// What a change to start-up buys: the returning visit (tools/bench/returningVisit.ts: page open → the first report
// word, and its phases) of this checkout's build and of another revision's (twoBuilds.ts), in alternating runs so that
// both see the same machine.
import path from 'node:path';
import { parseFlags, UsageError, usage, type FlagSpec } from '../cli/flags';
import { runMain } from '../cli/main';
import { CXR_DIR, writeJsonFile } from '../cli/paths';
import { medianPhases, returningVisitRows, type ReturningVisitResult, type VisitPhases } from './returningVisit';
import { spread } from './stats';
import { resolveRevision, withTwoBuilds, type Build } from './twoBuilds';

const FLAGS = {
  against: { type: 'string', help: 'the git revision to compare with (e.g. HEAD~1 or a commit)' },
  visits: { type: 'number', help: 'returning visits per run (default 6)' },
  gap: { type: 'number', help: 'ms of pause before each returning visit (default 0: back to back)' },
  'image-delay': { type: 'number', help: 'give the radiograph this many ms after the model loaded (default 0: at once)' },
  rounds: { type: 'number', help: 'runs per build, alternating (default 2)' },
  image: { type: 'string', help: 'the radiograph (default a COVID-QU film from ../shared/data)' },
  out: { type: 'string', help: 'results JSON (default: none)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run bench-startup -- --against REV [flags]';

export interface StartupSummary {
  visits_ms: number[];
  median_ms: number;
  min_ms: number;
  max_ms: number;
  phases_median?: VisitPhases; // over every visit's phases of every run
  report_after_image_median_ms?: number; // the radiograph given → the first report word
}

/** One build's runs → its summary. */
export function summarise(runs: readonly ReturningVisitResult[]): StartupSummary {
  const ms = runs.flatMap((r) => r.returning_visit_ms);
  const phases = runs.flatMap((r) => r.phases ?? []);
  const afterImage = runs.flatMap((r) => r.report_after_image_ms ?? []);
  return {
    visits_ms: ms,
    median_ms: spread(ms).median,
    min_ms: Math.min(...ms),
    max_ms: Math.max(...ms),
    phases_median: medianPhases(phases),
    ...(afterImage.length ? { report_after_image_median_ms: spread(afterImage).median } : {}),
  };
}

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) return void process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
  if (!f.against) throw new UsageError(`--against REV is required\n${usage(COMMAND, FLAGS)}`);
  const rev = resolveRevision(f.against);
  const image = f.image ?? path.join(CXR_DIR, 'images', 'covid_qu', 'COVID-7.jpg');
  await withTwoBuilds(rev, async (base) => {
    const runs: Record<Build, ReturningVisitResult[]> = { current: [], against: [] };
    for (let round = 0; round < (f.rounds ?? 2); round++)
      for (const which of ['against', 'current'] as const) {
        const r = await returningVisitRows({
          image,
          visits: f.visits ?? 6,
          gapMs: f.gap ?? 0,
          imageDelayMs: f['image-delay'] ?? 0,
          base: base[which],
        });
        runs[which].push(r);
        process.stderr.write(`${which} run ${round + 1}: ${r.returning_visit_ms.map(Math.round).join(', ')} ms\n`);
      }
    const result = { against: rev, current: summarise(runs.current), previous: summarise(runs.against), runs };
    for (const [name, s] of [
      [`this checkout`, result.current],
      [rev.slice(0, 10), result.previous],
    ] as const) {
      const p = s.phases_median;
      process.stdout.write(
        `${name}: median ${Math.round(s.median_ms)} ms (${Math.round(s.min_ms)}–${Math.round(s.max_ms)}, ${s.visits_ms.length} visits)` +
          (p
            ? `; phases ${Object.entries(p)
                .map(([k, v]) => `${k} ${Math.round(v)}`)
                .join(', ')} ms`
            : '') +
          (s.report_after_image_median_ms !== undefined
            ? `; the radiograph given → the first report word ${Math.round(s.report_after_image_median_ms)} ms`
            : '') +
          '\n',
      );
    }
    if (f.out) writeJsonFile(f.out, result, 2);
  });
}

runMain(import.meta.url, main);
