import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { SPECIAL_IDS, TokenizerError, WordTokenizer, buildTokenizerJson, buildVocabulary, canonicalText, joinTokens, preTokenize } from './tokenizer';

const reports = [
  'The heart is normal in size. The mediastinum is unremarkable. The lungs are clear.',
  'Heart size normal. No pleural effusion or pneumothorax. Mild right basilar atelectasis.',
  'There is a small left pleural effusion. No pneumothorax. Heart size is enlarged.',
  'Cardiomediastinal silhouette within normal limits. No focal consolidation, pneumothorax, or pleural effusion.',
  'Findings: bilateral peripheral ground-glass opacities. Impression: findings consistent with pneumonia.',
  'The lungs are clear. The heart is normal in size. No acute bony abnormality.',
];

function makeTokenizer(): { json: ReturnType<typeof buildTokenizerJson>; tok: WordTokenizer } {
  const words = buildVocabulary(reports, ['left right bilateral'], 1);
  const json = buildTokenizerJson(words);
  return { json, tok: new WordTokenizer(JSON.parse(JSON.stringify(json))) };
}

describe('pre-tokenization and decoding text', () => {
  it('lower-cases and splits punctuation off words', () => {
    expect(preTokenize('No Effusion.  Heart: normal, clear')).toEqual(['no', 'effusion', '.', 'heart', ':', 'normal', ',', 'clear']);
    expect(preTokenize('ground-glass')).toEqual(['ground', '-', 'glass']);
  });
  it('joins punctuation without the space before it', () => {
    expect(joinTokens(['no', 'effusion', '.', 'heart', ':', 'normal', ',', 'clear', '.'])).toBe('no effusion. heart: normal, clear.');
    expect(joinTokens(['ground', '-', 'glass', 'opacity'])).toBe('ground-glass opacity');
    expect(joinTokens(['a', '1', '.', '5', 'cm', 'nodule', '.', 'no', 'effusion'])).toBe('a 1.5 cm nodule. no effusion');
    expect(canonicalText("There's no effusion.")).toBe("there's no effusion.");
  });
});

describe('WordTokenizer', () => {
  it('puts the special tokens at their contract ids', () => {
    const { tok } = makeTokenizer();
    expect(tok.idOf('[PAD]')).toBe(0);
    expect(tok.idOf('[BOS]')).toBe(1);
    expect(tok.idOf('[EOS]')).toBe(2);
    expect(tok.idOf('[UNK]')).toBe(3);
    expect(tok.idOf('[SEP]')).toBe(4);
    expect(tok.idOf('.')).toBeGreaterThan(4);
    expect(tok.idOf(',')).toBeGreaterThan(4);
    expect(tok.idOf(':')).toBeGreaterThan(4);
  });

  it('round-trips every report to its canonical text', () => {
    const { tok } = makeTokenizer();
    for (const r of reports) {
      const ids = tok.encode(r);
      expect(ids).not.toContain(SPECIAL_IDS.unk);
      expect(tok.decode(ids)).toBe(canonicalText(r));
    }
    expect(tok.decode(tok.encode('No  effusion .'))).toBe('no effusion.');
  });

  it('maps unknown words to [UNK] as a whole word (no sub-word pieces)', () => {
    const { tok } = makeTokenizer();
    expect(tok.encode('lungs clearly hyperlucent')).toEqual([tok.idOf('lungs'), SPECIAL_IDS.unk, SPECIAL_IDS.unk]);
  });

  it('encodes and decodes reports as [BOS] findings [SEP] impression [EOS]', () => {
    const { tok } = makeTokenizer();
    const ids = tok.encodeReport({ findings: 'The lungs are clear.', impression: 'No effusion.' });
    expect(ids[0]).toBe(SPECIAL_IDS.bos);
    expect(ids[ids.length - 1]).toBe(SPECIAL_IDS.eos);
    expect(ids.filter((i) => i === SPECIAL_IDS.sep)).toHaveLength(1);
    const back = tok.decodeReport([...ids, 0, 0, 0]);
    expect(back).toEqual({ findings: 'the lungs are clear.', impression: 'no effusion.', text: 'the lungs are clear. no effusion.' });
    expect(tok.decodeReport([SPECIAL_IDS.bos, tok.idOf('heart')!]).findings).toBe('heart');
  });

  it('rejects a file without our special tokens', () => {
    expect(() => new WordTokenizer({})).toThrow(TokenizerError);
    expect(() => new WordTokenizer({ model: { vocab: { a: 0 } } })).toThrow(/\[PAD\]/);
    const { tok } = makeTokenizer();
    expect(() => tok.decode([99999])).toThrow(TokenizerError);
  });
});

describe('Hugging Face tokenizers.js reads the same file', () => {
  it('gives the same ids on every report, alone and as a findings/impression pair', () => {
    const { json, tok } = makeTokenizer();
    const hf = new Tokenizer(JSON.parse(JSON.stringify(json)), {});
    for (const r of [...reports, 'unseenword next to Lungs.']) {
      expect(hf.encode(r, { add_special_tokens: false }).ids).toEqual(tok.encode(r));
    }
    const pair = hf.encode('The lungs are clear.', { text_pair: 'No effusion.' }).ids;
    expect(pair).toEqual(tok.encodeReport({ findings: 'The lungs are clear.', impression: 'No effusion.' }));
  });
});

describe('buildVocabulary', () => {
  it('keeps words seen at least minCount times plus every "always" word, deterministically ordered', () => {
    const words = buildVocabulary(['a b b c c c', 'c'], ['zeta'], 2);
    expect(words).toEqual(['c', 'b', ',', '.', ':', 'zeta']);
  });
});
