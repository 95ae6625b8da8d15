// `npm run ood-check` on the tiny random model: the groups it scores (per source, each transform, synthetic
// non-images, each --extra folder with its unreadable files counted apart), the JSON and the Markdown section.
// The numbers of a random model mean nothing; src/engine/ood.committed.test.ts checks the trained one's.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ensureTinyModel } from '../src/engine/testing/tinyModel';
import { UsageError } from './cli/flags';
import { main } from './oodCheck';

describe('npm run ood-check (tiny model)', () => {
  it('scores radiographs per source, their transforms, synthetic images and an --extra folder', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serpent-ood-'));
    const extra = path.join(dir, 'not-chest');
    mkdirSync(extra);
    const page = Uint8Array.from({ length: 8000 }, (_, i) => (Math.floor(i / 80) % 10 < 2 ? 30 : 240)); // lines of text
    writeFileSync(path.join(extra, 'page.png'), encodePng({ width: 80, height: 100, data: page, channels: 1, depth: 8 }));
    writeFileSync(path.join(extra, 'blank.png'), encodePng({ width: 80, height: 100, data: new Uint8Array(8000).fill(240), channels: 1, depth: 8 }));
    writeFileSync(path.join(extra, 'notes.txt'), 'not an image');
    const out = path.join(dir, 'ood.json');
    const md = path.join(dir, 'RESULTS.md');
    const rates = (await main(['--model', ensureTinyModel(), '--limit', '1', '--extra', extra, '--out', out, '--results', md]))!;
    const groups = rates.map((r) => r.group);
    expect(groups.slice(0, 4)).toEqual(['covid_qu', 'jsrt', 'kermany', 'nih64'].map((s) => `test radiographs: ${s}`));
    expect(groups).toContain('the same, rotated quarter turn');
    expect(groups).toContain('flat, gradient and noise images');
    const folder = rates.at(-1)!;
    expect(folder).toMatchObject({ kind: 'not_a_frontal_radiograph', n: 2, unreadable: 1, blank: 0.5 }); // blank.png is refused
    expect(rates.find((r) => r.group === 'flat, gradient and noise images')).toMatchObject({ n: 4, blank: 0.25 });
    for (const r of rates) {
      for (const k of ['detector', 'embedding', 'low_resolution', 'blank', 'any'] as const) expect(r[k]).toBeGreaterThanOrEqual(0);
      expect(r.any).toBeGreaterThanOrEqual(Math.max(r.detector, r.embedding, r.low_resolution, r.blank));
    }
    // The NIH films are 64 px, below the tiny model's 128 px input: each is counted as enlarged; the others are not.
    expect(JSON.parse(readFileSync(path.join(ensureTinyModel(), 'manifest.json'), 'utf8')).preprocessing.image_size).toBe(128);
    const bySource = Object.fromEntries(rates.slice(0, 4).map((r) => [r.group.split(': ')[1], r.low_resolution]));
    expect(bySource).toEqual({ covid_qu: 0, jsrt: 0, kermany: 0, nih64: 1 });
    expect(JSON.parse(readFileSync(out, 'utf8')).rates).toEqual(rates);
    expect(readFileSync(md, 'utf8')).toMatch(
      /<!-- section:ood:random-tiny -->\n## Out-of-distribution check: random-tiny[\s\S]*\| flat, gradient and noise images \| 4 \|/,
    );
  });

  it('refuses an --extra that is not a folder', async () => {
    await expect(main(['--model', ensureTinyModel(), '--extra', '/nonexistent-folder', '--results', 'none'])).rejects.toBeInstanceOf(UsageError);
  });
});
