// Logits processors (transformers.js `generation/` style): small steps that edit the next-token logits of
// every beam in place before the log-softmax. `inputIds[b]` is beam b's sequence so far, BOS included.
// Logits are [B,V] row-major in one Float32Array. Banned tokens get -Infinity.
import type { WordTokenizer } from '../text/tokenizer';
import type { DecodingDefaults } from './manifest';

export interface LogitsProcessor {
  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void;
}

function vocabOf(inputIds: readonly (readonly number[])[], logits: Float32Array): number {
  return logits.length / inputIds.length;
}

/** The tokens after the last section break (e.g. [SEP]): an impression restates its findings, so repetition
 * control looks only within the section being written. No break id → the whole sequence. */
export function currentSection(ids: readonly number[], sectionBreak?: number): readonly number[] {
  if (sectionBreak === undefined) return ids;
  const at = ids.lastIndexOf(sectionBreak);
  return at < 0 ? ids : ids.slice(at + 1);
}

/** CTRL-style (Keskar et al. 2019): logits of tokens already in the sequence are divided by p if positive, multiplied if negative. */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  constructor(
    private readonly penalty: number,
    private readonly sectionBreak?: number,
  ) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    if (this.penalty === 1) return;
    const V = vocabOf(inputIds, logits);
    inputIds.forEach((ids, b) => {
      for (const id of new Set(currentSection(ids, this.sectionBreak))) {
        const i = b * V + id;
        logits[i] = logits[i] < 0 ? logits[i] * this.penalty : logits[i] / this.penalty;
      }
    });
  }
}

/** Bans any token that would complete an n-gram already present in the beam's current section. */
export class NoRepeatNGramProcessor implements LogitsProcessor {
  constructor(
    private readonly n: number,
    private readonly sectionBreak?: number,
  ) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    const n = this.n;
    if (n <= 0) return;
    const V = vocabOf(inputIds, logits);
    inputIds.forEach((beamIds, b) => {
      const ids = currentSection(beamIds, this.sectionBreak);
      if (ids.length + 1 < n) return;
      const prefix = ids.slice(ids.length - n + 1).join(',');
      for (let start = 0; start + n <= ids.length; start++) {
        if (ids.slice(start, start + n - 1).join(',') === prefix) logits[b * V + ids[start + n - 1]] = -Infinity;
      }
    });
  }
}

/** EOS is banned until `minLength` report tokens have been generated (BOS not counted). */
export class MinLengthProcessor implements LogitsProcessor {
  constructor(
    private readonly minLength: number,
    private readonly eosId: number,
  ) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    const V = vocabOf(inputIds, logits);
    inputIds.forEach((ids, b) => {
      if (ids.length - 1 < this.minLength) logits[b * V + this.eosId] = -Infinity;
    });
  }
}

/** When the next token is the last one `maxLength` allows (BOS and EOS counted), only EOS remains. */
export class ForcedEosProcessor implements LogitsProcessor {
  constructor(
    private readonly maxLength: number,
    private readonly eosId: number,
  ) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    const V = vocabOf(inputIds, logits);
    inputIds.forEach((ids, b) => {
      if (ids.length < this.maxLength - 1) return;
      const row = logits.subarray(b * V, (b + 1) * V);
      const eos = row[this.eosId];
      row.fill(-Infinity);
      row[this.eosId] = Number.isFinite(eos) ? eos : 0;
    });
  }
}

/** Tokens that must never be generated (PAD, BOS, UNK). */
export class SuppressTokensProcessor implements LogitsProcessor {
  constructor(private readonly ids: readonly number[]) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    const V = vocabOf(inputIds, logits);
    for (let b = 0; b < inputIds.length; b++) for (const id of this.ids) logits[b * V + id] = -Infinity;
  }
}

/** Ids at or above `limit` (model vocabulary rows the tokenizer has no word for) are never generated. */
export class VocabLimitProcessor implements LogitsProcessor {
  constructor(private readonly limit: number) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    const V = vocabOf(inputIds, logits);
    if (this.limit >= V) return;
    for (let b = 0; b < inputIds.length; b++) logits.fill(-Infinity, b * V + this.limit, (b + 1) * V);
  }
}

/** A token that may appear at most once per sequence (SEP between findings and impression). */
export class AtMostOnceProcessor implements LogitsProcessor {
  constructor(private readonly id: number) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    const V = vocabOf(inputIds, logits);
    inputIds.forEach((ids, b) => {
      if (ids.includes(this.id)) logits[b * V + this.id] = -Infinity;
    });
  }
}

/** Word sequences never to complete: a phrase's last id is banned where the beam's last ids are the rest of it. */
export class BannedPhrasesProcessor implements LogitsProcessor {
  constructor(private readonly phrases: readonly (readonly number[])[]) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    if (this.phrases.length === 0) return;
    const V = vocabOf(inputIds, logits);
    inputIds.forEach((ids, b) => {
      for (const phrase of this.phrases) {
        const k = phrase.length - 1; // ids that must just have been written
        if (k > ids.length) continue;
        let match = true;
        for (let j = 0; j < k && match; j++) match = ids[ids.length - k + j] === phrase[j];
        if (match) logits[b * V + phrase[k]] = -Infinity;
      }
    });
  }
}

export class LogitsProcessorList implements LogitsProcessor {
  constructor(readonly processors: LogitsProcessor[]) {}

  process(inputIds: readonly (readonly number[])[], logits: Float32Array): void {
    for (const p of this.processors) p.process(inputIds, logits);
  }
}

export interface SpecialIdsLike {
  pad: number;
  bos: number;
  eos: number;
  unk: number;
  sep: number;
}

/** The engine's processors for a set of decoding settings, in the order they apply; `bannedPhrases` as ids (bannedPhraseIds). */
export function processorsFor(
  settings: DecodingDefaults,
  special: SpecialIdsLike,
  vocabLimit = Infinity,
  bannedPhrases: readonly (readonly number[])[] = [],
): LogitsProcessorList {
  return new LogitsProcessorList([
    new VocabLimitProcessor(vocabLimit),
    new SuppressTokensProcessor([special.pad, special.bos, special.unk]),
    new BannedPhrasesProcessor(bannedPhrases),
    new AtMostOnceProcessor(special.sep),
    new RepetitionPenaltyProcessor(settings.repetition_penalty, special.sep),
    new NoRepeatNGramProcessor(settings.no_repeat_ngram, special.sep),
    new MinLengthProcessor(settings.min_length, special.eos),
    new ForcedEosProcessor(settings.max_length, special.eos),
  ]);
}

/** Phrases in a model's ids, split as the tokenizer splits text; a phrase with a word the vocabulary lacks is left out,
 *  since that word cannot be written. */
export function bannedPhraseIds(tokenizer: Pick<WordTokenizer, 'tokenize' | 'idOf'>, phrases: readonly string[]): number[][] {
  return phrases
    .map((p) => tokenizer.tokenize(p).map((w) => tokenizer.idOf(w)))
    .filter((ids): ids is number[] => ids.length > 0 && ids.every((id) => id !== undefined));
}

/** Row-wise log-softmax of [B,V] logits, in place. A row of all -Infinity stays -Infinity. */
export function logSoftmaxRows(logits: Float32Array, rows: number): void {
  const V = logits.length / rows;
  for (let b = 0; b < rows; b++) {
    const row = logits.subarray(b * V, (b + 1) * V);
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (row[i] > max) max = row[i];
    if (max === -Infinity) continue;
    let sum = 0;
    for (let i = 0; i < V; i++) sum += Math.exp(row[i] - max);
    const logZ = max + Math.log(sum);
    for (let i = 0; i < V; i++) row[i] -= logZ;
  }
}
