// `npm run bench-redraft -- [--image PATH] [--side 2500] [--runs 6] [--against REV] [--rounds 2] [--out FILE.json]`
// How long a full-size film takes to draft once the model is loaded, in Debian's Chromium on the built page (WASM,
// the installed model): dropping the film (the page decodes it, the engine preprocesses and drafts it), and drafting
// it again with the same settings (the Re-run button). Each time runs in the page, from the action to the progress
// panel's removal. With --against REV, this checkout's build and REV's (twoBuilds.ts) run in alternating rounds.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { waitForReport } from '../../e2e/pageHelpers';
import { parseFlags, usage, type FlagSpec } from '../cli/flags';
import { runMain } from '../cli/main';
import { CXR_DIR, REPO_ROOT, writeJsonFile } from '../cli/paths';
import { ensurePreview } from './chromium';
import { enlargedJpeg } from './enlargedFilm';
import { spread, type Spread } from './stats';
import { resolveRevision, withTwoBuilds, type Build } from './twoBuilds';

const FLAGS = {
  image: { type: 'string', help: 'the film to draft (default: a JPEG of JSRT JPCLN001 enlarged to --side)' },
  side: { type: 'number', help: 'the default film’s height in px; its width is 5/6 of it (default 2500)' },
  runs: { type: 'number', help: 'drops and re-drafts timed per round (default 6)' },
  against: { type: 'string', help: 'also time this git revision’s build, in alternating rounds' },
  rounds: { type: 'number', help: 'rounds per build (default 1; 2 with --against)' },
  port: { type: 'number', help: 'port of the preview server without --against (default $PW_PORT or 4174)' },
  out: { type: 'string', help: 'results JSON (default: none)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run bench-redraft -- [flags]';

export interface RedraftResult {
  drop_ms: number[]; // the file given → its draft done, the model already loaded
  redraft_ms: number[]; // Re-run clicked → the draft done
  drop: Spread;
  redraft: Spread;
}

/** In the page: run `act`, then resolve with the ms until the progress panel has appeared and gone again. */
function timeDraft(page: Page, act: 'click-rerun' | 'armed'): Promise<number> {
  return page.evaluate(
    (how) =>
      new Promise<number>((resolve) => {
        let seen = false;
        const t0 = performance.now();
        const obs = new MutationObserver(() => {
          if (document.querySelector('[data-testid="run-progress"]')) seen = true;
          else if (seen && document.querySelector('[data-testid="report-word"], [data-testid="withheld-draft"]')) {
            obs.disconnect();
            resolve(Math.round(performance.now() - t0));
          }
        });
        obs.observe(document.body, { subtree: true, childList: true });
        if (how === 'click-rerun') [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Re-run')?.click();
      }),
    act,
  );
}

/** One round on one build: load the page, draft the film once untimed, then time `runs` drops and `runs` re-drafts. */
export async function redraftRows(opts: { base: string; image: string; runs: number; pauseMs?: number }): Promise<RedraftResult> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
    await page.goto(`${opts.base}/?device=wasm`);
    const input = page.getByTestId('file-input');
    await input.setInputFiles(opts.image);
    await waitForReport(page, 180_000);
    const pause = () => page.waitForTimeout(opts.pauseMs ?? 800);
    const drop_ms: number[] = [];
    const redraft_ms: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      await pause();
      const timed = timeDraft(page, 'armed');
      await input.setInputFiles(opts.image); // the same film again is a new study: the page decodes it and drafts
      drop_ms.push(await timed);
    }
    for (let i = 0; i < opts.runs; i++) {
      await pause();
      redraft_ms.push(await timeDraft(page, 'click-rerun'));
    }
    return { drop_ms, redraft_ms, drop: spread(drop_ms), redraft: spread(redraft_ms) };
  } finally {
    await browser.close();
  }
}

const fmt = (s: Spread): string => `${Math.round(s.median)} ms (p10–p90 ${Math.round(s.p10)}–${Math.round(s.p90)})`;

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) return void process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
  let image = f.image;
  if (!image) {
    image = path.join(mkdtempSync(path.join(tmpdir(), 'serpent-redraft-')), 'film.jpg');
    writeFileSync(image, enlargedJpeg(path.join(CXR_DIR, 'images', 'jsrt', 'JPCLN001.png'), f.side ?? 2500));
  }
  const runs = f.runs ?? 6;
  const report = (name: string, rounds: RedraftResult[]) => {
    const drop = spread(rounds.flatMap((r) => r.drop_ms));
    const redraft = spread(rounds.flatMap((r) => r.redraft_ms));
    process.stdout.write(`${name}: drop → draft ${fmt(drop)}; re-draft ${fmt(redraft)}\n`);
    return { drop, redraft, rounds };
  };
  if (!f.against) {
    const port = f.port ?? Number(process.env.PW_PORT ?? 4174);
    const server = await ensurePreview(REPO_ROOT, port);
    try {
      const rounds: RedraftResult[] = [];
      for (let round = 0; round < (f.rounds ?? 1); round++) rounds.push(await redraftRows({ base: `http://127.0.0.1:${port}`, image, runs }));
      const result = { image, current: report('this checkout', rounds) };
      if (f.out) writeJsonFile(f.out, result, 2);
    } finally {
      server?.kill();
    }
    return;
  }
  const rev = resolveRevision(f.against);
  await withTwoBuilds(rev, async (base) => {
    const rounds: Record<Build, RedraftResult[]> = { current: [], against: [] };
    for (let round = 0; round < (f.rounds ?? 2); round++)
      for (const which of ['against', 'current'] as const) {
        const r = await redraftRows({ base: base[which], image, runs });
        rounds[which].push(r);
        process.stderr.write(`${which} round ${round + 1}: drops ${r.drop_ms.join(', ')} ms; re-drafts ${r.redraft_ms.join(', ')} ms\n`);
      }
    const result = { image, against: rev, current: report('this checkout', rounds.current), previous: report(rev.slice(0, 10), rounds.against) };
    if (f.out) writeJsonFile(f.out, result, 2);
  });
}

runMain(import.meta.url, main);
