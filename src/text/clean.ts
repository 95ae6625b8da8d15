// R2Gen-style report cleaning, once for the corpus, the evaluation and the page: lower-case, numbered-list
// markers removed, IU's "XXXX" anonymisation repaired, removed from sentences that still assert a finding, or its
// sentence dropped, dictation artefacts ("END OF REPORT") dropped, punctuation normalised so that
// "." "," ":" are the only marks left (decimals such as "1.5" kept), one space between words.
// Rules are data: src/text/data/clean/rules.json.
import rulesJson from './data/clean/rules.json' with { type: 'json' };
import { labelSentence } from './labeler';
import { splitSentences } from './sentences';

type Replacement = [RegExp, string];

const toReplacements = (pairs: string[][]): Replacement[] => pairs.map(([p, r]) => [new RegExp(p, 'g'), r]);

const XXXX_REPLACEMENTS = toReplacements(rulesJson.xxxx_replacements);
const XXXX_FILLERS = rulesJson.xxxx_fillers.map((p) => new RegExp(p, 'g'));
const CHAR_REPLACEMENTS = toReplacements(rulesJson.char_replacements);
const DROPPED_SENTENCES = rulesJson.dropped_sentences.map((p) => new RegExp(p));

// "1. Bullous emphysema. 2. Scarring" → sentence breaks; "T12." and "1.5 cm" are not list markers.
// Function words left hanging at the end of a sentence once its anonymised words are gone ("port-a-cath is in").
const DANGLING_END = /(?:\s+(?:in|of|at|on|the|a|an|to|with|and|or|is|are|by|for))+\s*\.*$/;

const LIST_MARKER = /(^|\s)\d{1,2}[.)](?=\s+[A-Za-z])/g;

function cleanSentence(sentence: string): string | null {
  let s = sentence;
  for (const [pattern, replacement] of XXXX_REPLACEMENTS) s = s.replace(pattern, replacement);
  for (const filler of XXXX_FILLERS) s = s.replace(filler, '');
  if (/xxxx/.test(s)) {
    // Keep a sentence that still asserts a finding without its anonymised words; drop one that only said "normal".
    const stripped = s.replace(/(?:\s|^)[\w-]*xxxx[\w-]*/g, ' ');
    if (!labelSentence(stripped).some((m) => m.status !== 'negative')) return null;
    s = stripped.replace(DANGLING_END, '');
  }
  s = s
    .replace(/[.]+$/, '') // terminal period(s), added back once
    .replace(/\s*([,:])(?:\s*[,:])*/g, '$1 ') // one mark, no space before, one after
    .replace(/(^|\s)[,:.]\s/g, '$1') // stray marks
    .replace(/\.(?!\d)/g, '. ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s,:.-]+|[\s,:-]+$/g, '');
  if (!/[a-z]/.test(s) || DROPPED_SENTENCES.some((p) => p.test(s))) return null;
  return `${s}.`;
}

/** Cleaned sentences of a report section, each ending with "."; sentences emptied by XXXX removal are dropped. */
export function cleanSentences(text: string): string[] {
  let t = text.replace(LIST_MARKER, '$1.').toLowerCase();
  for (const [pattern, replacement] of CHAR_REPLACEMENTS) t = t.replace(pattern, replacement);
  t = t
    .replace(/\.(?=[a-z])/g, '. ') // "apex.There" → "apex. there"
    .replace(/\s+/g, ' ');
  const out: string[] = [];
  for (const sentence of splitSentences(t)) {
    const cleaned = cleanSentence(sentence);
    if (cleaned !== null) out.push(cleaned);
  }
  return out;
}

/** Cleans one report section (findings or impression) into lower-case sentences joined by single spaces. */
export function cleanReport(text: string): string {
  return cleanSentences(text).join(' ');
}

/** Spaces out "." "," ":" so that a whitespace split yields them as tokens; decimals ("1.5") stay whole. */
export function spacePunctuation(text: string): string {
  return text
    .replace(/(?<!\d)([.,:])|([.,:])(?!\d)/g, ' $1$2 ')
    .replace(/\s+/g, ' ')
    .trim();
}
