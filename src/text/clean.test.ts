import { describe, expect, it } from 'vitest';
import { cleanReport, cleanSentences, spacePunctuation } from './clean';

describe('cleanReport', () => {
  it('lower-cases and keeps the finding semantics of anonymised phrases', () => {
    expect(cleanReport('There are no XXXX of a pleural effusion. Normal chest x-XXXX.')).toBe(
      'there is no evidence of a pleural effusion. normal chest x-ray.',
    );
    expect(cleanReport('The heart, pulmonary XXXX and mediastinum are within normal limits.')).toBe(
      'the heart, pulmonary vasculature and mediastinum are within normal limits.',
    );
  });

  it('drops an anonymised filler after a negation and drops sentences whose meaning is lost', () => {
    expect(cleanSentences('No XXXX focal airspace consolidation. XXXX are normal. The heart and lungs have XXXX XXXX in the interval.')).toEqual([
      'no focal airspace consolidation.',
    ]);
  });

  it('keeps a sentence that still asserts a finding without its anonymised words', () => {
    expect(cleanSentences('XXXX XXXX opacities in right mid lung. Right XXXX-A-XXXX is in XXXX. Stable left XXXX.')).toEqual([
      'opacities in right mid lung.',
      'right port-a-cath.',
    ]);
  });

  it('removes numbered-list markers but keeps decimals and vertebral levels', () => {
    expect(cleanReport('1. Bullous emphysema. 2. A 2.6 cm mass at T12. 3. No effusion')).toBe('bullous emphysema. a 2.6 cm mass at t12. no effusion.');
  });

  it('normalises punctuation and white space', () => {
    expect(cleanReport('Heart size:  normal ,lungs clear..Opacities (bilateral); atelectasis/scarring?')).toBe(
      'heart size: normal, lungs clear. opacities bilateral. atelectasis or scarring.',
    );
  });

  it('keeps an apostrophe inside a word, so a contraction or a possessive stays one word, and drops the others', () => {
    expect(cleanReport("There's no pneumothorax. The patient's 'focal' opacity, o'")).toBe("there's no pneumothorax. the patient's focal opacity, o.");
  });

  it('drops a dictation artefact that says nothing about the film', () => {
    expect(cleanReport('No acute cardiopulmonary abnormalities are seen. END OF REPORT')).toBe('no acute cardiopulmonary abnormalities are seen.');
    expect(cleanReport('Normal chest. End of the report.')).toBe('normal chest.');
    expect(cleanReport('The report ends with no acute disease.')).toBe('the report ends with no acute disease.');
  });

  it('returns an empty string for text with nothing left', () => {
    expect(cleanReport('XXXX XXXX. ...')).toBe('');
  });
});

describe('spacePunctuation', () => {
  it('separates . , : but not decimals', () => {
    expect(spacePunctuation('a 1.5 cm nodule, stable: no change.')).toBe('a 1.5 cm nodule , stable : no change .');
  });
});
