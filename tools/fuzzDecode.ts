// npm run fuzz-decode [-- --per-seed N --timeout-ms T --seed S]: mutated PNG, JPEG, TIFF, DICOM files (every transfer
// syntax, made by e2e/fixtures/dicom_renditions.py from a JSRT radiograph) and plain JPEG 2000, HTJ2K and 12-bit JPEG
// codestreams through the page's decoder. Each must
// end in an image or a typed error within the time limit. Prints the counts; exits 1 on any crash or hang.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFlags, usage, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CXR_IMAGES, REPO_ROOT } from './cli/paths';
import { enlargedJpeg } from './bench/enlargedFilm';
import { runFuzz, type Seed } from './fuzz/run';
import { encapsulatedFirstFrame } from '../src/image/dicomFrame';
import { parseDicom, readHeader } from '../src/image/dicomParse';

const FLAGS = {
  'per-seed': { type: 'number', help: 'mutated files per seed file (default 100)' },
  'timeout-ms': { type: 'number', help: 'time limit per file in ms (default 10000)' },
  seed: { type: 'number', help: 'random seed of the mutations (default 1)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run fuzz-decode -- [flags]';
const DICOM_SEEDS = [
  'explicit_le_12',
  'big_endian_12',
  'deflated_12',
  'rle_12',
  'jpeg_baseline_8',
  'jpeg_extended_12',
  'jpeg_lossless_sv1_12',
  'jpegls_lossless_12',
  'j2k_lossless_12',
  'htj2k_lossless_12',
  'multiframe_rle_12',
  'rgb_8',
];

export function fuzzSeeds(): Seed[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'serpent-fuzz-'));
  execFileSync('/usr/bin/python3', [path.join(REPO_ROOT, 'e2e/fixtures/dicom_renditions.py'), path.join(CXR_IMAGES, 'jsrt/JPCLN001.png'), dir], {
    stdio: 'pipe',
  });
  const read = (f: string): Uint8Array => new Uint8Array(readFileSync(f));
  return [
    { format: 'png', name: 'jsrt/JPCLN001.png', bytes: read(path.join(CXR_IMAGES, 'jsrt/JPCLN001.png')) },
    { format: 'png', name: 'nih64/00000013_002.png', bytes: read(path.join(CXR_IMAGES, 'nih64/00000013_002.png')) },
    { format: 'jpeg', name: 'kermany/IM-0512-0001.jpeg', bytes: read(path.join(CXR_IMAGES, 'kermany/IM-0512-0001.jpeg')) },
    { format: 'jpeg', name: 'covid_qu/COVID-331.jpg', bytes: read(path.join(CXR_IMAGES, 'covid_qu/COVID-331.jpg')) },
    // 533 × 640: above TURBO_MIN_PIXELS, so its mutations go through libjpeg-turbo first and jpeg-js after
    { format: 'jpeg', name: 'jsrt/JPCLN001.png enlarged to 640 px', bytes: new Uint8Array(enlargedJpeg(path.join(CXR_IMAGES, 'jsrt/JPCLN001.png'), 640)) },
    ...DICOM_SEEDS.map((name) => ({ format: 'dicom' as const, name: `${name}.dcm`, bytes: read(path.join(dir, `${name}.dcm`)) })),
    // Plain files as a PACS exports a film without its DICOM: JPEG 2000, HTJ2K and 12-bit lossless JPEG codestreams.
    { format: 'jpeg2000', name: 'j2k_lossless_12.j2k', bytes: read(path.join(dir, 'j2k_lossless_12.j2k')) },
    { format: 'jpeg2000', name: 'htj2k_lossless_12.j2c', bytes: read(path.join(dir, 'htj2k_lossless_12.j2c')) },
    { format: 'jpeg', name: 'jpeg_lossless_sv1_12 as a plain .jpg', bytes: firstFrame(path.join(dir, 'jpeg_lossless_sv1_12.dcm')) },
    // TIFF as a film digitiser saves it: 16-bit (12-bit values) LZW with the predictor, and 8-bit PackBits.
    ...tiffSeeds(path.join(CXR_IMAGES, 'jsrt/JPCLN001.png'), dir).map((file) => ({ format: 'tiff' as const, name: path.basename(file), bytes: read(file) })),
    // A data set with no Part 10 preamble or meta group (implicit VR), as some older systems write them.
    { format: 'dicom', name: 'explicit_le_12.dcm as a raw implicit-VR data set', bytes: rawDataSet(path.join(dir, 'explicit_le_12.dcm'), dir) },
  ];
}

/** The radiograph as TIFF files (Pillow with libtiff). */
function tiffSeeds(png: string, dir: string): string[] {
  const script = [
    'import sys, numpy as np',
    'from PIL import Image',
    'a = np.asarray(Image.open(sys.argv[1]).convert("L"))',
    'Image.fromarray((a.astype(np.uint16) * 16)).save(sys.argv[2] + "/lzw_pred_12.tif", compression="tiff_lzw", tiffinfo={317: 2})',
    'Image.fromarray(a).save(sys.argv[2] + "/packbits_8.tif", compression="packbits")',
  ].join('\n');
  execFileSync('/usr/bin/python3', ['-c', script, png, dir], { stdio: 'pipe' });
  return ['lzw_pred_12.tif', 'packbits_8.tif'].map((f) => path.join(dir, f));
}

/** An encapsulated DICOM's frame 1 codestream: a whole JPEG file. */
function firstFrame(file: string): Uint8Array {
  const { dataSet, transferSyntax, syntax } = parseDicom(new Uint8Array(readFileSync(file)));
  return encapsulatedFirstFrame(dataSet, readHeader(dataSet, transferSyntax, syntax)).slice();
}

function rawDataSet(file: string, dir: string): Uint8Array {
  const out = path.join(dir, 'raw_implicit_12.dcm');
  execFileSync('dcmconv', ['-F', '+ti', file, out], { stdio: 'pipe' });
  return new Uint8Array(readFileSync(out));
}

async function main(argv: string[]): Promise<void> {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) return void console.log(usage(COMMAND, FLAGS));
  const seeds = fuzzSeeds();
  const result = await runFuzz(seeds, f['per-seed'] ?? 100, { timeoutMs: f['timeout-ms'] ?? 10_000, seed: f.seed ?? 1 });
  console.log(`fuzz-decode: ${result.files} mutated files from ${seeds.length} seeds`);
  console.log('format | image | typed error | crash | hang');
  for (const [format, c] of Object.entries(result.counts)) console.log(`${format} | ${c.image} | ${c['typed-error']} | ${c.crash} | ${c.hang}`);
  for (const f of result.failures) console.log(`FAIL ${f.outcome} ${f.seed} ${f.mutation} #${f.index}: ${f.detail}`);
  process.exitCode = result.failures.length ? 1 : 0;
}

runMain(import.meta.url, main);
