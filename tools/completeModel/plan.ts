// The steps that make an exported report model's folder complete, as the shipped one is, in the order each needs the
// last: the parts that read pixels carried over from a donor folder (similarity towers, OOD detector, image reader,
// lesion map and mirror check), the finding reader refitted on the new image tokens, the static WebGPU step, then the choices made on
// val drafts (side gate, subtype margin, decoding defaults with the second look, the findings the drafts read), and last one draft through the
// engine, whose manifest check refuses a part that does not fit (a lesion map on another grid, a missing file). Pure: what runs, and why a step is
// skipped, comes from the two manifests and the image manifest's fields.
import path from 'node:path';

/** The manifest fields the plan reads (src/engine/manifest.ts has the whole shape). */
export interface FolderManifest {
  id: string;
  version: string;
  preprocessing: { grid?: [number, number] };
  architecture: { vocab_size: number };
  similarity?: { input?: string; grid?: [number, number] };
  ood?: { detector?: unknown };
  image_reader?: unknown;
  lesion_map?: { grid?: [number, number] };
  mirror_check?: unknown;
  finding_reader?: { feature?: string };
}

export const STEP_NAMES = [
  'towers',
  'ood',
  'pixel-readers',
  'image-features',
  'finding-reader',
  'static-decoder',
  'side-gate',
  'subtype-margin',
  'candidates',
  'defaults',
  'assessed-findings',
  'check',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface Step {
  name: StepName;
  what: string;
  /** `npm run` arguments (the script, then its flags); absent when skipped. */
  command?: string[];
  skip?: string;
}

export interface PlanInput {
  model: string; // the folder being completed
  target: FolderManifest; // its manifest as exported
  donor: FolderManifest | null; // the folder the pixel-reading parts come from (null: --from-model none)
  donorDir: string | null;
  corpus: string;
  work: string; // features, candidates and sweeps go here
  manifest?: string; // image manifest for the val drafts (default: the shared data's)
  root?: string;
  hasPneumoniaType: boolean; // the image manifest's val films say bacterial or viral
  checkFilm?: string; // a val film the finished folder drafts, through the engine, as the last step
  /** The sweep's search configurations and the grid its defaults are chosen from (the shipped model's). */
  configs?: string;
}

const SHIPPED_CONFIGS = '1x1:0+s4@1,3x1:0,5x1:0';
const gridText = (g: readonly number[] | undefined): string => g?.join('×') ?? 'no grid';

export function planSteps(p: PlanInput): Step[] {
  const d = p.donor;
  const from = p.donorDir ?? '';
  const images = [...(p.manifest ? ['--manifest', p.manifest] : []), ...(p.root ? ['--root', p.root] : [])];
  const towersSkip = !d
    ? 'no --from-model folder to carry it from'
    : d.similarity?.input !== 'pixels'
      ? `${from} has no pixel-reading towers`
      : d.architecture.vocab_size !== p.target.architecture.vocab_size
        ? `its text tower reads ${d.architecture.vocab_size} token ids and this vocabulary has ${p.target.architecture.vocab_size}: train towers for it (training/README.md, "Similarity towers")`
        : null;
  // The lesion map draws on the heatmaps' grid: the towers' once they are carried over, else the folder's own.
  const grid = gridText((towersSkip ? p.target.similarity?.grid : d?.similarity?.grid) ?? p.target.preprocessing.grid);
  const mapFits = gridText(d?.lesion_map?.grid) === grid;
  const pixelReaders = d ? (['image_reader', 'lesion_map', 'mirror_check'] as const).filter((k) => d[k] !== undefined && (k !== 'lesion_map' || mapFits)) : [];
  const mapLeftOut =
    d?.lesion_map && !mapFits
      ? ` (not the lesion map: it draws on ${gridText(d.lesion_map.grid)}, this folder's maps are ${grid}; npm run lesion-map -- --write retrains it)`
      : '';
  const readerFromDonor = d?.finding_reader?.feature === 'image_reader' && pixelReaders.includes('image_reader');
  const noDonor = 'no --from-model folder to carry it from';
  const features = path.join(p.work, 'features');
  const candidates = path.join(p.work, 'candidates-val.jsonl');
  const steps: Step[] = [
    {
      name: 'towers',
      what: 'the similarity towers (they read pixels through their own network): carried over',
      ...(towersSkip ? { skip: towersSkip } : {}),
      command: ['export-similarity', '--from-model', from, '--model', p.model],
    },
    {
      name: 'ood',
      what: 'the out-of-distribution detector (it reads pixels): carried over',
      ...(!d ? { skip: noDonor } : !d.ood?.detector ? { skip: `${from} has no detector` } : {}),
      command: ['export-ood', '--from-model', from, '--model', p.model],
    },
    {
      name: 'pixel-readers',
      what: `the image reader, the lesion map and the mirror check (networks that read pixels), with what reads only them: carried over${mapLeftOut}`,
      ...(!d ? { skip: noDonor } : pixelReaders.length === 0 ? { skip: `${from} has none that fits${mapLeftOut}` } : {}),
      command: ['carry-over', '--from-model', from, '--model', p.model, '--parts', pixelReaders.join(',')],
    },
    {
      name: 'image-features',
      what: "the new report model's image tokens of the train and val films",
      ...(readerFromDonor ? { skip: 'the finding reader reads the image reader, carried over' } : {}),
      command: ['image-features', '--model', p.model, '--corpus', p.corpus, '--out', features, '--splits', 'train,val', '--clean-only'],
    },
    {
      name: 'finding-reader',
      what: 'the finding reader refitted on those tokens (the votes read it)',
      ...(readerFromDonor ? { skip: 'the finding reader reads the image reader, carried over' } : {}),
      command: ['finding-reader', '--features', features, '--corpus', p.corpus, '--model', p.model, '--write'],
    },
    {
      name: 'static-decoder',
      what: 'the fixed-shape decoder step that WebGPU replays',
      command: ['static-decoder', '--model', p.model],
    },
    {
      name: 'side-gate',
      what: 'which findings may be put on a side, from the val drafts',
      command: ['side-gate', '--model', p.model, '--split', 'val', ...images, '--write'],
    },
    {
      name: 'subtype-margin',
      what: "the pneumonia type's margin, from the val drafts",
      ...(!pixelReaders.includes('image_reader')
        ? { skip: 'no image reader to read the type' }
        : !p.hasPneumoniaType
          ? { skip: 'no val film says bacterial or viral' }
          : {}),
      command: ['subtype-probe', '--model', p.model, '--corpus', p.corpus, '--feature', 'image_reader', '--drafts', ...images, '--write'],
    },
    {
      name: 'candidates',
      what: 'every val film decoded once per search configuration, the candidates kept',
      command: [
        'sweep-rerank',
        '--model',
        p.model,
        '--split',
        'val',
        '--per-source',
        '5000',
        ...images,
        '--configs',
        p.configs ?? SHIPPED_CONFIGS,
        '--betas',
        '0,2',
        '--vote-thresholds',
        '0,0.7',
        '--reader-weights',
        '0.75',
        '--candidates',
        candidates,
        '--out',
        path.join(p.work, 'sweep-val.json'),
      ],
    },
    {
      name: 'defaults',
      what: 'the decoding defaults and the second look, chosen on those candidates by the sweep rule',
      command: [
        'sweep-rerank',
        '--model',
        p.model,
        '--rescore',
        candidates,
        '--split',
        'val',
        '--betas',
        '0,1,2,4',
        '--vote-thresholds',
        '0,0.5,0.6,0.7',
        '--reader-weights',
        '0,0.5,0.75,1',
        '--out',
        path.join(p.work, 'sweep-val-rescored.json'),
        '--write-defaults',
      ],
    },
    {
      name: 'assessed-findings',
      what: "which findings the drafts, with those defaults, were shown to find on val (the page marks the others' negatives)",
      command: ['assessed-findings', '--model', p.model, '--split', 'val', ...images, '--write'],
    },
    {
      name: 'check',
      what: 'one val film drafted from the finished folder through the engine, which checks every part the manifest lists',
      ...(p.checkFilm ? {} : { skip: 'no val film in the image manifest' }),
      command: ['report', '--model', p.model, p.checkFilm ?? ''],
    },
  ];
  return steps.map((s) => (s.skip ? { name: s.name, what: s.what, skip: s.skip } : s));
}

/** The steps --from and --only keep (the others are left as they are in the folder); unknown names are refused. */
export function selectSteps(steps: readonly Step[], opts: { from?: string; only?: readonly string[] }): Step[] {
  for (const name of [opts.from, ...(opts.only ?? [])]) {
    if (name !== undefined && !(STEP_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown step "${name}"; the steps are ${STEP_NAMES.join(', ')}`);
    }
  }
  const start = opts.from ? steps.findIndex((s) => s.name === opts.from) : 0;
  return steps.slice(start).filter((s) => !opts.only || opts.only.includes(s.name));
}
