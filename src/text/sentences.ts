// Sentence splitting for report text. Owns one rule set used by the cleaner, the labeler and the corpus:
// a sentence ends at `.`, `!` or `?` followed by white space (or the end of the text), except when the period
// belongs to a decimal ("1.5 cm"), to a known abbreviation ("vs.", "e.g.") or to a list marker handled upstream.

export interface SentenceSpan {
  text: string; // trimmed sentence, terminal punctuation included
  start: number; // offset of text[0] in the input
  end: number; // offset just after the sentence in the input
}

const ABBREVIATIONS = new Set(['vs', 'e.g', 'i.e', 'approx', 'dr', 'mr', 'mrs', 'ms', 'fig', 'st', 'cf', 'no']);

function isAbbreviation(text: string, periodIndex: number): boolean {
  let i = periodIndex - 1;
  while (i >= 0 && /[A-Za-z.]/.test(text[i])) i -= 1;
  const word = text.slice(i + 1, periodIndex).toLowerCase();
  if (word === 'no') return /^\s*\d/.test(text.slice(periodIndex + 1)); // "no. 2" is a number, "no." ends a sentence
  return ABBREVIATIONS.has(word);
}

/** Splits report text into sentence spans; never splits inside a decimal number. */
export function splitSentenceSpans(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let sentenceStart = 0;
  const push = (end: number): void => {
    const raw = text.slice(sentenceStart, end);
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (trimmed.length > 0 && /[\p{L}\p{N}]/u.test(trimmed)) {
      spans.push({ text: trimmed, start: sentenceStart + lead, end: sentenceStart + lead + trimmed.length });
    }
    sentenceStart = end;
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch !== '.' && ch !== '!' && ch !== '?') continue;
    const next = text[i + 1];
    const atEnd = next === undefined;
    if (!atEnd && !/\s/.test(next)) continue; // "1.5", "x-ray.com", "e.g.x": no white space after the mark
    if (ch === '.' && isAbbreviation(text, i)) continue;
    let j = i + 1;
    while (j < text.length && /[.!?]/.test(text[j])) j += 1; // "..." stays with its sentence
    push(j);
    i = j - 1;
  }
  push(text.length);
  return spans;
}

/** Splits report text into trimmed sentences. */
export function splitSentences(text: string): string[] {
  return splitSentenceSpans(text).map((s) => s.text);
}
