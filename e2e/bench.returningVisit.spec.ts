// The benchmark's app-page timing (tools/bench/returningVisit.ts) drives the real page: a first visit and a
// returning visit in one persistent profile, each from navigation to the first report word on screen, with its phases
// read from the engine worker's messages. Only the order of events is asserted, never a duration.
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { returningVisitRows } from '../tools/bench/returningVisit';
import { cxrImages } from './pageHelpers';

test('the bench times the app page: the radiograph is given before the report appears, on a first and a returning visit', async ({ baseURL }) => {
  test.setTimeout(180_000);
  const image = path.join(cxrImages, 'kermany/IM-0115-0001.jpeg');
  const r = await returningVisitRows({ image, visits: 2, settleMs: 2000, base: baseURL });
  expect(r.returning_visit_ms).toHaveLength(2);
  expect(r.image_given_at_ms).toHaveLength(2);
  expect(Number.isFinite(r.first_visit_ms) && r.first_visit_ms > 0).toBe(true);
  r.returning_visit_ms.forEach((reportAt, i) => expect(reportAt).toBeGreaterThan(r.image_given_at_ms[i]));
  expect(r.returning_visit.median).toBeGreaterThanOrEqual(Math.min(...r.returning_visit_ms));
  expect(r.returning_visit.median).toBeLessThanOrEqual(Math.max(...r.returning_visit_ms));
  // Every visit's phases were read (the page's worker messages still carry the marks), and they add up to the visit.
  expect(r.phases).toHaveLength(2);
  r.phases!.forEach((p, i) => {
    expect(p).not.toBeNull();
    for (const v of Object.values(p!)) expect(v).toBeGreaterThanOrEqual(0);
    const sum = p!.to_load_request + p!.to_files + p!.files + p!.sessions + p!.first_report;
    expect(sum).toBeLessThanOrEqual(r.returning_visit_ms[i] + 1); // the gaps between phases are the only rest
  });
});
