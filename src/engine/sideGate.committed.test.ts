// The side gate through the committed model on the val split's JSRT nodule films: with the gate on (the manifest's
// default), no candidate puts the nodule on a side, the drafts assert the same findings as with it off, and the result
// says the gate took a side out, and the draft is the ungated draft without its side phrase (the gate never changes
// the choice); with it off, the same films' drafts do name sides, so the gate is what keeps them out.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelReport } from '../text/labeler';
import { WordTokenizer } from '../text/tokenizer';
import { withoutSides } from './sideGate';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { sharedImageFile, sharedRecords } from './testing/sharedData';

const FILMS = sharedRecords().filter((r) => r.split === 'val' && r.nodule);

const nodeSides = (text: string) =>
  labelReport(text)
    .mentions.filter((m) => m.finding === 'nodule' && m.status !== 'negative')
    .map((m) => m.side)
    .filter((s) => s !== undefined);

describe('the side gate on the committed model', () => {
  let engine: InThreadEngine;

  const tokenizer = new WordTokenizer(JSON.parse(readFileSync(path.join(defaultModelDir(), 'tokenizer.json'), 'utf8')));

  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('keeps the nodule off every side in every candidate, and changes nothing the draft asserts', async () => {
    expect(FILMS.length).toBe(19);
    let sidedOff = 0;
    for (const film of FILMS) {
      const on = await engine.generateFiles([sharedImageFile(film.image)]);
      const off = await engine.generateFiles([sharedImageFile(film.image)], { side_gate: 0 });
      expect(on.settings.side_gate).toBe(1);
      expect(on.refinement.sideGate?.findings).toEqual(['nodule']);
      expect(off.refinement.sideGate).toBeUndefined();
      for (const c of on.candidates) expect(nodeSides(c.text)).toEqual([]);
      // candidates that read alike once gated are shown once, and the panel's tally counts what it shows
      expect(new Set(on.candidates.map((c) => c.text)).size).toBe(on.candidates.length);
      for (const t of on.refinement.tally) expect(t.candidates).toBe(on.candidates.filter((c) => c.findings.includes(t.finding)).length);
      expect(on.candidates.reduce((a, c) => a + c.draws, 0)).toBe(off.candidates.reduce((a, c) => a + c.draws, 0));
      expect(on.candidates[0].findings).toEqual(off.candidates[0].findings);
      // the gate edits the chosen draft, never the choice: the draft is the ungated one without its side phrases
      expect(on.candidates[0].tokenIds).toEqual(withoutSides(off.candidates[0].tokenIds, tokenizer, ['nodule']).tokenIds);
      const offSided = nodeSides(off.report.text).length > 0;
      if (offSided) sidedOff++;
      if (offSided) expect(on.refinement.sideGate?.removed).toBe(true);
      if (!on.refinement.sideGate?.removed) expect(on.report.text).toBe(off.report.text);
      expect(on.refinement.sideGate?.measured[0]).toMatchObject({ finding: 'nodule', split: 'val' });
    }
    console.log(`side gate on ${FILMS.length} val nodule films: ${sidedOff} drafts named a side with the gate off, none with it on`);
    expect(sidedOff).toBeGreaterThan(0);
  });
});
