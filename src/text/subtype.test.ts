import { describe, expect, it } from 'vitest';
import { describedPattern, statedSubtype } from './subtype';

describe('statedSubtype', () => {
  it('reads the type a report names, and none when it names both or neither', () => {
    expect(statedSubtype('findings consistent with viral pneumonia.')).toBe('viral');
    expect(statedSubtype('bacterial pneumonia.')).toBe('bacterial');
    expect(statedSubtype('bacterial or viral pneumonia.')).toBeNull();
    expect(statedSubtype('pneumonia.')).toBeNull();
  });
});

describe('describedPattern', () => {
  it('reads an asserted consolidation or a lobar process as bacterial, an asserted interstitial pattern as viral', () => {
    expect(describedPattern('dense lobar consolidation with air bronchograms is present, consistent with pneumonia.')).toBe('bacterial');
    expect(describedPattern('no focal consolidation. findings consistent with lobar pneumonia.')).toBe('bacterial');
    expect(describedPattern('the heart is normal. bilateral interstitial opacities compatible with pneumonia.')).toBe('viral');
    expect(describedPattern('interstitial thickening bilaterally, more prominent in the bases. pneumonia.')).toBe('viral');
  });

  it('reads nothing from negated findings, and nothing when the report describes both or neither', () => {
    expect(describedPattern('no focal consolidation. no interstitial opacities. pneumonia.')).toBeNull();
    expect(describedPattern('focal airspace consolidation consistent with pneumonia. diffuse interstitial opacities.')).toBeNull();
    expect(describedPattern('the lungs are clear.')).toBeNull();
  });
});
