// Composition on real manifest rows of every source kind, with pools from the real IU train reports.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../engine/testing/sharedData';
import { cleanReport } from './clean';
import { CompositionError, ReportComposer, checkReport, type CompositionPlan } from './compose';
import { planFor, type ManifestRow } from './composeMapping';
import { buildPools } from './composePools';
import { mulberry32 } from './composeRng';
import { ancestorsOf, withAncestors } from './findings';
import { labelReport } from './labeler';
import { readIuReports } from './labelerValidate';
import { canonicalText, preTokenize } from './tokenizer';

const rows = new Map<string, ManifestRow>(
  fs
    .readFileSync(path.join(SHARED_DATA, 'cxr/manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ManifestRow)
    .map((r) => [r.id, r]),
);
const row = (id: string): ManifestRow => {
  const r = rows.get(id);
  if (!r) throw new Error(`manifest has no ${id}`);
  return r;
};
// One or more rows per kind: normals of every source, COVID, bacterial and viral pneumonia, NIH single/multi-label
// and with boxes, JSRT nodules in several lobes.
const SAMPLE = [
  'covid_qu/Normal-8373',
  'covid_qu/COVID-853',
  'kermany/IM-0115-0001',
  'kermany/person1663_bacteria_4412',
  'kermany/person1158_virus_1942',
  'nih64/00000002_000',
  'nih64/00000013_029', // Cardiomegaly+Effusion+Emphysema+Mass
  'nih64/00000013_004',
  'nih64/00000032_036', // Atelectasis+Edema+Effusion+Infiltration
  'nih64/00000193_019', // Pneumonia, box on the image's right half
  'nih64/00000032_037', // Cardiomegaly+Edema+Infiltration, infiltrate box on the image's left half
  'jsrt/JPCLN001', // l.upper lobe
  'jsrt/JPCLN062',
  'jsrt/JPCNN001',
];

let composer: ReportComposer;
const normalise = (t: string): string => canonicalText(cleanReport(t));

beforeAll(() => {
  const annotation = JSON.parse(fs.readFileSync(path.join(SHARED_DATA, 'iu_xray/annotation.json'), 'utf8')) as { train: Array<{ id: string }> };
  const uids = new Set(annotation.train.map((s) => /^CXR(\d+)_/.exec(s.id)![1]));
  const reports = readIuReports(fs.readFileSync(path.join(SHARED_DATA, 'iu_xray/indiana_reports.csv'), 'utf8')).filter((r) => uids.has(r.uid));
  composer = new ReportComposer(buildPools(reports, cleanReport, ancestorsOf), undefined, undefined, normalise);
});

describe('report composition on real manifest rows', () => {
  it('writes K distinct reports whose labeler findings equal the image findings, for every source kind', () => {
    for (const id of SAMPLE) {
      const plan = planFor(row(id));
      const reports = composer.compose(plan, 4, mulberry32(7));
      expect(new Set(reports.map((r) => r.text)).size).toBe(4);
      const expected = withAncestors(plan.findings.filter((f) => f !== 'no_finding')).sort();
      for (const r of reports) {
        const { findings, mentions } = labelReport(r.text);
        const asserted = Object.entries(findings)
          .filter(([k, s]) => k !== 'no_finding' && s !== 'negative')
          .map(([k]) => k)
          .sort();
        expect(asserted, `${id}: ${r.text}`).toEqual(expected);
        expect(findings.no_finding === 'positive').toBe(expected.length === 0);
        expect(
          mentions.filter((m) => m.status === 'negative' && expected.includes(m.finding)),
          r.text,
        ).toEqual([]);
        const words = preTokenize(r.text).filter((t) => /\w/.test(t)).length;
        expect(words, r.text).toBeGreaterThanOrEqual(12);
        expect(words, r.text).toBeLessThanOrEqual(75);
        expect(r.text).toBe(`${r.findings} ${r.impression}`);
        expect(r.impression.length).toBeGreaterThan(0);
      }
    }
  });

  it('maps source labels to our findings', () => {
    expect(planFor(row('covid_qu/COVID-853')).findings).toEqual(['lung_opacity', 'covid19_pattern']);
    expect(planFor(row('kermany/person1663_bacteria_4412')).findings).toEqual(['lung_opacity', 'consolidation', 'pneumonia']);
    expect(planFor(row('kermany/person1158_virus_1942')).findings).toEqual(['lung_opacity', 'pneumonia']);
    expect(planFor(row('nih64/00000013_029')).findings).toEqual(['cardiomegaly', 'lung_lesion', 'pleural_effusion', 'emphysema', 'mass']);
    expect(planFor(row('jsrt/JPCLN001')).findings).toEqual(['lung_lesion', 'nodule']);
    expect(planFor(row('jsrt/JPCNN001')).findings).toEqual(['no_finding']);
  });

  it('puts the side where the source gives it: NIH box on the image right = patient left; JSRT lobe', () => {
    const nihLeft = planFor(row('nih64/00000193_019'));
    expect(nihLeft.express[0].location).toEqual({ side: 'left' });
    const nihRight = planFor(row('nih64/00000032_037'));
    expect(nihRight.express.find((e) => e.findings.includes('infiltration'))!.location).toEqual({ side: 'right' });
    expect(nihRight.express.find((e) => e.findings.includes('cardiomegaly'))!.location).toEqual({});
    for (const r of composer.compose(nihLeft, 4, mulberry32(3))) {
      expect(r.findings).toMatch(/\bleft\b/);
      expect(r.text).not.toMatch(/\bright\b/);
    }
    const jsrt = planFor(row('jsrt/JPCLN001'));
    expect(jsrt.express[0].location).toEqual({ side: 'left', lobe: 'upper' });
    for (const r of composer.compose(jsrt, 4, mulberry32(3))) {
      expect(r.findings).toMatch(/\bleft\b/);
      expect(r.text).not.toMatch(/\b(?:right|lower|middle)\b/);
    }
    for (const r of composer.compose(planFor(row('covid_qu/COVID-853')), 4, mulberry32(3))) expect(r.findings).toMatch(/bilateral|both/);
  });

  it('is deterministic for a seed and varies with it', () => {
    const plan = planFor(row('nih64/00000032_036'));
    const a = composer.compose(plan, 4, mulberry32(11));
    expect(composer.compose(plan, 4, mulberry32(11))).toEqual(a);
    expect(composer.compose(plan, 4, mulberry32(12))).not.toEqual(a);
  });

  it('fails loudly, naming the image, when a report does not match the labels', () => {
    const plan: CompositionPlan = { id: 'test/1', findings: ['pleural_effusion'], express: [], impression: [] };
    const extra = { findings: 'there is a small left pleural effusion. the heart is enlarged.', impression: 'effusion.' };
    expect(() => checkReport(plan, { ...extra, text: `${extra.findings} ${extra.impression}` })).toThrow(/test\/1.*cardiomegaly/);
    const denied = { findings: 'small left pleural effusion. no pleural effusion.', impression: 'effusion.' };
    expect(() => checkReport(plan, { ...denied, text: `${denied.findings} ${denied.impression}` })).toThrow(CompositionError);
    expect(() => checkReport(plan, { findings: 'small left pleural effusion.', impression: '', text: 'small left pleural effusion.' })).not.toThrow();
  });
});
