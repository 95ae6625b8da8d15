// The plan of `npm run complete-model`: which steps run and which are skipped (and why) follows from the donor's parts,
// the two folders' vocabulary and heatmap grid, and the image manifest; --from and --only pick steps by name.
import { describe, expect, it } from 'vitest';
import { type FolderManifest, type PlanInput, planSteps, selectSteps, STEP_NAMES } from './plan';

const shipped: FolderManifest = {
  id: 'serpent-cxr',
  version: '1.8.1',
  preprocessing: { grid: [8, 8] },
  architecture: { vocab_size: 376 },
  similarity: { input: 'pixels', grid: [16, 16] },
  ood: { detector: {} },
  image_reader: {},
  lesion_map: { grid: [16, 16] },
  finding_reader: { feature: 'image_tokens_mean' },
};
const retrained: FolderManifest = { id: 'mine', version: '2.0.0', preprocessing: { grid: [8, 8] }, architecture: { vocab_size: 376 } };

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  model: 'runs/m2/serpent-cxr',
  target: retrained,
  donor: shipped,
  donorDir: 'public/models/serpent-cxr',
  corpus: 'corpus',
  work: 'runs/complete-m2',
  hasPneumoniaType: true,
  checkFilm: '/data/cxr/images/jsrt/JPCLN002.png',
  ...over,
});
const byName = (steps: ReturnType<typeof planSteps>) => Object.fromEntries(steps.map((s) => [s.name, s]));

describe('planSteps', () => {
  it('with the shipped folder as donor: every step runs, in the order each needs the last', () => {
    const steps = planSteps(input());
    expect(steps.map((s) => s.name)).toEqual([...STEP_NAMES]);
    expect(steps.every((s) => s.command && !s.skip)).toBe(true);
    const s = byName(steps);
    expect(s['pixel-readers'].command).toEqual([
      'carry-over',
      '--from-model',
      'public/models/serpent-cxr',
      '--model',
      'runs/m2/serpent-cxr',
      '--parts',
      'image_reader,lesion_map',
    ]);
    // The finding reader reads the features the step before wrote; the defaults re-choose the candidates kept.
    expect(s['image-features'].command).toContain('runs/complete-m2/features');
    expect(s['finding-reader'].command).toEqual(expect.arrayContaining(['--features', 'runs/complete-m2/features', '--write']));
    expect(s.candidates.command).toEqual(expect.arrayContaining(['--candidates', 'runs/complete-m2/candidates-val.jsonl']));
    expect(s.defaults.command).toEqual(expect.arrayContaining(['--rescore', 'runs/complete-m2/candidates-val.jsonl', '--write-defaults']));
    expect(s['assessed-findings'].command).toEqual(
      expect.arrayContaining(['assessed-findings', '--model', 'runs/m2/serpent-cxr', '--split', 'val', '--write']),
    );
    expect(s.check.command).toEqual(['report', '--model', 'runs/m2/serpent-cxr', '/data/cxr/images/jsrt/JPCLN002.png']);
    expect(byName(planSteps(input({ checkFilm: undefined }))).check.skip).toBe('no val film in the image manifest');
  });

  it('another vocabulary: no towers, and then no lesion map unless the folder draws on its grid', () => {
    const own = { ...retrained, architecture: { vocab_size: 56 } };
    const s = byName(planSteps(input({ target: own })));
    expect(s.towers.skip).toMatch(/reads 376 token ids and this vocabulary has 56: train towers/);
    expect(s.towers.command).toBeUndefined();
    expect(s['pixel-readers'].command?.at(-1)).toBe('image_reader');
    expect(s['pixel-readers'].what).toMatch(/not the lesion map: it draws on 16×16, this folder's maps are 8×8/);
    const withTowers = byName(planSteps(input({ target: { ...own, similarity: { input: 'pixels', grid: [16, 16] } } })));
    expect(withTowers['pixel-readers'].command?.at(-1)).toBe('image_reader,lesion_map');
  });

  it('no donor: nothing is carried over; a reader on the image reader is carried, not refitted', () => {
    const none = byName(planSteps(input({ donor: null, donorDir: null })));
    for (const name of ['towers', 'ood', 'pixel-readers'] as const) expect(none[name].skip).toMatch(/no --from-model/);
    expect(none['subtype-margin'].skip).toBe('no image reader to read the type');
    expect(none['finding-reader'].command).toBeDefined();
    const reads = byName(planSteps(input({ donor: { ...shipped, finding_reader: { feature: 'image_reader' } } })));
    expect(reads['image-features'].skip).toMatch(/carried over/);
    expect(reads['finding-reader'].skip).toMatch(/carried over/);
  });

  it('films without a pneumonia type skip the subtype margin; an own image manifest reaches every drafting step', () => {
    const s = byName(planSteps(input({ hasPneumoniaType: false, manifest: '/data/mine.jsonl', root: '/data' })));
    expect(s['subtype-margin'].skip).toBe('no val film says bacterial or viral');
    for (const name of ['side-gate', 'candidates'] as const)
      expect(s[name].command).toEqual(expect.arrayContaining(['--manifest', '/data/mine.jsonl', '--root', '/data']));
  });
});

describe('selectSteps', () => {
  const steps = planSteps(input());
  it('--from starts at a step, --only keeps the named ones, an unknown name is refused', () => {
    expect(selectSteps(steps, { from: 'side-gate' }).map((s) => s.name)).toEqual(STEP_NAMES.slice(STEP_NAMES.indexOf('side-gate')));
    expect(selectSteps(steps, { only: ['ood', 'defaults'] }).map((s) => s.name)).toEqual(['ood', 'defaults']);
    expect(() => selectSteps(steps, { from: 'sweep' })).toThrow(/unknown step "sweep"; the steps are towers, ood/);
  });
});
