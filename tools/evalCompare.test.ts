import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './cli/flags';
import type { PerImageReport } from './eval/resultsSchema';
import { compareRuns, main, readReports } from './evalCompare';

const EFFUSION = 'small right pleural effusion.';
const NORMAL = 'no acute cardiopulmonary process.';

function rows(n: number, serpentRight: (i: number) => boolean): PerImageReport[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `src/${i}`,
    source: i % 3 ? 'kermany' : 'jsrt',
    truth: i % 2 ? ['pleural_effusion'] : ['no_finding'],
    reports: {
      serpent: serpentRight(i) ? (i % 2 ? EFFUSION : NORMAL) : i % 2 ? NORMAL : EFFUSION,
      serpent_no_rerank: NORMAL,
    },
  }));
}

describe('eval-compare', () => {
  it('compares the systems of one run, and only the pairs it has', () => {
    const [cmp, ...rest] = compareRuns(
      rows(40, () => true),
      undefined,
      undefined,
      { resamples: 100 },
    );
    expect(rest).toHaveLength(0); // the run has no diverse_lm, nearest_neighbour or lambda0 reports
    expect(cmp.micro_f1.a).toBe(1);
    expect(cmp.micro_f1.diff.lo).toBeGreaterThan(0);
    expect(() =>
      compareRuns(
        rows(4, () => true),
        undefined,
        [['serpent', 'nearest_neighbour']],
      ),
    ).toThrow(UsageError);
    const onlySerpent = rows(4, () => true).map((r) => ({ ...r, reports: { serpent: r.reports.serpent } }));
    expect(() => compareRuns(onlySerpent, undefined, undefined)).toThrow(/--pairs/);
  });

  it('pairs two runs by image id, on the images both scored, and refuses runs with other labels', () => {
    const older = rows(30, (i) => i % 5 !== 0); // wrong on 6 images
    const newer = rows(30, () => true)
      .reverse()
      .slice(0, 24); // another order, fewer images
    const [cmp] = compareRuns(newer, older, undefined, { resamples: 200 });
    expect([cmp.a, cmp.b, cmp.n]).toEqual(['serpent (first)', 'serpent (second)', 24]);
    expect(cmp.micro_f1.diff.estimate).toBeGreaterThan(0);
    const relabelled = older.map((r) => ({ ...r, truth: ['no_finding'] as PerImageReport['truth'] }));
    expect(() => compareRuns(newer, relabelled, undefined)).toThrow(/other labels/);
    expect(() =>
      compareRuns(
        newer,
        rows(3, () => true).map((r) => ({ ...r, id: `x${r.id}` })),
        undefined,
      ),
    ).toThrow(/share no image id/);
  });

  it('reads the .reports.jsonl an eval wrote, and says what it needs when given something else', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eval-compare-'));
    const file = path.join(dir, 'run.reports.jsonl');
    writeFileSync(
      file,
      `${rows(12, () => true)
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    expect(readReports(file)).toHaveLength(12);
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"model": "serpent-cxr"}\n');
    expect(() => readReports(bad)).toThrow(/not an eval report row/);
    expect(() => readReports(path.join(dir, 'missing.jsonl'))).toThrow(/cannot read/);
    expect(() => main([])).toThrow(/one or two \.reports\.jsonl/);
    const out = path.join(dir, 'cmp.json');
    const written = main([file, '--resamples', '50', '--out', out]);
    expect(written?.[0].resamples).toBe(50);
  });
});
