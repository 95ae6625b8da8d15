import { describe, expect, it } from 'vitest';
import { scoreSubtype, statedSubtype, subtypeRecord } from './subtype';

describe('pneumonia subtype agreement', () => {
  it('reads the subtype a report names, and none when it names neither or both', () => {
    expect(statedSubtype('lobar consolidation consistent with bacterial pneumonia.')).toBe('bacterial');
    expect(statedSubtype('perihilar interstitial opacities, a pattern typical of viral pneumonia.')).toBe('viral');
    expect(statedSubtype('bilateral opacities. no pleural effusion.')).toBeNull();
    expect(statedSubtype('bacterial or viral pneumonia.')).toBeNull();
  });
  it('scores agreement over every labelled image, silence included', () => {
    const s = scoreSubtype(
      ['bacterial pneumonia.', 'viral pneumonia.', 'pneumonia.', 'bacterial pneumonia.', 'normal.'],
      ['bacterial', 'bacterial', 'viral', 'bacterial', undefined],
    )!;
    expect(s).toEqual({ n: 4, stated: 0.75, agreement: 0.5, agreement_when_stated: 2 / 3 });
    expect(scoreSubtype(['normal.'], [undefined])).toBeNull();
  });
  it('takes the subtype from the manifest record', () => {
    expect(subtypeRecord({ pneumonia_type: 'viral' })).toBe('viral');
    expect(subtypeRecord({ pneumonia_type: null })).toBeUndefined();
  });
});
