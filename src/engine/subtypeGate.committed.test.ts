// The subtype gate through the committed model on real Kermany pneumonia films from the val split: with the gate on,
// no candidate names a subtype the image probe does not back (and the result says what the probe read), and a
// candidate that said "viral pneumonia" still says "pneumonia"; with it off, the same films' candidates do name such
// subtypes, so the gate is what keeps them out. With subtype_name on as well, a draft that calls a film pneumonia names
// the type the probe backs, and only its words change, unless the draft's own pattern reads the other type.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describedPattern, statedSubtype } from '../text/subtype';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import { sharedImageFile, sharedRecords } from './testing/sharedData';
import type { ReportResult } from './types';

const FILMS = sharedRecords()
  .filter((r) => r.split === 'val' && (r.pneumonia_type === 'bacterial' || r.pneumonia_type === 'viral'))
  .slice(0, 12);

describe('the subtype gate on the committed model', () => {
  let engine: InThreadEngine;
  const named = (r: ReportResult) => r.candidates.map((c) => statedSubtype(c.text));

  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('keeps every subtype the probe does not back out of the candidates, and only then', async () => {
    expect(FILMS.length).toBe(12);
    let keptOut = 0;
    let allowedNamed = 0;
    const pneumonia = (r: ReportResult) => r.candidates.some((c) => c.findings.includes('pneumonia'));
    for (const film of FILMS) {
      const on = await engine.generateFiles([sharedImageFile(film.image)], { subtype_gate: 1 });
      const off = await engine.generateFiles([sharedImageFile(film.image)], { subtype_gate: 0 });
      const reading = on.refinement.subtype!;
      expect(reading.bacterial).toBeGreaterThanOrEqual(0);
      expect(reading.bacterial).toBeLessThanOrEqual(1);
      for (const said of named(on)) if (said) expect(said).toBe(reading.allowed);
      allowedNamed += named(on).filter(Boolean).length;
      expect(off.refinement.subtype).toBeUndefined();
      keptOut += named(off).filter((s) => s && s !== reading.allowed).length;
      expect(pneumonia(on)).toBe(pneumonia(off)); // the gate drops an adjective, never the pneumonia
    }
    console.log(`subtype gate on ${FILMS.length} val films: ${keptOut} candidate namings kept out, ${allowedNamed} allowed ones written`);
    expect(keptOut).toBeGreaterThan(0);
  });

  it('with subtype_name, a pneumonia draft names the type the probe backs, and nothing else in it changes', async () => {
    let namedByProbe = 0;
    for (const film of FILMS) {
      const gated = await engine.generateFiles([sharedImageFile(film.image)], { subtype_gate: 1, subtype_name: 0 });
      const naming = await engine.generateFiles([sharedImageFile(film.image)], { subtype_gate: 1, subtype_name: 1 });
      const reading = naming.refinement.subtype!;
      const strip = (text: string) => text.replace(/\b(bacterial|viral) /g, '');
      expect(strip(naming.report.text)).toBe(strip(gated.report.text));
      expect(naming.candidates.map((c) => c.findings)).toEqual(gated.candidates.map((c) => c.findings));
      if (reading.allowed && /\bpneumonia\b/.test(gated.report.text) && !reading.patternDisagrees)
        expect(statedSubtype(naming.report.text)).toBe(reading.allowed);
      if (reading.patternDisagrees) expect(describedPattern(gated.report.text)).not.toBe(reading.allowed);
      if (!reading.allowed) expect(naming.report.text).toBe(gated.report.text);
      expect(reading.named).toBe(naming.report.text !== gated.report.text);
      if (reading.named) namedByProbe++;
      // The words the probe put in are marked for the page, and only they.
      const marked = naming.tokens.filter((t) => t.byProbe).map((t) => t.text);
      expect(marked.length > 0).toBe(reading.named);
      for (const word of marked) expect(word).toBe(reading.allowed);
      expect(naming.tokens.filter((t) => !t.byProbe).map((t) => t.text)).toEqual(gated.tokens.map((t) => t.text));
    }
    console.log(`subtype naming on ${FILMS.length} val films: the probe named the type in ${namedByProbe} drafts`);
    expect(namedByProbe).toBeGreaterThan(0);
  });

  it("does not name the type where the draft's own pattern reads the other one, and says so", async () => {
    // A viral film (val) the image reader reads as bacterial, whose draft describes bilateral interstitial opacities.
    const film = sharedRecords().find((r) => r.id === 'kermany/person1186_virus_2022')!;
    const r = await engine.generateFiles([sharedImageFile(film.image)], { subtype_gate: 1, subtype_name: 1 });
    expect(r.refinement.subtype).toMatchObject({ allowed: 'bacterial', named: false, patternDisagrees: true });
    expect(describedPattern(r.report.text)).toBe('viral');
    expect(statedSubtype(r.report.text)).toBeNull();
    expect(r.tokens.some((t) => t.byProbe)).toBe(false);
  });
});
