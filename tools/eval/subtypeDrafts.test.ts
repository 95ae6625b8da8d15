// The subtype gate's margin chosen by the drafts: the rule picks the widest gate whose drafts agree often enough,
// and the drafting really runs the engine with each margin (a closed gate names no type, an open one does).
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SubtypeProbe } from '../../src/engine/subtypeGate';
import { defaultModelDir } from '../../src/engine/node/defaultModelDir';
import { CXR_DIR } from '../cli/paths';
import { readManifest } from './manifest';
import { chooseDraftMargin, type DraftRow, draftRows } from './subtypeDrafts';

const row = (margin: number, named: number, agreement: number): DraftRow => ({ margin, films: 100, named, agreement });

describe('chooseDraftMargin', () => {
  it('takes the smallest margin whose drafts reach the target with enough of them naming a type', () => {
    const rows = [row(0.2, 60, 0.78), row(0.25, 12, 0.9), row(0.3, 40, 0.81), row(0.35, 30, 0.85)];
    expect(chooseDraftMargin(rows, 0.8, 20)).toBe(0.3);
    expect(chooseDraftMargin(rows, 0.8, 10)).toBe(0.25);
    expect(chooseDraftMargin(rows, 0.95, 10)).toBeNull();
    expect(chooseDraftMargin([row(0.45, 0, Number.NaN)], 0.8, 0)).toBeNull();
  });
});

describe('draftRows on the committed model', () => {
  it('drafts with the margin it is given, and leaves no scratch folder behind', async () => {
    const modelDir = defaultModelDir();
    const raw = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const probe = raw.subtype_probe as SubtypeProbe;
    const films = readManifest(path.join(CXR_DIR, 'manifest.jsonl'))
      .filter((r) => r.split === 'val' && r.pneumonia_type)
      .slice(0, 8);
    const scratch = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith('subtype-drafts-')).length;
    const before = scratch();
    const [open, closed] = await draftRows(modelDir, raw, probe, [0, 0.5], films, CXR_DIR);
    expect(open).toMatchObject({ margin: 0, films: 8 });
    expect(open.named).toBeGreaterThan(0); // the probe always backs one type, and the model names one on these films
    expect(closed).toMatchObject({ margin: 0.5, films: 8, named: 0 }); // a closed gate lets no type through
    expect(closed.agreement).toBeNaN();
    expect(scratch()).toBe(before);
  }, 120_000);
});
