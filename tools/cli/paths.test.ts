// writeJsonFile: a results file under a folder that does not exist yet (out/ on a fresh clone) is written, not refused;
// readResultsJson gives back the NaN that JSON wrote as null, so a table printed from the file says "–", not 0.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { formatNumber } from '../eval/resultsDoc';
import { readResultsJson, writeJsonFile } from './paths';

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

it('reads a results file back with its NaN rates, which print as "–" as in the run that wrote them', () => {
  dir = mkdtempSync(path.join(tmpdir(), 'serpent-paths-'));
  const file = path.join(dir, 'results.json');
  writeJsonFile(file, { hit_rate: Number.NaN, rates: [0.5, Number.NaN], nested: { share: 0, n: 0 } });
  expect(readFileSync(file, 'utf8')).toContain('"hit_rate": null');
  const back = readResultsJson<{ hit_rate: number; rates: number[]; nested: { share: number; n: number } }>(file);
  expect(back.hit_rate).toBeNaN();
  expect(back.rates[1]).toBeNaN();
  expect(back.nested).toEqual({ share: 0, n: 0 });
  expect(formatNumber(back.hit_rate)).toBe('–');
  expect(formatNumber(JSON.parse(readFileSync(file, 'utf8')).hit_rate * 100)).toBe('0'); // what a plain parse would print
});
