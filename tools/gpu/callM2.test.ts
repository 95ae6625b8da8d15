// tools/gpu/call_m2.sh's run logic, off the GPU: a stand-in python3 on PATH records each call and writes the
// checkpoint a training run would. Checks that a fine-tune (NAME<BASE=ARGS) starts from its base's best checkpoint
// only after the base ended and saved, without the base's vision flags, and that every checkpoint comes back.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(__dirname, 'call_m2.sh');

const FAKE_PYTHON = `#!/usr/bin/env bash
echo "$*" >> "$CALLS"
out=""; prev=""
for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
case "$2" in
  training.train) mkdir -p "$out" && echo "weights of $out" > "$out/ckpt.pt" ;;
  training.ckpt_fp16) cp "$3" "$4" ;;
esac
`;

function callTrain(specs: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'serpent-call-m2-'));
  const bin = path.join(dir, 'bin');
  const out = path.join(dir, 'out');
  for (const d of [bin, out, path.join(dir, 'work', '.gpu2', 'stage')]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(bin, 'python3'), FAKE_PYTHON);
  chmodSync(path.join(bin, 'python3'), 0o755);
  const calls = path.join(dir, 'calls.txt');
  writeFileSync(calls, '');
  const r = spawnSync('bash', [SCRIPT, 'train', '5', ...specs], {
    cwd: path.join(dir, 'work'),
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, OUT: out, GPU_TMP: path.join(dir, 'tmp') },
    encoding: 'utf8',
  });
  const lines = readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean);
  return { r, lines, out, tmp: path.join(dir, 'tmp') };
}

describe('tools/gpu/call_m2.sh train', () => {
  it('runs a fine-tune from its base run’s checkpoint after the base has saved it', () => {
    const { r, lines, out, tmp } = callTrain(['base=--lambda 0', 'tune<base=--lambda 0.1 --time-budget-min 1.5', 'other=--lambda 0.5']);
    expect(r.status, r.stderr).toBe(0);
    const trainOf = (name: string) => lines.findIndex((l) => l.includes('training.train') && l.endsWith(`--out ${tmp}/runs/${name}`));
    const saveOf = (name: string) => lines.findIndex((l) => l.includes('training.ckpt_fp16') && l.includes(`/runs/${name}/ckpt.pt`));
    for (const name of ['base', 'tune', 'other']) {
      expect(trainOf(name), name).toBeGreaterThanOrEqual(0);
      expect(readFileSync(path.join(out, `${name}.ckpt.pt`), 'utf8')).toBe(`weights of ${tmp}/runs/${name}\n`);
    }
    expect(saveOf('base')).toBeLessThan(trainOf('tune'));
    const tune = lines[trainOf('tune')];
    expect(tune).toContain(`--init-from ${tmp}/runs/base/ckpt.pt --lambda 0.1 --time-budget-min 1.5`);
    expect(tune).not.toContain('--vision');
    expect(lines[trainOf('base')]).toContain('--vision mobilenet_v2 --vision-init imagenet');
  });

  it('refuses a fine-tune whose base is not among the runs, before training anything', () => {
    const { r, lines, out } = callTrain(['base=--lambda 0', 'tune<missing=--lambda 0.1']);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('fine-tune tune<missing: no run named missing');
    expect(lines.some((l) => l.includes('training.train'))).toBe(false);
    expect(existsSync(path.join(out, 'base.ckpt.pt'))).toBe(false);
  });
});
