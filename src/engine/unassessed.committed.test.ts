// "Not read" through the committed model: its manifest's assessed_findings follows its own rule, and a normal film's
// draft marks the sentences that rule out a pleural effusion, a pneumothorax or cardiomegaly (findings its drafts
// were not shown to find on val), with that measurement; a bacterial pneumonia's consolidation sentence is not marked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDING_KEYS } from '../text/findings';
import type { InThreadEngine } from './engine';
import type { ModelManifest } from './manifest';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { sharedImageFile } from './testing/sharedData';
import type { ReportResult } from './types';

const manifest = JSON.parse(readFileSync(path.join(defaultModelDir(), 'manifest.json'), 'utf8')) as ModelManifest;

const sentenceText = (r: ReportResult, i: number): string =>
  r.tokens
    .filter((t) => t.sentence === i)
    .map((t) => t.text)
    .join(' ');

describe('findings the committed model was not shown to read', () => {
  let engine: InThreadEngine;

  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('the manifest lists as assessed exactly the findings its val measurement backs', () => {
    const entry = manifest.assessed_findings;
    expect(entry?.split).toBe('val');
    const backed = FINDING_KEYS.filter((f) => {
      const c = entry?.by_finding[f];
      return !!c && !!entry && c.positives >= entry.min_positives && c.recalled >= entry.min_recall * c.positives;
    });
    expect(entry?.assessed).toEqual(backed);
    expect(backed).toContain('consolidation');
    expect(backed).not.toContain('pleural_effusion');
    expect(backed).not.toContain('pneumothorax');
  });

  it('marks the sentences of a normal draft that rule out effusion and pneumothorax, and not a consolidation sentence of a pneumonia', async () => {
    const normal = await engine.generateFiles([sharedImageFile('images/kermany/IM-0115-0001.jpeg')]);
    const u = normal.unassessed;
    expect(u?.split).toBe('val');
    const ruledOut = u?.statements.flatMap((s) => s.findings) ?? [];
    expect(ruledOut).toEqual(expect.arrayContaining(['pleural_effusion', 'pneumothorax']));
    for (const s of u?.statements ?? []) expect(sentenceText(normal, s.sentence)).toMatch(/effusion|pneumothorax|heart|cardi|mediastin|edema|fracture|bony/);
    const effusion = u?.measured.find((m) => m.finding === 'pleural_effusion');
    const measured = manifest.assessed_findings?.by_finding.pleural_effusion;
    expect(effusion).toEqual({ finding: 'pleural_effusion', positives: measured?.positives, recalled: measured?.recalled });

    const pneumonia = await engine.generateFiles([sharedImageFile('images/kermany/person1000_bacteria_2931.jpeg')]);
    const marked = new Set(pneumonia.unassessed?.statements.map((s) => s.sentence));
    const consolidation = [...new Set(pneumonia.tokens.map((t) => t.sentence))].filter((i) => /consolidation/.test(sentenceText(pneumonia, i)));
    expect(consolidation.length).toBeGreaterThan(0);
    for (const i of consolidation) if (!/effusion|pneumothorax/.test(sentenceText(pneumonia, i))) expect(marked.has(i)).toBe(false);
  });
});
