// writeJsonFile: a results file under a folder that does not exist yet (out/ on a fresh clone) is written, not refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { writeJsonFile } from './paths';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('makes the missing folders and writes the JSON with a final newline', () => {
  dir = mkdtempSync(path.join(tmpdir(), 'serpent-paths-'));
  const file = path.join(dir, 'out', 'nested', 'result.json');
  writeJsonFile(file, { median_ms: 1473, visits: [1, 2] }, 2);
  const text = readFileSync(file, 'utf8');
  expect(JSON.parse(text)).toEqual({ median_ms: 1473, visits: [1, 2] });
  expect(text.endsWith('}\n')).toBe(true);
  expect(text).toContain('\n  "median_ms"');
});
