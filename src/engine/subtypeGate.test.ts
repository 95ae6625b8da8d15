import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WordTokenizer } from '../text/tokenizer';
import { checkManifest } from './modelLoader';
import {
  checkSubtypeProbe,
  readSubtype,
  subtypeFeature,
  subtypeNamer,
  towerPatchMean,
  withheldSubtypeIds,
  withoutTokens,
  withSubtypeNamed,
  type SubtypeProbe,
} from './subtypeGate';
import { ModelManifestError } from './errors';
import type { ModelManifest } from './manifest';

// A 2-d probe: logit = 4·(x0 − 0.5)·2 on the standardised first dimension, so x0 decides the subtype.
const probe = (margin = 0.3): SubtypeProbe => ({
  feature: 'tower_patch_mean',
  mean: [0.5, 0],
  scale: [2, 1],
  weights: [4, 0],
  bias: 0,
  margin,
  words: { bacterial: ['bacterial', 'bacteria'], viral: ['viral'] },
});
const vocab: Record<string, number> = { bacterial: 7, viral: 8, pneumonia: 9 };
const idOf = (w: string) => vocab[w];

describe('towerPatchMean', () => {
  it('averages every cell of every view', () => {
    // two views of two cells, E = 2
    const mean = towerPatchMean({ patchEmbeds: [Float32Array.of(1, 0, 3, 0), Float32Array.of(0, 4, 0, 0)] }, 2);
    expect(Array.from(mean)).toEqual([1, 1]);
  });
});

describe('subtypeFeature', () => {
  const tower = { patchEmbeds: [Float32Array.of(1, 2, 3, 4)] }; // two cells, E' = 2
  const inputs = { pImg: Float32Array.of(9, 8, 7), towers: tower, towerDim: 2, imageReading: { consolidation: 0.8, pneumonia: 0.9 } };

  it("puts p_img first, then the towers' mean patch, or the mean alone", () => {
    expect(Array.from(subtypeFeature('image_embed+tower_patch_mean', inputs)!)).toEqual([9, 8, 7, 2, 3]);
    expect(Array.from(subtypeFeature('tower_patch_mean', inputs)!)).toEqual([2, 3]);
  });

  it("reads the image reader's logit P(consolidation), so a probe of weight 1 gives back its probability", () => {
    const [z] = subtypeFeature('image_reader', inputs)!;
    expect(z).toBeCloseTo(Math.log(0.8 / 0.2), 5);
    const asItStands: SubtypeProbe = { ...probe(0.25), feature: 'image_reader', mean: [0], scale: [1], weights: [1] };
    const reading = readSubtype(asItStands, subtypeFeature('image_reader', inputs)!);
    expect(reading.bacterial).toBeCloseTo(0.8, 5);
    expect(reading.allowed).toBe('bacterial'); // 0.8 is beyond ½ ± 0.25
    expect(subtypeFeature('image_reader', { ...inputs, imageReading: { consolidation: 1 } })![0]).toBeLessThan(20); // finite at P = 1
  });

  it('is null when the encode lacks what the feature reads', () => {
    expect(subtypeFeature('image_reader', { ...inputs, imageReading: null })).toBeNull();
    expect(subtypeFeature('image_reader', { ...inputs, imageReading: { pneumonia: 0.9 } })).toBeNull();
    expect(subtypeFeature('tower_patch_mean', { ...inputs, towers: null })).toBeNull();
  });
});

describe('readSubtype', () => {
  it('allows the subtype the probe backs beyond its margin, and neither inside it', () => {
    const sure = readSubtype(probe(), Float32Array.of(1, 0)); // z = 4·1 = 4 → P ≈ 0.98
    expect(sure.bacterial).toBeGreaterThan(0.95);
    expect(sure.allowed).toBe('bacterial');
    expect(readSubtype(probe(), Float32Array.of(0, 0)).allowed).toBe('viral'); // z = −4
    const unsure = readSubtype(probe(), Float32Array.of(0.55, 0)); // z = 0.4 → P ≈ 0.60
    expect(unsure.allowed).toBeNull();
    expect(readSubtype(probe(0), Float32Array.of(0.55, 0)).allowed).toBe('bacterial');
  });
});

describe('the gate', () => {
  // "consistent with viral pneumonia ." as ids, with the vocabulary above (4 = with, 5 = consistent, 6 = .)
  const sentence = [5, 4, 8, 9, 6];

  it('takes the other subtype out when the image backs one, and keeps the backed one', () => {
    const withheld = withheldSubtypeIds(probe(), readSubtype(probe(), Float32Array.of(1, 0)), idOf);
    expect([...withheld]).toEqual([8]);
    expect(withoutTokens(sentence, withheld)).toEqual([5, 4, 9, 6]); // "consistent with pneumonia ."
    expect(withoutTokens([5, 4, 7, 9, 6], withheld)).toEqual([5, 4, 7, 9, 6]);
  });

  it('takes both out when the image is unsure, skipping words the vocabulary lacks ("bacteria")', () => {
    const withheld = withheldSubtypeIds(probe(), readSubtype(probe(), Float32Array.of(0.55, 0)), idOf);
    expect([...withheld].sort()).toEqual([7, 8]);
    expect(withoutTokens([7, 9, 6, 8, 9], withheld)).toEqual([9, 6, 9]);
  });

  it('nothing withheld leaves the candidate as it was (a copy)', () => {
    const out = withoutTokens(sentence, new Set());
    expect(out).toEqual(sentence);
    expect(out).not.toBe(sentence);
  });
});

describe('naming the type the image backs', () => {
  // A word-level vocabulary: the words of a few report sentences, "." ending each.
  const words = [
    '[EOS]',
    '.',
    'consistent',
    'with',
    'pneumonia',
    'bacterial',
    'viral',
    'no',
    'evidence',
    'of',
    'there',
    'is',
    'focal',
    'consolidation',
    'bilateral',
    'interstitial',
    'opacities',
  ];
  const texts = { tokenOf: (id: number) => words[id], idOf: (w: string) => (words.includes(w) ? words.indexOf(w) : undefined) };
  const ids = (text: string) => text.split(' ').map((w) => words.indexOf(w));
  const text = (tokenIds: number[]) => tokenIds.map((id) => words[id]).join(' ');
  const backs = (x0: number) => readSubtype(probe(), Float32Array.of(x0, 0));

  it('puts the type before "pneumonia" in each sentence that asserts it without one', () => {
    const draft = ids('there is focal consolidation . consistent with pneumonia . pneumonia .');
    expect(text(withSubtypeNamed(draft, texts, texts.idOf('viral')!).tokenIds)).toBe(
      'there is focal consolidation . consistent with viral pneumonia . viral pneumonia .',
    );
  });

  it('leaves a negated pneumonia, a sentence that names a type, and a draft without pneumonia as they are (the same array)', () => {
    for (const t of ['no evidence of pneumonia .', 'consistent with bacterial pneumonia .', 'there is focal consolidation .']) {
      const draft = ids(t);
      expect(withSubtypeNamed(draft, texts, texts.idOf('viral')!)).toEqual({ tokenIds: draft, byProbe: null });
    }
    const mixed = ids('no evidence of pneumonia . consistent with pneumonia .');
    expect(text(withSubtypeNamed(mixed, texts, texts.idOf('bacterial')!).tokenIds)).toBe('no evidence of pneumonia . consistent with bacterial pneumonia .');
  });

  it('marks the words the naming put in, and no other', () => {
    const named = withSubtypeNamed(ids('consistent with pneumonia . pneumonia .'), texts, texts.idOf('bacterial')!);
    expect(text(named.tokenIds)).toBe('consistent with bacterial pneumonia . bacterial pneumonia .');
    expect(named.byProbe).toEqual([false, false, true, false, false, true, false, false]);
    expect(withSubtypeNamed(ids('no evidence of pneumonia .'), texts, texts.idOf('bacterial')!).byProbe).toBeNull();
  });

  it("names the reading's allowed type with the first of its words the vocabulary has, and nothing when the reading is unsure", () => {
    const name = subtypeNamer(probe(), backs(1), texts)!; // bacterial beyond the margin
    expect(text(name(ids('consistent with pneumonia .')).tokenIds)).toBe('consistent with bacterial pneumonia .');
    expect(text(subtypeNamer(probe(), backs(0), texts)!(ids('pneumonia .')).tokenIds)).toBe('viral pneumonia .');
    expect(subtypeNamer(probe(), backs(0.55), texts)).toBeNull();
    const noWord = { ...probe(), words: { bacterial: ['bacteria'], viral: ['viral'] } };
    expect(subtypeNamer(noWord, backs(1), texts)).toBeNull(); // "bacteria" is not in this vocabulary
  });

  it("does not name a type the candidate's own pattern contradicts, and says so", () => {
    const interstitial = ids('bilateral interstitial opacities . consistent with pneumonia .');
    const consolidation = ids('there is focal consolidation . consistent with pneumonia .');
    const bacterial = subtypeNamer(probe(), backs(1), texts)!;
    const viral = subtypeNamer(probe(), backs(0), texts)!;
    expect(bacterial(interstitial)).toEqual({ tokenIds: interstitial, byProbe: null, patternDisagrees: true });
    expect(viral(consolidation)).toEqual({ tokenIds: consolidation, byProbe: null, patternDisagrees: true });
    expect(text(viral(interstitial).tokenIds)).toBe('bilateral interstitial opacities . consistent with viral pneumonia .');
    expect(text(bacterial(consolidation).tokenIds)).toBe('there is focal consolidation . consistent with bacterial pneumonia .');
    // nothing to name (no pneumonia asserted): no disagreement to report either
    expect(bacterial(ids('bilateral interstitial opacities .'))).toEqual({ tokenIds: ids('bilateral interstitial opacities .'), byProbe: null });
  });
});

describe('the probe in the manifest', () => {
  it('must fit the towers or the image reader it reads', () => {
    const onReader: SubtypeProbe = { ...probe(), feature: 'image_reader', mean: [0], scale: [1], weights: [1] };
    expect(() => checkSubtypeProbe(onReader, { image: 8, imageReader: ['pneumonia', 'consolidation'] })).not.toThrow();
    expect(() => checkSubtypeProbe(onReader, { image: 8, tower: 2 })).toThrow(/feature image_reader, sizes 1\/1\/1 where it needs NaN/);
    expect(() => checkSubtypeProbe(onReader, { image: 8, imageReader: ['pneumonia'] })).toThrow(ModelManifestError); // no consolidation to read
    expect(() => checkSubtypeProbe(probe(), { image: 8 })).toThrow(ModelManifestError); // towers' probe, no towers
    expect(() => checkSubtypeProbe(probe(), { image: 8, tower: 2 })).not.toThrow();
    expect(() => checkSubtypeProbe(probe(), { image: 8, tower: 3 })).toThrow(/subtype-probe -- --write/);
    expect(() => checkSubtypeProbe({ ...probe(), feature: 'image_embed+tower_patch_mean' }, { image: 8, tower: 2 })).toThrow(/needs 10/);
    expect(() => checkSubtypeProbe({ ...probe(), feature: 'pixels' as 'tower_patch_mean' }, { image: 8, tower: 2 })).toThrow(/feature pixels/);
    expect(() => checkSubtypeProbe({ ...probe(), margin: 0.7 }, { image: 8, tower: 2 })).toThrow(/margin 0.7/);
  });

  it('the committed model carries a probe that fits what it reads, and its words are in its vocabulary', () => {
    const dir = 'public/models/serpent-cxr';
    const raw = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as ModelManifest;
    const m = checkManifest(raw);
    const p = m.subtype_probe;
    expect(p).toBeDefined();
    expect(m.decoding.subtype_gate).toBe(1);
    const tokenizer = new WordTokenizer(JSON.parse(readFileSync(`${dir}/${m.tokenizer}`, 'utf8')));
    for (const w of [...p!.words.bacterial, ...p!.words.viral]) expect(tokenizer.idOf(w)).toBeDefined();
    expect(p!.words.bacterial.length).toBeGreaterThan(0);
    expect(p!.words.viral.length).toBeGreaterThan(0);
    const broken = { ...raw, subtype_probe: { ...p!, weights: [...p!.weights, 1] } };
    expect(() => checkManifest(broken)).toThrow(ModelManifestError);
  });
});
