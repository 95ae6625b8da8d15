import { describe, expect, it } from 'vitest';
import { fillTemplate, locationFits, locationFromJsrtPosition, sentenceLocation, sideFromBoxCentres } from './composeLocation';

describe('side and lobe for composition', () => {
  it('maps an NIH box on the image right half to the patient LEFT, and both halves to bilateral', () => {
    expect(sideFromBoxCentres([813], 1024)).toBe('left');
    expect(sideFromBoxCentres([300], 1024)).toBe('right');
    expect(sideFromBoxCentres([300, 800], 1024)).toBe('bilateral');
    expect(sideFromBoxCentres([], 1024)).toBeUndefined();
  });

  it('reads JSRT positions', () => {
    expect(locationFromJsrtPosition('l.upper lobe(S1+2)')).toEqual({ side: 'left', lobe: 'upper' });
    expect(locationFromJsrtPosition('r.middle lobe(S4)')).toEqual({ side: 'right', lobe: 'middle' });
    expect(locationFromJsrtPosition('right lung')).toEqual({ side: 'right' });
    expect(locationFromJsrtPosition(undefined)).toEqual({});
  });

  it('lets a sentence describe a finding only where the source puts it', () => {
    const fits = (text: string, loc: Parameters<typeof locationFits>[1]) => locationFits(sentenceLocation(text), loc);
    expect(fits('there is a pulmonary nodule.', {})).toBe(true);
    expect(fits('left lower lobe atelectasis.', {})).toBe(false);
    expect(fits('left lower lobe atelectasis.', { side: 'left' })).toBe(false); // lobe not known
    expect(fits('left basilar atelectasis.', { side: 'left' })).toBe(true);
    expect(fits('nodule in the left upper lobe.', { side: 'left', lobe: 'upper' })).toBe(true);
    expect(fits('nodule in the left lower lobe.', { side: 'left', lobe: 'upper' })).toBe(false);
    expect(fits('nodule in the right upper lobe.', { side: 'left', lobe: 'upper' })).toBe(false);
    expect(fits('bilateral peripheral opacities.', { side: 'bilateral' })).toBe(true);
    expect(fits('opacities in both lungs, right greater than left.', { side: 'bilateral' })).toBe(true);
    expect(fits('left lung opacity.', { side: 'bilateral' })).toBe(false);
  });

  it('fills templates only when the location has what they need', () => {
    expect(fillTemplate('there is a nodule in the {lobe}.', { side: 'left', lobe: 'upper' })).toBe('there is a nodule in the left upper lobe.');
    expect(fillTemplate('there is a nodule in the {lobe}.', { side: 'left' })).toBeUndefined();
    expect(fillTemplate('consolidation in the {lung}.', { side: 'bilateral' })).toBe('consolidation in the lungs bilaterally.');
    expect(fillTemplate('{side} pleural effusion.', {})).toBeUndefined();
    expect(fillTemplate('there is a pneumothorax.', {})).toBe('there is a pneumothorax.');
  });
});
