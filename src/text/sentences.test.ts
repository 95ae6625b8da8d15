import { describe, expect, it } from 'vitest';
import { splitSentenceSpans, splitSentences } from './sentences';

describe('splitSentences', () => {
  it('does not split inside decimals', () => {
    expect(splitSentences('There is a 1.5 cm nodule. Heart size is normal.')).toEqual(['There is a 1.5 cm nodule.', 'Heart size is normal.']);
  });

  it('splits on a period that ends a number-final sentence', () => {
    expect(splitSentences('Compression deformity of T12. No effusion.')).toEqual(['Compression deformity of T12.', 'No effusion.']);
  });

  it('keeps abbreviations and ellipses inside their sentence', () => {
    expect(splitSentences('Atelectasis vs. pneumonia... Follow up, e.g. CT. Done')).toEqual(['Atelectasis vs. pneumonia...', 'Follow up, e.g. CT.', 'Done']);
  });

  it('splits on question and exclamation marks and drops punctuation-only pieces', () => {
    expect(splitSentences('Pneumonia? No. . Clear!')).toEqual(['Pneumonia?', 'No.', 'Clear!']);
  });

  it('reports offsets that index the input', () => {
    const text = '  No effusion.   Mild cardiomegaly. ';
    for (const span of splitSentenceSpans(text)) expect(text.slice(span.start, span.end)).toBe(span.text);
  });
});
