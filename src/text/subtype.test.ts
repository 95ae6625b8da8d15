// Which pneumonia type a report's described pattern points to (statedSubtype is tested beside the eval's subtype scores,
// tools/eval/subtype.test.ts).
import { describe, expect, it } from 'vitest';
import { describedPattern } from './subtype';

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
