// `npm run complete-model` end to end on two random tiny folders: the dry run prints the plan and writes nothing; a
// run carries the donor's image reader and lesion map and detector over through the real commands; a step that fails
// stops the run with exit 1 and says how to go on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
let dir = '';
let donor = '';
let target = '';
let fresh = '';

/** The CLI as `npm run complete-model` runs it, with a val image manifest so the subtype check has something to read. */
function completeModel(args: string[]): { status: number | null; out: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'tools/completeModel.ts', '--manifest', path.join(dir, 'images.jsonl'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: res.status, out: res.stdout + res.stderr };
}

const manifestOf = (folder: string) => JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8'));

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'serpent-complete-'));
  donor = path.join(dir, 'donor');
  target = path.join(dir, 'target');
  fresh = path.join(dir, 'fresh');
  // The donor: a tiny folder given an image reader, a lesion map on its own 8 × 8 grid and a mirror check
  // (training/tests/test_carry_over.py).
  const script = `from training.tests.test_carry_over import donor; from training.export import random_tiny
donor(${JSON.stringify(donor)}); random_tiny(${JSON.stringify(target)}, seed=1, quantize=False, verify=False)
random_tiny(${JSON.stringify(fresh)}, seed=2, quantize=False, verify=False)`;
  spawnSync('/usr/bin/python3', ['-c', script], { cwd: ROOT, stdio: 'pipe' });
  writeFileSync(path.join(dir, 'images.jsonl'), `${JSON.stringify({ id: 'a', source: 'kermany', image: 'a.png', split: 'val', labels: ['No Finding'] })}\n`);
}, 120_000);

describe('npm run complete-model', () => {
  it('--dry-run prints every step, with its command or why it is skipped, and writes nothing', () => {
    const work = path.join(dir, 'work-dry');
    const { status, out } = completeModel(['--model', target, '--from-model', donor, '--work', work, '--dry-run']);
    expect(status).toBe(0);
    expect(out).toContain(`1. towers: the similarity towers`);
    expect(out).toMatch(/skipped: .*donor has no pixel-reading towers/);
    expect(out).toContain(`npm run carry-over -- --from-model ${donor} --model ${target} --parts image_reader,lesion_map,mirror_check\n`);
    expect(out).toContain('8. subtype-margin');
    expect(out).toMatch(/skipped: no val film says bacterial or viral/);
    expect(out).toMatch(/10\. defaults: .*\n {3}npm run sweep-rerank -- .*--write-defaults/);
    expect(out).toMatch(/11\. assessed-findings: .*\n {3}npm run assessed-findings -- .*--write/);
    expect(out).toContain('12. check: one val film drafted from the finished folder');
    expect(out).toContain(`npm run report -- --model ${target} ${path.join(dir, 'a.png')}`);
    expect(existsSync(work)).toBe(false);
  });

  it('runs the carry-over steps through the real commands', () => {
    const { status, out } = completeModel(['--model', target, '--from-model', donor, '--work', path.join(dir, 'work'), '--only', 'ood,pixel-readers']);
    expect(status, out).toBe(0);
    const got = manifestOf(target);
    const from = { id: manifestOf(donor).id, version: manifestOf(donor).version };
    expect(got.image_reader.copied_from).toEqual(from);
    expect(got.lesion_map.copied_from).toEqual(from);
    expect(got.mirror_check.copied_from).toEqual(from);
    expect(got.subtype_probe.copied_from).toEqual(from);
    expect(got.ood.detector.sha256).toBe(manifestOf(donor).ood.detector.sha256);
    expect(out).toContain(`${target} is complete`);
  });

  it('the check drafts a val film from the finished folder, and fails on a part the engine refuses', () => {
    const film = path.resolve(ROOT, '../shared/data/cxr/images/jsrt/JPCLN002.png');
    const manifest = path.join(dir, 'check.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ id: 'j', source: 'jsrt', image: film, split: 'val', labels: ['Nodule'] })}\n`);
    const check = (model: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'tools/completeModel.ts', '--manifest', manifest, '--root', '/', '--model', model, '--only', 'check'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
    const ok = check(fresh);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/== .*JPCLN002\.png .*\nFINDINGS: /);
    // The target took the test donor's lesion map, whose manifest entry names no findings: the engine refuses it.
    const bad = check(target);
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/lesion_map needs a path, bytes, sha256, grid and findings/);
    expect(bad.stderr).toContain('step check failed');
  });

  it('a step that fails stops the run: exit 1, and how to go on', () => {
    const damaged = manifestOf(donor);
    damaged.lesion_map.sha256 = '0'.repeat(64);
    writeFileSync(path.join(donor, 'manifest.json'), JSON.stringify(damaged));
    const { status, out } = completeModel([
      '--model',
      target,
      '--from-model',
      donor,
      '--work',
      path.join(dir, 'work'),
      '--only',
      'pixel-readers,static-decoder',
    ]);
    expect(status).toBe(1);
    expect(out).toMatch(/does not match its manifest's sha256/);
    expect(out).toContain('complete-model: step pixel-readers failed (exit 2); mend what it said, then go on with --from pixel-readers');
    expect(out).not.toContain('== static-decoder');
  });

  it('bad usage is refused before anything runs', () => {
    expect(completeModel(['--from-model', donor]).out).toMatch(/--model DIR is required/);
    expect(completeModel(['--model', dir]).out).toMatch(/has no manifest.json; pass an exported model folder/);
    const same = completeModel(['--model', target, '--from-model', target]);
    expect([same.status, same.out.includes('the same folder')]).toEqual([2, true]);
    expect(completeModel(['--model', target, '--from', 'train']).out).toMatch(/unknown step "train"/);
    const noCorpus = completeModel(['--model', target, '--from-model', donor, '--corpus', path.join(dir, 'none'), '--only', 'finding-reader']);
    expect([noCorpus.status, /none\/meta.json not found; build the corpus with `npm run corpus`/.test(noCorpus.out)]).toEqual([2, true]);
  });
});
