// Sampled alternatives: rows that draw each next token from the language model's own distribution (softmax of the
// processed log-probabilities / temperature) instead of taking its best one. Beam search and diverse beam search
// mostly return paraphrases of one reading, because the model is confident about the words; samples differ in
// findings about as often as the model is unsure of them (Holtzman et al., 2020, on why the mode of a language model
// is not representative of it), so a tally over them says "effusion: asserted by 2 of 3 candidates" with meaning.
// Optionally row 0 is greedy, so the LM's best reading and its samples cost one batched decode of 1 + S rows.
// Rows whose tokens so far are identical share one decoder row (a token trie over the draws), so a draw costs decoder
// work only from where it leaves the others.
// A seeded generator makes a draft reproducible: the same image, settings and seed give the same candidates; the
// seed is mixed with a digest of the image so that different images get independent draws.
import type { Hypothesis, StepDecoder } from './beamSearch';
import { throwIfAborted } from './errors';
import { logSoftmaxRows, type LogitsProcessor } from './logitsProcessors';
import { lengthNormalised } from './stoppingCriteria';
import { mulberry32 } from '../text/composeRng';

export interface SamplingOptions {
  samples: number; // S sampled rows
  greedy: boolean; // also a greedy row (row 0, group 0); the samples are groups 1..S
  temperature: number; // > 0; 1 = the model's distribution
  seed: number;
  alpha: number;
  maxLength: number; // tokens incl. BOS and EOS
  bosId: number;
  eosId: number;
  processor: LogitsProcessor; // the same processors as the beam (no-repeat n-grams, min/max length …)
  signal?: AbortSignal;
  onStep?: (greedyIds: number[]) => void; // the greedy row's tokens after each step (when there is one)
}

/** A 32-bit digest of the input pixels (FNV-1a over the float bits of every 61st value): mixed into the seed so that
 *  each image gets its own draws (the same image, settings and seed still give the same candidates). With one seed
 *  for every image, the k-th sample of every image would start from the same uniform and so often the same word. */
export function pixelDigest(data: Float32Array): number {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i += 61) {
    h ^= bits[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A token drawn from exp(logp / T) over one row [V] of log-probabilities (−Infinity never drawn). */
export function drawToken(logp: Float32Array, temperature: number, uniform: () => number): number {
  let max = -Infinity;
  for (let v = 0; v < logp.length; v++) if (logp[v] > max) max = logp[v];
  let total = 0;
  const weights = new Float64Array(logp.length);
  for (let v = 0; v < logp.length; v++) total += weights[v] = logp[v] === -Infinity ? 0 : Math.exp((logp[v] - max) / temperature);
  let u = uniform() * total;
  let last = -1;
  for (let v = 0; v < logp.length; v++) {
    if (weights[v] === 0) continue;
    last = v;
    u -= weights[v];
    if (u < 0) return v;
  }
  return last; // rounding left a sliver: the last drawable token
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let v = 1; v < row.length; v++) if (row[v] > row[best]) best = v;
  return best;
}

interface Row {
  ids: number[]; // BOS first
  logp: number;
  textEmbeds: Float32Array[];
  group: number;
}

export async function samplingSearch(decoder: StepDecoder, o: SamplingOptions): Promise<Hypothesis[]> {
  if (!Number.isInteger(o.samples) || o.samples < 0) throw new RangeError(`sampling: samples must be a whole number ≥ 0; got ${o.samples}`);
  if (!(o.temperature > 0)) throw new RangeError(`sampling: temperature must be above 0; got ${o.temperature}`);
  const V = decoder.vocabSize;
  const E = decoder.embedDim;
  const uniform = mulberry32(o.seed).next;
  const groups = [...(o.greedy ? [0] : []), ...Array.from({ length: o.samples }, (_, i) => i + 1)];
  if (groups.length === 0) return [];
  const finished: Hypothesis[] = [];
  let rows: Row[] = groups.map((group) => ({ ids: [o.bosId], logp: 0, textEmbeds: [], group }));
  let outRow = rows.map(() => 0); // the decoder row (of the last call) whose logits and cache row r continues
  throwIfAborted(o.signal);
  let out = await decoder.first(); // one row: [image prefix ; BOS], shared by every row
  for (;;) {
    throwIfAborted(o.signal);
    const R = rows.length;
    // [R,V]: after the first call row r is decoder row r, so the logits are used in place; the first call's one
    // row is shared by every row and copied out to each.
    const scores = outRow.every((decoderRow, r) => decoderRow === r) ? out.logits : new Float32Array(R * V);
    rows.forEach((row, r) => {
      if (scores !== out.logits) scores.set(out.logits.subarray(outRow[r] * V, (outRow[r] + 1) * V), r * V);
      if (row.ids.length > 1) row.textEmbeds.push(out.textEmbeds.slice(outRow[r] * E, (outRow[r] + 1) * E));
    });
    o.processor.process(
      rows.map((row) => row.ids),
      scores,
    );
    logSoftmaxRows(scores, R);
    const running: Row[] = [];
    const nextRow: number[] = []; // the decoder row of the next call that each running row continues on
    const shared = new Map<number, number>(); // parent row · V + token → that decoder row
    const tokens: number[] = [];
    const parents: number[] = [];
    rows.forEach((row, r) => {
      const logp = scores.subarray(r * V, (r + 1) * V);
      const token = row.group === 0 ? argmax(logp) : drawToken(logp, o.temperature, uniform);
      const ids = [...row.ids, token];
      const total = row.logp + logp[token];
      if (token === o.eosId || ids.length >= o.maxLength) {
        const tokenIds = ids.slice(1);
        const score = lengthNormalised(total, tokenIds.length, o.alpha);
        finished.push({ tokenIds, logp: total, score, textEmbeds: row.textEmbeds, group: row.group, ...(row.group > 0 ? { sampled: true } : {}) });
        if (row.group === 0) o.onStep?.(tokenIds);
        return;
      }
      if (row.group === 0) o.onStep?.(ids.slice(1));
      running.push({ ids, logp: total, textEmbeds: row.textEmbeds, group: row.group });
      // Rows with the same tokens so far continue one cache row: same parent row, same token → same next row.
      const key = outRow[r] * V + token;
      let at = shared.get(key);
      if (at === undefined) {
        at = tokens.length;
        shared.set(key, at);
        tokens.push(token);
        parents.push(outRow[r]);
      }
      nextRow.push(at);
    });
    if (running.length === 0) break;
    // Finished rows leave the batch: the next call feeds one row per distinct running token sequence.
    out = await decoder.next(tokens, parents);
    rows = running;
    outRow = nextRow;
  }
  return finished.sort((a, b) => a.group - b.group);
}
