// The re-draft benchmark (tools/bench/redraft.ts) drives the real page: a film dropped again on a loaded model, and
// drafted again with the Re-run button, each timed in the page. Only what was timed is asserted, never a duration.
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { redraftRows } from '../tools/bench/redraft';
import { cxrImages } from './pageHelpers';

test('the re-draft bench times drops and re-runs of one film on the loaded page', async ({ baseURL }) => {
  test.setTimeout(180_000);
  const r = await redraftRows({ base: baseURL!, image: path.join(cxrImages, 'kermany/IM-0115-0001.jpeg'), runs: 2, pauseMs: 200 });
  expect(r.drop_ms).toHaveLength(2);
  expect(r.redraft_ms).toHaveLength(2);
  for (const ms of [...r.drop_ms, ...r.redraft_ms]) expect(ms).toBeGreaterThan(0);
  expect(r.redraft.median).toBeGreaterThanOrEqual(Math.min(...r.redraft_ms));
  expect(r.redraft.median).toBeLessThanOrEqual(Math.max(...r.redraft_ms));
});
