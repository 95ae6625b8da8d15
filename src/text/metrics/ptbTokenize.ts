// Tokenisation for the NLG metrics, approximating pycocoevalcap's PTBTokenizer (Stanford PTBTokenizer with
// -lowerCase, then its punctuation tokens removed) so our numbers are comparable with published ones.
// Rules: lower-case; split on whitespace; split off brackets, double quotes and , ; : ! ? (commas inside numbers
// stay); strip opening/closing single quotes and trailing periods (abbreviations like "e.g." and decimals like
// "3.5" stay whole); split clitics (n't 's 're 've 'll 'd 'm) and "%" off numbers as PTB does; drop the tokens
// pycocoevalcap drops (punctuation, dash runs). Returns the space-joined string, as pycocoevalcap hands to scorers.

const DROPPED = new Set(["''", "'", '``', '`', '.', '?', '!', ',', ':', '-', '--', '...', ';']);
const SEPARATORS = /([()[\]{}"`;!?:,])/;
const CLITIC = /^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$/;
const ABBREVIATION = /^([a-z]\.){2,}$/;

function splitPiece(piece: string, out: string[]): void {
  const protectedCommas = piece.replace(/(\d),(?=\d)/g, '$1\u0000');
  for (const raw of protectedCommas.split(SEPARATORS)) {
    if (!raw || SEPARATORS.test(raw)) continue;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the placeholder this tokenizer put in for commas
    let part = raw.replace(/\u0000/g, ',');
    while (part.startsWith("'") && !/^'(s|re|ve|ll|d|m)$/.test(part)) part = part.slice(1);
    if (!ABBREVIATION.test(part)) {
      while (part.endsWith('.') || (part.endsWith("'") && !part.endsWith("n't"))) part = part.slice(0, -1);
    }
    if (!part) continue;
    const clitic = CLITIC.exec(part);
    const percent = /^(.*\d)%$/.exec(part);
    if (clitic) out.push(clitic[1], clitic[2]);
    else if (percent) out.push(percent[1], '%');
    else out.push(part);
  }
}

/** Tokenise one sentence or report: lower-case tokens joined by single spaces, punctuation removed. */
export function ptbTokenize(text: string): string {
  const out: string[] = [];
  for (const piece of text.toLowerCase().split(/\s+/)) if (piece) splitPiece(piece, out);
  return out.filter((t) => !DROPPED.has(t) && !/^[-.]+$/.test(t)).join(' ');
}
