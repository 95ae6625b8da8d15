// npm run fuzz-decode [-- --per-seed N --timeout-ms T --seed S]: mutated PNG, JPEG and DICOM files (every transfer
// syntax, made by e2e/fixtures/dicom_renditions.py from a JSRT radiograph) through the page's decoder. Each must
// end in an image or a typed error within the time limit. Prints the counts; exits 1 on any crash or hang.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFuzz, type Seed } from './fuzz/run';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CXR = path.resolve(root, '../shared/data/cxr/images');
const DICOM_SEEDS = ['explicit_le_12', 'big_endian_12', 'deflated_12', 'rle_12', 'jpeg_baseline_8', 'jpeg_lossless_sv1_12', 'jpegls_lossless_12', 'j2k_lossless_12', 'htj2k_lossless_12', 'multiframe_rle_12', 'rgb_8'];

export function fuzzSeeds(): Seed[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'serpent-fuzz-'));
  execFileSync('/usr/bin/python3', [path.join(root, 'e2e/fixtures/dicom_renditions.py'), path.join(CXR, 'jsrt/JPCLN001.png'), dir], { stdio: 'pipe' });
  const read = (f: string): Uint8Array => new Uint8Array(readFileSync(f));
  return [
    { format: 'png', name: 'jsrt/JPCLN001.png', bytes: read(path.join(CXR, 'jsrt/JPCLN001.png')) },
    { format: 'png', name: 'nih64/00000013_002.png', bytes: read(path.join(CXR, 'nih64/00000013_002.png')) },
    { format: 'jpeg', name: 'kermany/IM-0512-0001.jpeg', bytes: read(path.join(CXR, 'kermany/IM-0512-0001.jpeg')) },
    { format: 'jpeg', name: 'covid_qu/COVID-331.jpg', bytes: read(path.join(CXR, 'covid_qu/COVID-331.jpg')) },
    ...DICOM_SEEDS.map((name) => ({ format: 'dicom' as const, name: `${name}.dcm`, bytes: read(path.join(dir, `${name}.dcm`)) })),
  ];
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const seeds = fuzzSeeds();
  const result = await runFuzz(seeds, arg('--per-seed', 100), { timeoutMs: arg('--timeout-ms', 10_000), seed: arg('--seed', 1) });
  console.log(`fuzz-decode: ${result.files} mutated files from ${seeds.length} seeds`);
  console.log('format | image | typed error | crash | hang');
  for (const [format, c] of Object.entries(result.counts)) console.log(`${format} | ${c.image} | ${c['typed-error']} | ${c.crash} | ${c.hang}`);
  for (const f of result.failures) console.log(`FAIL ${f.outcome} ${f.seed} ${f.mutation} #${f.index}: ${f.detail}`);
  process.exitCode = result.failures.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
