// Word-level tokenizer: builds and reads `tokenizer.json` in the Hugging Face tokenizers format
// (WordPiece model whose vocabulary holds whole words only, BertNormalizer lower-casing,
// BertPreTokenizer punctuation splitting) and encodes/decodes reports as
// `[BOS] findings… [SEP] impression… [EOS]`. No Node APIs: the browser engine uses it too.

export const SPECIAL_TOKENS = ['[PAD]', '[BOS]', '[EOS]', '[UNK]', '[SEP]'] as const;
export const SPECIAL_IDS = { pad: 0, bos: 1, eos: 2, unk: 3, sep: 4 } as const;
export type SpecialIds = typeof SPECIAL_IDS;

/** Bad tokenizer file or bad input to the tokenizer. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

// BertPreTokenizer's punctuation: Unicode P plus every ASCII symbol (as in the Rust crate and tokenizers.js).
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN_RE = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu');
const IS_PUNCT_RE = new RegExp(`^[${PUNCT}]$`, 'u');
// Decoding: no space before these, none after the openers, none around the joiners.
const NO_SPACE_BEFORE = new Set(['.', ',', ':', ';', '?', '!', ')', ']', '%']);
const NO_SPACE_AFTER = new Set(['(', '[']);
const JOINERS = new Set(['-', '/', "'"]);

/** BertNormalizer(lowercase, strip accents, clean text): what both tokenizers apply before splitting. */
export function normalizeText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0 || cp === 0xfffd) continue;
    if (/\s/u.test(ch)) out += ' ';
    else if (/^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u.test(ch)) continue;
    else out += ch;
  }
  return out
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '');
}

/** Normalise then split into words and single punctuation marks (BertPreTokenizer). */
export function preTokenize(text: string): string[] {
  return normalizeText(text).trim().match(PRE_TOKEN_RE) ?? [];
}

/** Join tokens into text with natural spacing: "no effusion ." → "no effusion." */
export function joinTokens(tokens: readonly string[]): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const prev = tokens[i - 1] ?? '';
    const decimal = prev === '.' && /^\d+$/.test(tok) && /^\d+$/.test(tokens[i - 2] ?? ''); // "1 . 5" → "1.5"
    const glue = out === '' || NO_SPACE_BEFORE.has(tok) || NO_SPACE_AFTER.has(prev) || JOINERS.has(tok) || JOINERS.has(prev) || decimal;
    out += (glue ? '' : ' ') + tok;
  }
  return out;
}

/** Canonical text form of a string: what decode(encode(text)) gives when every word is in the vocabulary. */
export function canonicalText(text: string): string {
  return joinTokens(preTokenize(text));
}

export interface HfTokenizerJson {
  version: string;
  added_tokens: Array<{ id: number; content: string; special: boolean; [k: string]: unknown }>;
  normalizer: Record<string, unknown>;
  pre_tokenizer: Record<string, unknown>;
  post_processor: Record<string, unknown>;
  decoder: Record<string, unknown>;
  model: { type: string; unk_token: string; vocab: Record<string, number>; [k: string]: unknown };
  [k: string]: unknown;
}

/** Build the HF tokenizer.json object; `words` are whole words / punctuation marks, ids follow their order. */
export function buildTokenizerJson(words: readonly string[]): HfTokenizerJson {
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((t, i) => (vocab[t] = i));
  for (const w of words) {
    if (preTokenize(w).length !== 1 || preTokenize(w)[0] !== w) {
      throw new TokenizerError(`vocabulary entry "${w}" is not a single normalised word; pass pre-tokenized words`);
    }
    if (!(w in vocab)) vocab[w] = Object.keys(vocab).length;
  }
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const seq = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const specialEntry = (t: string) => ({ id: t, ids: [vocab[t]], tokens: [t] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[BOS]'), seq('A', 0), special('[EOS]')],
      pair: [special('[BOS]'), seq('A', 0), special('[SEP]'), seq('B', 0), special('[EOS]')],
      special_tokens: { '[BOS]': specialEntry('[BOS]'), '[EOS]': specialEntry('[EOS]'), '[SEP]': specialEntry('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

export interface DecodedReport {
  findings: string;
  impression: string;
  text: string;
}

/** Reads our tokenizer.json (or any whole-word WordPiece vocabulary with our special tokens). */
export class WordTokenizer {
  readonly idToToken: string[];
  private readonly tokenToId: Map<string, number>;
  readonly special: SpecialIds = SPECIAL_IDS;

  constructor(json: unknown) {
    const model = (json as HfTokenizerJson | null)?.model;
    if (!model || typeof model.vocab !== 'object' || model.vocab === null) {
      throw new TokenizerError('tokenizer.json has no model.vocab; pass the file written by `npm run corpus`');
    }
    this.tokenToId = new Map(Object.entries(model.vocab));
    this.idToToken = [];
    for (const [tok, id] of this.tokenToId) this.idToToken[id] = tok;
    SPECIAL_TOKENS.forEach((t, i) => {
      if (this.tokenToId.get(t) !== i) {
        throw new TokenizerError(`tokenizer.json must map ${t} to id ${i}; rebuild it with \`npm run corpus\``);
      }
    });
  }

  get vocabSize(): number {
    return this.idToToken.length;
  }

  tokenize(text: string): string[] {
    return preTokenize(text);
  }

  /** Text → ids, no special tokens; unknown words → [UNK]. */
  encode(text: string): number[] {
    return preTokenize(text).map((t) => this.tokenToId.get(t) ?? SPECIAL_IDS.unk);
  }

  idOf(token: string): number | undefined {
    return this.tokenToId.get(token);
  }

  tokenOf(id: number): string {
    const tok = this.idToToken[id];
    if (tok === undefined) throw new TokenizerError(`token id ${id} is outside the vocabulary (size ${this.vocabSize})`);
    return tok;
  }

  /** Ids → text; special tokens are dropped unless keepSpecial. */
  decode(ids: readonly number[], keepSpecial = false): string {
    const toks = ids.filter((id) => keepSpecial || id >= SPECIAL_TOKENS.length).map((id) => this.tokenOf(id));
    return joinTokens(toks);
  }

  /** `[BOS] findings… [SEP] impression… [EOS]`. */
  encodeReport(report: { findings: string; impression: string }): number[] {
    return [SPECIAL_IDS.bos, ...this.encode(report.findings), SPECIAL_IDS.sep, ...this.encode(report.impression), SPECIAL_IDS.eos];
  }

  /** Inverse of encodeReport; tolerates a missing BOS/SEP/EOS and trailing padding (generation output). */
  decodeReport(ids: readonly number[]): DecodedReport {
    const findings: number[] = [];
    const impression: number[] = [];
    let inImpression = false;
    for (const id of ids) {
      if (id === SPECIAL_IDS.eos || id === SPECIAL_IDS.pad) break;
      if (id === SPECIAL_IDS.bos) continue;
      if (id === SPECIAL_IDS.sep) {
        inImpression = true;
        continue;
      }
      (inImpression ? impression : findings).push(id);
    }
    const f = this.decode(findings);
    const imp = this.decode(impression);
    return { findings: f, impression: imp, text: [f, imp].filter((s) => s.length > 0).join(' ') };
  }
}

/** True for a single punctuation token such as "." or ",". */
export function isPunctuation(token: string): boolean {
  return IS_PUNCT_RE.test(token);
}

/**
 * Vocabulary: words seen at least `minCount` times in `counted` texts plus every word of `always`
 * (and `.` `,` `:`), ordered by count (descending) then alphabetically, so the ids are deterministic.
 */
export function buildVocabulary(counted: Iterable<string>, always: Iterable<string>, minCount = 2): string[] {
  const counts = new Map<string, number>();
  for (const text of counted) for (const t of preTokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const keep = new Map<string, number>();
  for (const [t, n] of counts) if (n >= minCount) keep.set(t, n);
  for (const text of always) for (const t of preTokenize(text)) keep.set(t, counts.get(t) ?? keep.get(t) ?? 0);
  for (const p of ['.', ',', ':']) if (!keep.has(p)) keep.set(p, counts.get(p) ?? 0);
  for (const s of SPECIAL_TOKENS) keep.delete(s);
  return [...keep.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([t]) => t);
}
