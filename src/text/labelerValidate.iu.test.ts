// Regression guard on real data: the labeler against IU X-ray's human MeSH codes (../shared/data, read-only).
// Term-list edits that lower agreement, or MeSH heads that the map neither maps nor ignores, fail here.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../engine/testing/sharedData';
import { cleanReport } from './clean';
import { FINDING_KEYS } from './findings';
import { labelReport } from './labeler';
import { computeMetrics } from './labelerMetrics';
import { buildValidationSet, readIuReports } from './labelerValidate';

const CSV = path.join(SHARED_DATA, 'iu_xray/indiana_reports.csv');

describe('labeler on IU X-ray reports vs MeSH codes', () => {
  it('reaches micro-F1 ≥ 0.93 over all findings with every MeSH head accounted for', () => {
    expect(existsSync(CSV), `${CSV} is missing: the shared data folder must sit beside the repository`).toBe(true);
    const reports = readIuReports(readFileSync(CSV, 'utf8'));
    expect(reports).toHaveLength(3851);
    const set = buildValidationSet(reports, labelReport, false);
    expect([...set.unmappedHeads.keys()]).toEqual([]);
    const metrics = computeMetrics(
      set.cases.map((c) => c.gold),
      set.cases.map((c) => c.predicted),
      FINDING_KEYS,
    );
    expect(metrics.nReports).toBe(3734);
    expect(metrics.microF1).toBeGreaterThanOrEqual(0.93);
    expect(metrics.macroF1).toBeGreaterThanOrEqual(0.87);
  });

  it('keeps that agreement on cleaned text (cleaning must not drop findings)', () => {
    const reports = readIuReports(readFileSync(CSV, 'utf8')).map((r) => ({
      ...r,
      findings: cleanReport(r.findings),
      impression: cleanReport(r.impression),
    }));
    const set = buildValidationSet(reports, labelReport, false);
    const metrics = computeMetrics(
      set.cases.map((c) => c.gold),
      set.cases.map((c) => c.predicted),
      FINDING_KEYS,
    );
    expect(metrics.microF1).toBeGreaterThanOrEqual(0.93);
  });
});
