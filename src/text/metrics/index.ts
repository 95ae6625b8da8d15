// The NLG metric suite as the COCO caption evaluation runs it: tokenise hypotheses and references with the
// PTB-style tokeniser, then BLEU-1..4, METEOR (here meteor_exact_stem), ROUGE-L and CIDEr-D on the same tokens.
import { corpusBleu } from './bleu';
import { corpusCiderD } from './cider';
import { corpusMeteor } from './meteor';
import { ptbTokenize } from './ptbTokenize';
import { corpusRougeL } from './rouge';

export { corpusBleu } from './bleu';
export { corpusCiderD } from './cider';
export { corpusMeteor } from './meteor';
export { corpusRougeL } from './rouge';
export { ptbTokenize } from './ptbTokenize';
export { porterStem } from './porterStemmer';

export interface NlgScores {
  bleu1: number;
  bleu2: number;
  bleu3: number;
  bleu4: number;
  meteor: number; // meteor_exact_stem (see meteor.ts): not the Java METEOR with synonyms and paraphrases
  rouge_l: number;
  cider: number;
}

/** Corpus NLG scores: hyps[i] is a generated report, refs[i] its reference reports (raw text; tokenised here). */
export function scoreNlg(hyps: string[], refs: string[][]): NlgScores {
  if (hyps.length !== refs.length) throw new RangeError(`scoreNlg: ${hyps.length} reports but ${refs.length} reference sets; pass one set per report`);
  if (hyps.length === 0) throw new RangeError('scoreNlg: no reports to score; give at least one');
  const h = hyps.map(ptbTokenize);
  const r = refs.map((set, i) => {
    if (set.length === 0) throw new RangeError(`scoreNlg: report ${i} has no reference; give at least one`);
    return set.map(ptbTokenize);
  });
  const bleu = corpusBleu(h, r).corpus;
  return {
    bleu1: bleu[0],
    bleu2: bleu[1],
    bleu3: bleu[2],
    bleu4: bleu[3],
    meteor: corpusMeteor(h, r).corpus,
    rouge_l: corpusRougeL(h, r).corpus,
    cider: corpusCiderD(h, r).corpus,
  };
}
