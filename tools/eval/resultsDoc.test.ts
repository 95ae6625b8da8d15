import { describe, expect, it } from 'vitest';
import { formatNumber, markdownTable, replaceSection } from './resultsDoc';

describe('results document', () => {
  it('replaces only its own section and appends new ones', () => {
    let doc = '# Results\n';
    doc = replaceSection(doc, 'eval', 'one');
    doc = replaceSection(doc, 'bench', 'two');
    doc = replaceSection(doc, 'eval', 'three');
    expect(doc).toBe('# Results\n\n<!-- section:eval -->\nthree\n<!-- /section:eval -->\n\n<!-- section:bench -->\ntwo\n<!-- /section:bench -->\n');
  });

  it('formats tables and numbers', () => {
    expect(
      markdownTable(
        ['a', 'b'],
        [
          ['x|y', 0.12345],
          ['z', 1234.5],
        ],
      ),
    ).toBe('| a | b |\n|---|---|\n| x\\|y | 0.123 |\n| z | 1235 |');
    expect(formatNumber(NaN)).toBe('–');
    expect(formatNumber(0.00012)).toBe('1.2e-4');
  });
});
