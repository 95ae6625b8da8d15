import { describe, expect, it } from 'vitest';
import { checkSideGate, gateRanked, withoutSides } from './sideGate';

// A whole-word vocabulary built from the sentences under test, as the model's tokenizer is.
function vocabFor(texts: string[]) {
  const words = ['[PAD]', '[BOS]', '[EOS]', '[UNK]', '[SEP]'];
  for (const t of texts) for (const w of t.split(' ')) if (!words.includes(w)) words.push(w);
  return {
    tokenOf: (id: number) => words[id],
    ids: (text: string) => text.split(' ').map((w) => words.indexOf(w)),
    text: (ids: number[]) => ids.map((id) => words[id]).join(' '),
  };
}

const gateText = (text: string, findings: string[] = ['nodule']) => {
  const v = vocabFor([text]);
  const out = withoutSides(v.ids(text), v, findings);
  return { text: v.text(out.tokenIds), removed: out.removed };
};

describe('the side gate', () => {
  it('takes the side phrase out of a sentence that asserts a gated finding', () => {
    expect(gateText('a pulmonary nodule is seen in the left lung . no pleural effusion . [SEP] nodule in the left lung . [EOS]')).toEqual({
      text: 'a pulmonary nodule is seen . no pleural effusion . [SEP] nodule . [EOS]',
      removed: true,
    });
    expect(gateText('there is a nodule in the right upper lobe . [EOS]').text).toBe('there is a nodule . [EOS]');
    expect(gateText('right middle lobe nodule . [EOS]').text).toBe('nodule . [EOS]');
    expect(gateText('the left upper lobe nodule is new . [EOS]').text).toBe('the nodule is new . [EOS]');
    expect(gateText('left - sided nodule . [EOS]').text).toBe('nodule . [EOS]');
  });

  it('counts a descendant of a gated finding (a nodule is a lung lesion)', () => {
    expect(gateText('a pulmonary nodule is seen in the left lung . [EOS]', ['lung_lesion']).text).toBe('a pulmonary nodule is seen . [EOS]');
  });

  it('leaves other findings, negated mentions and ungated models as they were', () => {
    const keep = [
      'small left pleural effusion . [EOS]',
      'no nodule is seen in the left lung . [EOS]',
      'the right lung is clear . the cardiac silhouette is normal . [EOS]',
    ];
    for (const t of keep) expect(gateText(t)).toEqual({ text: t, removed: false });
    expect(gateText('a pulmonary nodule is seen in the left lung . [EOS]', [])).toEqual({
      text: 'a pulmonary nodule is seen in the left lung . [EOS]',
      removed: false,
    });
  });

  it('edits only the sentence that asserts the finding', () => {
    expect(gateText('small right pleural effusion . a nodule is seen in the left lung . [EOS]').text).toBe(
      'small right pleural effusion . a nodule is seen . [EOS]',
    );
  });

  it('gates a partial report (the stream) without its sentence end', () => {
    expect(gateText('a pulmonary nodule is seen in the left').text).toBe('a pulmonary nodule is seen');
  });

  it('refuses a manifest gate that names an unknown finding, saying how to rewrite it', () => {
    expect(() => checkSideGate({ findings: ['nodule'] }, ['nodule', 'mass'])).not.toThrow();
    expect(() => checkSideGate({ findings: ['nodules'] }, ['nodule', 'mass'])).toThrow(/nodules.*npm run side-gate -- --write/);
  });
});

describe('gating the ranked candidates', () => {
  const texts = [
    'a nodule is seen in the left lung . [EOS]',
    'a nodule is seen in the right lung . [EOS]',
    'the lungs are clear . [EOS]',
    'a nodule is seen . [EOS]',
  ];
  const v = vocabFor(texts);
  const ranked = texts.map((t, index) => ({ index, tokenIds: v.ids(t), draws: 1 }));

  it('takes the sides out after the ranking and folds candidates that then read alike into the better one', () => {
    const shown = gateRanked(ranked, v, ['nodule']);
    expect(shown.map((s) => v.text(s.candidate.tokenIds))).toEqual(['a nodule is seen . [EOS]', 'the lungs are clear . [EOS]']);
    expect(shown[0].candidate).toMatchObject({ index: 0, draws: 3 });
    expect(shown[0].members.map((m) => m.index)).toEqual([0, 1, 3]);
    expect(shown[0].removed).toBe(true);
    expect(shown[0].keep).toEqual([true, true, true, true, false, false, false, false, true, true]);
    expect(shown[1]).toMatchObject({ removed: false, members: [ranked[2]] });
    expect(shown[1].candidate).toBe(ranked[2]);
  });

  it('passes the ranking through untouched when nothing is gated', () => {
    const shown = gateRanked(ranked, v, []);
    expect(shown.map((s) => s.candidate)).toEqual(ranked);
    expect(shown.every((s) => !s.removed && s.members.length === 1)).toBe(true);
  });
});
