// `npm run complete-model`: makes a retrained report model's folder (`npm run export`) as complete as the shipped one,
// by the project's own commands in order (tools/completeModel/plan.ts): the parts that read pixels are carried over
// from --from-model, the finding reader is refitted on the new image tokens, the static WebGPU step is built, and the
// side gate, the subtype margin and the decoding defaults (with the second look) are chosen on val drafts; last, one val
// film is drafted from the finished folder through the engine, whose manifest check refuses a part that does not fit. It prints
// the plan first, runs each step with its own output, and stops at the first that fails, saying how to go on from it.
// A full run on this 2-core CPU takes tens of minutes; then `npm run eval -- --model DIR --split test` scores it.
//   npm run complete-model -- --model DIR [--from-model public/models/serpent-cxr|none] [--corpus corpus]
//        [--manifest PATH --root DIR] [--work DIR] [--from STEP] [--only a,b] [--dry-run]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stopWithThisProcess } from './cli/childProcesses';
import { type FlagSpec, parseFlags, UsageError, usage } from './cli/flags';
import { runMain } from './cli/main';
import { CORPUS_DIR, CXR_MANIFEST, REPO_ROOT } from './cli/paths';
import { readManifest } from './eval/manifest';
import { type FolderManifest, planSteps, selectSteps, STEP_NAMES, type Step } from './completeModel/plan';

const SHIPPED = 'public/models/serpent-cxr';

const specs = {
  model: { type: 'string', help: 'the exported folder to complete (required)' },
  'from-model': { type: 'string', help: `folder whose pixel-reading parts are carried over (default ${SHIPPED}; none: carry nothing)` },
  corpus: { type: 'string', help: 'the corpus the model was trained on (default corpus)' },
  manifest: { type: 'string', help: 'image manifest of the val films the drafts are made from (default ../shared/data/cxr/manifest.jsonl)' },
  root: { type: 'string', help: "folder the manifest's image paths are relative to (default: the manifest's folder)" },
  work: { type: 'string', help: 'folder for the features, candidates and sweeps (default runs/complete-<folder name>)' },
  from: { type: 'string', help: `start at this step (after a failure), one of ${STEP_NAMES.join(', ')}` },
  only: { type: 'list', help: 'run only these steps', choices: STEP_NAMES },
  'dry-run': { type: 'boolean', help: 'print the plan and stop' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

function readFolderManifest(dir: string, role: string): FolderManifest {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) throw new UsageError(`${role} ${dir} has no manifest.json; pass an exported model folder (\`npm run export\`)`);
  return JSON.parse(readFileSync(file, 'utf8')) as FolderManifest;
}

/** One line per step: what it does, and its command or why it is skipped. */
export function describePlan(steps: readonly Step[]): string {
  return steps
    .map((s, i) => `${i + 1}. ${s.name}: ${s.what}\n   ${s.command ? `npm run ${s.command[0]} -- ${s.command.slice(1).join(' ')}` : `skipped: ${s.skip}`}`)
    .join('\n');
}

/** Runs a step's command with the terminal's output; its exit status. The child dies with this command. */
function runStep(step: Step): Promise<number> {
  const [script, ...args] = step.command ?? [];
  const child = stopWithThisProcess(spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: REPO_ROOT, stdio: 'inherit' }));
  return new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function main(argv: string[]): Promise<number> {
  const f = parseFlags(argv, specs, 'npm run complete-model --');
  if (f.help) {
    console.log(usage('npm run complete-model -- --model DIR [flags]', specs));
    return 0;
  }
  if (!f.model) throw new UsageError('--model DIR is required: the folder `npm run export` wrote');
  const model = f.model;
  const target = readFolderManifest(model, '--model');
  const donorDir = f['from-model'] === 'none' ? null : (f['from-model'] ?? SHIPPED);
  if (donorDir && path.resolve(donorDir) === path.resolve(model)) throw new UsageError('--from-model and --model are the same folder');
  const donor = donorDir ? readFolderManifest(donorDir, '--from-model') : null;
  const corpus = f.corpus ?? CORPUS_DIR;
  const imageManifest = f.manifest ?? CXR_MANIFEST;
  const records = readManifest(imageManifest);
  const hasPneumoniaType = records.some((r) => r.split === 'val' && typeof r.pneumonia_type === 'string');
  const firstVal = records.find((r) => r.split === 'val');
  const checkFilm = firstVal && path.resolve(f.root ?? path.dirname(imageManifest), firstVal.image);
  const work = f.work ?? path.join('runs', `complete-${path.basename(path.resolve(model))}`);
  let steps: Step[];
  try {
    steps = selectSteps(planSteps({ model, target, donor, donorDir, corpus, work, manifest: f.manifest, root: f.root, hasPneumoniaType, checkFilm }), {
      from: f.from,
      only: f.only,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  console.log(`Completing ${model}${donor ? ` with the pixel-reading parts of ${donorDir} (${donor.id} ${donor.version})` : ''}:\n${describePlan(steps)}`);
  if (f['dry-run']) return 0;
  const needsCorpus = steps.some((s) => s.command?.includes(corpus));
  if (needsCorpus && !existsSync(path.join(corpus, 'meta.json')))
    throw new UsageError(`${corpus}/meta.json not found; build the corpus with \`npm run corpus\``);
  mkdirSync(work, { recursive: true });
  for (const step of steps) {
    if (!step.command) continue;
    console.log(`\n== ${step.name}: ${step.what}`);
    const status = await runStep(step);
    if (status !== 0) {
      console.error(`complete-model: step ${step.name} failed (exit ${status}); mend what it said, then go on with --from ${step.name}`);
      return 1;
    }
  }
  console.log(`\n${model} is complete. Score it on test: npm run eval -- --model ${model} --split test`);
  return 0;
}

runMain(import.meta.url, main);
