// `npm run report -- IMAGE_OR_FOLDER... [--json] [--beam N] [--beta B] [--samples S] [--consensus G] [--device wasm|cpu]
//                    [--precision int8|fp32|q4] [--model DIR]`
// Drafts a report for every image (PNG, JPEG, JPEG 2000, DICOM; folders are searched recursively; `a.png+b.png` is one
// two-view study) with the same engine as the page. --json prints one JSON object per image on stdout.
// Bad files get an error line each; the exit code is non-zero only when every image failed (2: bad usage).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { serializeError } from '../src/engine/errors';
import type { Precision } from '../src/engine/manifest';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { createNodeEngine, type NodeBackend } from '../src/engine/node/nodeEngine';
import { IMAGE_EXTENSIONS } from '../src/image/types';
import { parseCommandLine, usage, UsageError, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { progressBar, toJson, toText } from './reportOutput';

const FLAGS = {
  json: { type: 'boolean', help: 'one JSON object per image on stdout' },
  beam: { type: 'number', help: "beam width (default: the model's)" },
  beta: { type: 'number', help: "weight of the image–text similarity in the rerank (default: the model's)" },
  samples: { type: 'number', help: "sampled alternatives beside the beam (default: the model's)" },
  consensus: { type: 'number', help: "weight of the candidates' agreement on findings in the rerank (default: the model's)" },
  device: { type: 'string', help: 'wasm (onnxruntime-web, as in the page) or cpu (onnxruntime-node, default)', choices: ['wasm', 'cpu'] },
  precision: { type: 'string', help: "int8, fp32 or q4 (default: the model's)", choices: ['int8', 'fp32', 'q4'] },
  model: { type: 'string', help: "model folder (default: public/models/index.json's default)" },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run report -- IMAGE_OR_FOLDER... [flags]';
const IMAGE_EXT = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');

export interface ReportArgs {
  inputs: string[];
  json: boolean;
  beam?: number;
  beta?: number;
  samples?: number;
  consensus?: number;
  device: NodeBackend;
  precision?: Precision;
  model?: string;
}

export function parseArgs(argv: string[]): ReportArgs {
  const { flags, positionals } = parseCommandLine(argv, FLAGS, COMMAND, { positionals: true });
  if (positionals.length === 0) throw new UsageError(`give at least one image or folder.\n${usage(COMMAND, FLAGS)}`);
  return { ...flags, inputs: positionals, json: flags.json ?? false, device: flags.device ?? 'cpu' };
}

/** Each input → a study: a file, `a+b` (two views), or every image file under a folder. */
export function findStudies(inputs: string[]): string[][] {
  const studies: string[][] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (IMAGE_EXT.test(name)) studies.push([p]);
    }
  };
  for (const input of inputs) {
    if (existsSync(input) && statSync(input).isDirectory()) walk(input);
    else if (!existsSync(input) && input.includes('+')) studies.push(input.split('+'));
    else studies.push([input]);
  }
  return studies;
}

export interface CliIo {
  out: (line: string) => void;
  err: (text: string) => void;
  tty: boolean;
}

export async function runReport(argv: string[], io: CliIo): Promise<number> {
  let args: ReportArgs;
  let studies: string[][];
  let modelDir: string;
  try {
    args = parseArgs(argv);
    studies = findStudies(args.inputs);
    modelDir = args.model ?? defaultModelDir();
  } catch (err) {
    io.err(`report: ${(err as Error).message}\n`);
    return 2;
  }
  if (studies.length === 0) {
    io.err(`report: no images (.png, .jpg, .jpeg, .dcm) under ${args.inputs.join(', ')}\n`);
    return 2;
  }
  const engine = await createNodeEngine({ backends: [args.device] });
  try {
    const info = await engine.load({ modelUrl: modelDir, device: args.device, precision: args.precision });
    io.err(`model ${info.modelId} ${info.modelVersion} (${info.precision}) on ${info.backend}: ${info.backendReason}\n`);
  } catch (err) {
    io.err(`report: cannot load the model in ${modelDir}: ${(err as Error).message}\n`);
    return 1;
  }
  let failed = 0;
  for (const [i, study] of studies.entries()) {
    const label = study.map((f) => path.basename(f)).join('+');
    if (io.tty) io.err(`\r${progressBar(i, studies.length, label)}\x1b[K`);
    try {
      const files = study.map((f) => {
        const buf = readFileSync(f);
        return { name: path.basename(f), bytes: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer };
      });
      const result = await engine.generateFiles(files, { beam: args.beam, beta: args.beta, samples: args.samples, consensus: args.consensus });
      const name = study.join('+');
      if (io.tty) io.err('\r\x1b[K');
      io.out(args.json ? JSON.stringify(toJson(name, result)) : `${toText(name, result)}\n`);
    } catch (err) {
      failed++;
      if (io.tty) io.err('\r\x1b[K');
      const e = serializeError(err);
      const named = study.map((f) => `${path.basename(f)}: `).find((prefix) => e.message.startsWith(prefix));
      const message = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : named ? e.message.slice(named.length) : e.message;
      if (args.json) io.out(JSON.stringify({ file: study.join('+'), error: { name: e.name, message } }));
      io.err(`error: ${study.join('+')}: ${message}\n`);
    }
  }
  if (io.tty) io.err(`\r${progressBar(studies.length, studies.length, 'done')}\n`);
  await engine.dispose();
  return failed === studies.length ? 1 : 0;
}

runMain(import.meta.url, (argv) =>
  runReport(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (text) => process.stderr.write(text),
    tty: Boolean(process.stderr.isTTY),
  }),
);
