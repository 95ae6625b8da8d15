// `npm run bench -- [--out FILE.json] [--model DIR] [--runs N] [--where node,chromium] [--beams 1,3,5]
//                   [--precisions fp32,int8] [--image PATH] [--threads N] [--no-build] [--quick] [--visits N]`
// Times the model where it runs: Node (onnxruntime-web WASM, onnxruntime-node CPU) and Chromium (the page's
// worker engine on WASM, and WebGPU marked correctness_only), with and without the KV cache, plus each
// runtime's plain MatMul throughput for a roofline; in Chromium also the app page itself, first visit and returning
// visits (navigation start → the first report word, model and WebAssembly code cached). Writes JSON rows and the bench section of docs/RESULTS.md.
// Real-GPU WebGPU rows come from tools/bench/gpu.ts (bundled by `npm run build:gpu-bench`) on a lent GPU machine.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModelManifest, Precision } from '../src/engine/manifest';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { parseFlags, usage, UsageError, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CXR_DIR, CXR_MANIFEST, REPO_ROOT, RESULTS_DOC, outPath, writeJsonFile } from './cli/paths';
import { loadRecordImage } from './eval/images';
import { imagePath, readManifest } from './eval/manifest';
import { writeSection } from './eval/resultsDoc';
import { chromiumRows } from './bench/chromium';
import { returningVisitRows } from './bench/returningVisit';
import { readModelManifest } from './bench/rawModel';
import { cacheRows, engineRows, matmulRows, type NodeBenchOptions } from './bench/nodeBench';
import { benchMarkdown, downloadBytes, gpuMarkdown, roofline, visionGraphFlops } from './bench/report';
import type { BenchRow, DecoderGraphRow, MatmulRow } from './bench/rows';
import { decoderGraphRows } from './bench/decoderGraph';
import { plainBeamOf } from '../src/engine/settings';

const COMMAND = 'npm run bench -- [flags]';
const FLAGS = {
  out: { type: 'string', help: 'results JSON (default out/bench-<model>.json)' },
  model: { type: 'string', help: "model folder (default: public/models/index.json's default)" },
  runs: { type: 'number', help: 'timed runs per row after the warm-up (default 5)' },
  where: { type: 'list', help: 'node and/or chromium (default both)', choices: ['node', 'chromium'] },
  backends: { type: 'list', help: 'Node backends (default wasm,cpu)', choices: ['wasm', 'cpu'] },
  beams: { type: 'list', help: 'beam widths (default 1,3,5)' },
  precisions: { type: 'list', help: 'precisions (default: every one the manifest lists)', choices: ['fp32', 'int8', 'q4'] },
  image: { type: 'string', help: 'radiograph to report on (default: the first covid_qu test image of ../shared/data)' },
  threads: { type: 'number', help: 'onnxruntime-node intra-op threads (default 1)' },
  'kv-steps': { type: 'number', help: 'decoder steps for the with/without KV cache rows (default max_length/2)' },
  'baseline-model': {
    type: 'string',
    help: 'a model folder whose decoder graph the decoder-graph rows compare against (e.g. an earlier version taken out with git archive)',
  },
  'import-gpu': { type: 'string', help: 'only write the GPU section of the results document from a gpu-bench.mjs JSON file' },
  visits: { type: 'number', help: 'returning visits of the app page to time (default 5; 0 skips them; only for the installed model)' },
  'no-build': { type: 'boolean', help: 'do not run `npx vite build` before the Chromium rows' },
  quick: { type: 'boolean', help: 'smoke run: Node only, 1 run, beam 1, one precision' },
  results: { type: 'string', help: 'Markdown document to update (default docs/RESULTS.md; "none" to skip)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

function defaultImage(): string {
  const rec = readManifest(CXR_MANIFEST).find((r) => r.split === 'test' && r.source === 'covid_qu');
  if (!rec) throw new UsageError('no default image; pass --image PATH');
  return imagePath(CXR_DIR, rec);
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length}× ${cpu.trim()}, Node ${process.version}`;
}

export async function main(argv: string[]) {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) {
    process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
    return null;
  }
  const doc = f.results ?? RESULTS_DOC;
  if (f['import-gpu']) {
    const gpu = JSON.parse(readFileSync(path.resolve(f['import-gpu']), 'utf8'));
    writeSection(
      path.resolve(doc),
      `bench-gpu:${gpu.model.id}`,
      gpuMarkdown(gpu, `node gpu-bench.mjs (imported with npm run bench -- ${argv.filter((a) => a !== '--').join(' ')})`),
    );
    process.stderr.write(`updated ${doc}\n`);
    return gpu;
  }
  const quick = Boolean(f.quick);
  const modelDir = path.resolve(f.model ?? defaultModelDir());
  const manifest: ModelManifest = readModelManifest(modelDir);
  // The width of the default search in decoder rows (beam + sampled alternatives): the plain beam it costs as much as,
  // where the int8-vs-fp32 ratios are read.
  const defaultWidth = plainBeamOf(manifest.decoding).beam!;
  const available = Object.keys(manifest.files) as Precision[];
  const precisions = (f.precisions ?? (quick ? [available.includes('fp32') ? 'fp32' : available[0]] : available)).filter((p) => available.includes(p));
  if (precisions.length === 0) throw new UsageError(`the model has none of the requested precisions; it has ${available.join(', ')}`);
  const beams = (f.beams ?? (quick ? ['1'] : ['1', '3', '5'])).map(Number);
  if (beams.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError('--beams takes positive integers, e.g. 1,3,5');
  const runs = f.runs ?? (quick ? 1 : 5);
  const where = f.where ?? (quick ? ['node'] : ['node', 'chromium']);
  const image = path.resolve(f.image ?? defaultImage());
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadBefore = os.loadavg()[0];
  const rec = { id: 'bench', source: 'bench', image, split: 'bench', labels: [] };
  const pixels = (await loadRecordImage('/', rec, manifest.preprocessing)).pixels;

  const opts: NodeBenchOptions = { modelDir, manifest, pixels, runs, beams, precisions, log, threads: f.threads ?? 1, backends: f.backends ?? ['wasm', 'cpu'] };
  const rows: BenchRow[] = [];
  const matmul: MatmulRow[] = [];
  const decoderGraphs: DecoderGraphRow[] = [];
  const shapes: [number, number, number][] = [
    [512, 512, 512],
    [1, manifest.architecture.d_model, 4 * manifest.architecture.d_model],
  ];
  let chromiumInfo: Record<string, unknown> | undefined;
  if (where.includes('node')) {
    rows.push(...(await engineRows(opts)));
    rows.push(...(await cacheRows(opts, f['kv-steps'] ?? (quick ? 8 : Math.floor(manifest.decoding.max_length / 2)))));
    matmul.push(...(await matmulRows(opts, quick ? [shapes[1]] : shapes)));
    if (!quick) {
      const models = [{ dir: modelDir }, ...(f['baseline-model'] ? [{ dir: path.resolve(f['baseline-model']) }] : [])];
      decoderGraphs.push(...(await decoderGraphRows({ models, pixels, runs, steps: Math.floor(manifest.decoding.max_length / 2), log })));
    }
  }
  if (where.includes('chromium')) {
    if (!f['no-build']) {
      log('building the page (npx vite build) …');
      execFileSync('npx', ['vite', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
    }
    const { ensurePreview } = await import('./bench/chromium');
    const server = await ensurePreview(REPO_ROOT);
    try {
      const c = await chromiumRows({
        modelDir,
        image,
        runs,
        beams,
        precisions,
        webgpuPrecision: precisions.includes(manifest.default_precision) ? manifest.default_precision : precisions[0],
        defaultBeam: defaultWidth,
        pairedBeams: beams,
      });
      rows.push(...c.rows);
      matmul.push(...c.matmul);
      chromiumInfo = c.info;
      for (const e of (c.info.errors as string[] | undefined) ?? []) log(`chromium: ${e}`);
      const visits = f.visits ?? (quick ? 0 : 5);
      if (visits > 0 && path.resolve(modelDir) !== path.resolve(defaultModelDir())) {
        log(`returning-visit rows skipped: they time the app's installed model, not ${modelDir}`);
      } else if (visits > 0) {
        log(`timing the app page: a first visit and ${visits} returning visits …`);
        chromiumInfo.app_page = await returningVisitRows({ image, visits });
      }
    } finally {
      server?.kill();
    }
  }
  const extra = ['manifest.json', manifest.tokenizer].reduce((s, rel) => s + statSync(path.join(modelDir, rel)).size, 0);
  const results = {
    model: { id: manifest.id, version: manifest.version, dir: modelDir },
    machine: machine(),
    load_average: { before: loadBefore, after: os.loadavg()[0] }, // 1-minute load: other work on the machine skews timings
    image,
    rows,
    download_bytes: downloadBytes(manifest, extra),
    matmul,
    decoder_graphs: decoderGraphs,
    default_beam: defaultWidth,
    roofline: roofline(manifest, rows, matmul, visionGraphFlops(modelDir, manifest, log)),
    ...(chromiumInfo ? { chromium: chromiumInfo } : {}),
  };
  const out = path.resolve(f.out ?? outPath(`bench-${manifest.id}.json`));
  writeJsonFile(out, results);
  log(`wrote ${out}`);
  if (doc !== 'none') {
    writeSection(path.resolve(doc), `bench:${manifest.id}`, benchMarkdown(results, `npm run bench -- ${argv.filter((a) => a !== '--').join(' ')}`.trim()));
    log(`updated ${doc}`);
  }
  return results;
}

runMain(import.meta.url, main);
