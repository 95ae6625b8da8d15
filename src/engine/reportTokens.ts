// Which generated tokens the page shows, and where each belongs: EOS and SEP are not shown; SEP switches
// from findings to impression; a sentence ends after "." (and at SEP). Pairs each shown token with the
// text embedding of the position where it was fed, and marks the words an edit after the choice put in.
import type { TokenInfo } from './types';

/** The words after which a report's sentence ends, as this layout reads ids (the gates split sentences the same way). */
export const SENTENCE_ENDS: ReadonlySet<string> = new Set(['.', '[SEP]', '[EOS]']);

export interface TokenTexts {
  tokenOf(id: number): string;
}

export interface ReportTokens {
  tokens: TokenInfo[]; // grounding filled in later
  embeds: Float32Array[]; // [E] per shown token
  sentences: number;
}

export function layoutReportTokens(
  tokenIds: readonly number[],
  textEmbeds: readonly Float32Array[],
  texts: TokenTexts,
  special: { eos: number; sep: number },
  byProbe?: readonly boolean[], // per id: a word the subtype gate's probe put in
): ReportTokens {
  const tokens: TokenInfo[] = [];
  const embeds: Float32Array[] = [];
  let section: TokenInfo['section'] = 'findings';
  let sentence = 0;
  let sentenceHasTokens = false;
  const endSentence = (): void => {
    if (sentenceHasTokens) sentence++;
    sentenceHasTokens = false;
  };
  tokenIds.forEach((id, i) => {
    if (id === special.eos) return;
    if (id === special.sep) {
      section = 'impression';
      endSentence();
      return;
    }
    const embed = textEmbeds[i];
    if (!embed) return; // cut by the length limit: never fed, so no embedding
    const text = texts.tokenOf(id);
    tokens.push({ text, id, grounding: 0, sentence, section, ...(byProbe?.[i] ? { byProbe: true } : {}) });
    embeds.push(embed);
    sentenceHasTokens = true;
    if (text === '.') endSentence();
  });
  return { tokens, embeds, sentences: sentenceHasTokens ? sentence + 1 : sentence };
}
