// `npm run ood-check -- [--model DIR] [--manifest PATH] [--root DIR] [--split test] [--limit N]
//                       [--extra DIR,DIR] [--device cpu|wasm] [--out FILE.json] [--results FILE.md|none]`
// How often the model folder's out-of-distribution check warns, and on what: real radiographs of a split per
// source (false alarms), the same radiographs rotated, upside down, inverted or cropped, flat/gradient/noise
// images, and every image in each --extra folder (your own documents, photos, lateral views, other body parts).
// Runs the engine's encode + detector + checkOod only (no reports), so the whole test split takes a minute or two.
// Writes a JSON summary and the ood section of docs/RESULTS.md. Progress on stderr. Exit 2 on bad usage.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultModelDir } from '../src/engine/node/defaultModelDir';
import { loadOrtNode, loadOrtWeb } from '../src/engine/node/nodeEngine';
import { isEnlarged } from '../src/engine/ood';
import type { OodResult } from '../src/engine/types';
import { MANIFEST_FLAGS, parseFlags, usage, UsageError, type FlagSpec } from './cli/flags';
import { runMain } from './cli/main';
import { CXR_MANIFEST, RESULTS_DOC, outPath, writeJsonFile } from './cli/paths';
import { decodeRecordImage } from './eval/images';
import { readManifest } from './eval/manifest';
import { EXPECTED_FIX, OodProbe, RADIOGRAPH_TRANSFORMS, detectorFlagged, embeddingFlagged, syntheticNonImages } from './eval/oodProbe';
import { markdownTable, writeSection } from './eval/resultsDoc';
import { decodeImageAsync, ImageBlankError, type GreyImage, type OrientationFix } from '../src/image';

const FLAGS = {
  ...MANIFEST_FLAGS,
  split: { type: 'string', help: 'split whose radiographs are scored (default test)' },
  limit: { type: 'number', help: 'score at most N radiographs per source' },
  extra: { type: 'list', help: 'folders of images that are NOT frontal chest radiographs; each is scored as a group' },
  device: { type: 'string', help: 'cpu (onnxruntime-node, default) or wasm (onnxruntime-web, as the page)', choices: ['cpu', 'wasm'] },
  out: { type: 'string', help: 'summary JSON (default out/ood-check-<model>.json)' },
  results: { type: 'string', help: 'Markdown document to update (default docs/RESULTS.md; "none" to skip)' },
  help: { type: 'boolean', help: 'show this help' },
} as const satisfies Record<string, FlagSpec>;
const COMMAND = 'npm run ood-check -- [flags]';

export interface GroupRate {
  group: string;
  kind: 'radiograph' | 'not_a_frontal_radiograph';
  n: number;
  detector: number; // share the detector warned about
  embedding: number; // share above the embedding-distance threshold
  low_resolution: number; // share smaller than the model's input (enlarged, so the engine warns: src/engine/ood.ts)
  blank: number; // share the engine refuses outright: one grey value throughout (ImageBlankError), so no detector score
  any: number; // share refused or with any warning (detector, embedding, colour or low resolution)
  fixed: number; // share offered a fix (a turn or an inversion the detector then passes: orientationCheck.ts; or the flip)
  mirrored: number; // share the mirror check finds mirrored, so offered the flip (src/engine/mirrorCheck.ts)
  right_fix?: number; // for a transform with one right fix (EXPECTED_FIX): share offered exactly it
  unreadable?: number; // files the decoder refused (typed errors: not counted in n)
}

class Tally {
  n = 0;
  detector = 0;
  embedding = 0;
  lowResolution = 0;
  blank = 0;
  any = 0;
  fixed = 0;
  mirrored = 0;
  rightFix = 0;
  constructor(
    private readonly inputSize: number,
    private readonly expected?: OrientationFix,
  ) {}
  /** One image's checks ('blank': the engine refused it); `img` gives its own pixel size (and colour, for files read
   *  as they come). */
  add(r: OodResult | 'blank', img: Pick<GreyImage, 'width' | 'height'>, colour = false): void {
    this.n++;
    if (r === 'blank') {
      this.blank++;
      this.any++;
      return;
    }
    const small = isEnlarged(img.width, img.height, this.inputSize);
    if (detectorFlagged(r)) this.detector++;
    if (embeddingFlagged(r)) this.embedding++;
    if (small) this.lowResolution++;
    if (r.warning || colour || small) this.any++;
    if (r.fixes?.length) this.fixed++;
    if (r.fixes?.some((f) => f.fix === 'flip')) this.mirrored++;
    if (this.expected && r.fixes?.some((f) => f.fix === this.expected)) this.rightFix++;
  }
  rate(group: string, kind: GroupRate['kind']): GroupRate {
    const share = (k: number) => (this.n ? k / this.n : 0);
    return {
      group,
      kind,
      n: this.n,
      detector: share(this.detector),
      embedding: share(this.embedding),
      low_resolution: share(this.lowResolution),
      blank: share(this.blank),
      any: share(this.any),
      fixed: share(this.fixed),
      mirrored: share(this.mirrored),
      ...(this.expected ? { right_fix: share(this.rightFix) } : {}),
    };
  }
}

/** The probe's result, or 'blank' where the engine refuses the image before any check. */
async function checked(probe: OodProbe, img: GreyImage, name?: string): Promise<OodResult | 'blank'> {
  try {
    return await probe.check(img, name);
  } catch (err) {
    if (err instanceof ImageBlankError) return 'blank';
    throw err;
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}

const decodeFile = (file: string): Promise<GreyImage> => decodeImageAsync(new Uint8Array(readFileSync(file))); // compressed DICOM too

export async function main(argv: string[]): Promise<GroupRate[] | null> {
  const f = parseFlags(argv, FLAGS, COMMAND);
  if (f.help) {
    process.stdout.write(`${usage(COMMAND, FLAGS)}\n`);
    return null;
  }
  const manifestPath = path.resolve(f.manifest ?? CXR_MANIFEST);
  const root = path.resolve(f.root ?? path.dirname(manifestPath));
  const split = f.split ?? 'test';
  const limit = f.limit ?? Infinity;
  const extra = (f.extra ?? []).map((d) => path.resolve(d));
  for (const d of extra) if (!statSync(d, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--extra ${d} is not a folder`);
  const records = readManifest(manifestPath).filter((r) => r.split === split);
  if (!records.length) throw new UsageError(`${manifestPath} has no ${split} images; choose another --split`);
  const sources = [...new Set(records.map((r) => r.source))].sort();
  const device = f.device ?? 'cpu';
  const modelDir = path.resolve(f.model ?? defaultModelDir());
  const probe = await OodProbe.open(modelDir, device === 'cpu' ? await loadOrtNode() : await loadOrtWeb(), device);
  const rates: GroupRate[] = [];
  const inputSize = probe.manifest.preprocessing.image_size;
  try {
    const perSource = new Map(sources.map((s) => [s, new Tally(inputSize)]));
    const transformed = new Map(Object.keys(RADIOGRAPH_TRANSFORMS).map((k) => [k, new Tally(inputSize, EXPECTED_FIX[k])]));
    let done = 0;
    for (const source of sources) {
      for (const rec of records.filter((r) => r.source === source).slice(0, limit)) {
        const img = await decodeRecordImage(root, rec);
        perSource.get(source)!.add(await checked(probe, img), img);
        for (const [name, transform] of Object.entries(RADIOGRAPH_TRANSFORMS)) {
          const changed = transform(img);
          transformed.get(name)!.add(await checked(probe, changed), changed);
        }
        if (++done % 100 === 0) process.stderr.write(`${done} radiographs\n`);
      }
    }
    for (const [s, t] of perSource) rates.push(t.rate(`${split} radiographs: ${s}`, 'radiograph'));
    for (const [name, t] of transformed) rates.push(t.rate(`the same, ${name.replace(/_/g, ' ')}`, 'not_a_frontal_radiograph'));
    const synthetic = new Tally(inputSize);
    for (const img of Object.values(syntheticNonImages())) synthetic.add(await checked(probe, img), img);
    rates.push(synthetic.rate('flat, gradient and noise images', 'not_a_frontal_radiograph'));
    for (const dir of extra) {
      const t = new Tally(inputSize);
      let unreadable = 0;
      for (const file of filesUnder(dir)) {
        let img: GreyImage;
        try {
          img = await decodeFile(file);
        } catch {
          unreadable++;
          continue;
        }
        t.add(await checked(probe, img, path.basename(file)), img, img.isColour);
      }
      rates.push({ ...t.rate(`--extra ${path.basename(dir)}`, 'not_a_frontal_radiograph'), unreadable });
    }
  } finally {
    await probe.dispose();
  }

  const id = probe.manifest.id;
  const out = path.resolve(f.out ?? outPath(`ood-check-${id}.json`));
  writeJsonFile(out, { model: { id, version: probe.manifest.version }, device, split, rates });
  process.stderr.write(`wrote ${out}\n`);
  const doc = f.results ?? RESULTS_DOC;
  if (doc !== 'none') {
    writeSection(
      path.resolve(doc),
      `ood:${id}`,
      oodMarkdown(id, probe.manifest.version, rates, `npm run ood-check -- ${argv.filter((a) => a !== '--').join(' ')}`.trim()),
    );
    process.stderr.write(`updated ${doc}\n`);
  }
  return rates;
}

export function oodMarkdown(id: string, version: string, rates: GroupRate[], commandLine: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const rows = rates.map((r) => [
    r.group,
    r.n,
    pct(r.detector),
    pct(r.embedding),
    pct(r.low_resolution),
    pct(r.blank),
    pct(r.any),
    pct(r.fixed),
    pct(r.mirrored),
    r.right_fix === undefined ? '–' : pct(r.right_fix),
  ]);
  return [
    `## Out-of-distribution check: ${id} ${version}`,
    '',
    `\`${commandLine}\`. Share of images warned about: by the detector (on the image, and on the film inside a blank`,
    'border of a tenth or more of it), by the embedding distance (diag Mahalanobis of p_img above the training p99),',
    'for an image smaller than the model input (enlarged to it); refused as blank (one grey value throughout); and by',
    'any check (any of these, or a colour image). On full-size radiographs a warning is a false alarm; on everything',
    'else it is a catch, and on a small radiograph it says the draft cannot see fine detail. "Offered a fix": the',
    'detector passes the image turned a quarter turn either way, half a turn or inverted, and the page offers that, or',
    'the mirror check finds the film mirrored ("looks mirrored") and the page offers to flip it; "the right fix": the',
    'one that undoes the transform.',
    '',
    markdownTable(
      [
        'images',
        'n',
        'detector',
        'embedding distance',
        'smaller than the input',
        'refused as blank',
        'any warning',
        'offered a fix',
        'looks mirrored',
        'the right fix',
      ],
      rows,
    ),
  ].join('\n');
}

runMain(import.meta.url, main);
