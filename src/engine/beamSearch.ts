// Beam search over a step decoder (Hugging Face's algorithm): every step scores 2k candidates over all
// beams; an EOS among the top k finishes a hypothesis (kept if it is among the k best finished), the
// other candidates fill the k running beams. Greedy is the same path with k = 1. The search also keeps,
// per beam, the `text_embeds` rows of the report tokens it fed, for p_txt and the heatmaps.
import { throwIfAborted } from './errors';
import { logSoftmaxRows, type LogitsProcessor } from './logitsProcessors';
import { defaultStoppingCriteria, lengthNormalised, type StoppingCriterion } from './stoppingCriteria';

/** One decoder call's outputs for its B rows: the last position's logits [B,V] and text embedding [B,E]. */
export interface DecoderStep {
  logits: Float32Array;
  textEmbeds: Float32Array;
}

/** The model as beam search sees it. `first` feeds [image prefix ; BOS] (one row); `next` feeds one token
 *  per new row, row r continuing the cache of previous row `parents[r]` (the decoder's beam_idx). */
export interface StepDecoder {
  readonly vocabSize: number;
  readonly embedDim: number;
  first(): Promise<DecoderStep>;
  next(tokens: number[], parents: number[]): Promise<DecoderStep>;
}

export interface Hypothesis {
  tokenIds: number[]; // generated ids after BOS; ends with EOS unless cut by the length limit
  logp: number; // summed log-probabilities of tokenIds
  score: number; // logp / |tokenIds|^alpha
  textEmbeds: Float32Array[]; // [E] per fed report token, in order (EOS is never fed)
}

export interface BeamSearchOptions {
  numBeams: number;
  alpha: number;
  maxLength: number; // tokens incl. BOS and EOS
  bosId: number;
  eosId: number;
  processor: LogitsProcessor;
  stopping?: StoppingCriterion[];
  signal?: AbortSignal;
  onStep?: (bestPartialIds: number[]) => void; // the best running (or finished) hypothesis after each step
}

interface Beam {
  ids: number[]; // BOS first
  logp: number;
  textEmbeds: Float32Array[];
}

interface Pick {
  value: number;
  index: number; // flat b*V + token
}

/** The `count` largest finite values of `scores`, best first; ties go to the lower index (argmax order). */
export function topK(scores: Float32Array | Float64Array, count: number): Pick[] {
  const picks: Pick[] = [];
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v === -Infinity || Number.isNaN(v)) continue;
    if (picks.length === count && v <= picks[count - 1].value) continue;
    let at = picks.length;
    while (at > 0 && picks[at - 1].value < v) at--;
    picks.splice(at, 0, { value: v, index: i });
    if (picks.length > count) picks.pop();
  }
  return picks;
}

function addFinished(finished: Hypothesis[], hyp: Hypothesis, numBeams: number): void {
  if (finished.length === numBeams && hyp.score <= finished[numBeams - 1].score) return;
  let at = finished.length;
  while (at > 0 && finished[at - 1].score < hyp.score) at--;
  finished.splice(at, 0, hyp);
  if (finished.length > numBeams) finished.pop();
}

export async function beamSearch(decoder: StepDecoder, o: BeamSearchOptions): Promise<Hypothesis[]> {
  const k = o.numBeams;
  const V = decoder.vocabSize;
  const E = decoder.embedDim;
  const stopping = o.stopping ?? defaultStoppingCriteria(o.maxLength);
  const finished: Hypothesis[] = [];
  let beams: Beam[] = [{ ids: [o.bosId], logp: 0, textEmbeds: [] }];

  throwIfAborted(o.signal);
  let out = await decoder.first();
  for (;;) {
    throwIfAborted(o.signal);
    const B = beams.length;
    // The row each beam just fed is a report token unless it was BOS (the first call).
    beams.forEach((beam, b) => {
      if (beam.ids.length > 1) beam.textEmbeds.push(out.textEmbeds.slice(b * E, (b + 1) * E));
    });
    const scores = out.logits; // [B,V]
    o.processor.process(
      beams.map((beam) => beam.ids),
      scores,
    );
    logSoftmaxRows(scores, B);
    const total = new Float64Array(B * V); // [B,V] beam logp + token logp
    for (let b = 0; b < B; b++) for (let v = 0; v < V; v++) total[b * V + v] = beams[b].logp + scores[b * V + v];

    const picks = topK(total, 2 * k);
    const curLen = beams[0].ids.length; // generated length (BOS excluded) once extended by one token
    const next: Beam[] = [];
    const parents: number[] = [];
    picks.forEach((pick, rank) => {
      const b = Math.floor(pick.index / V);
      const token = pick.index % V;
      const parent = beams[b];
      if (token === o.eosId) {
        if (rank >= k) return;
        const tokenIds = [...parent.ids.slice(1), token];
        addFinished(finished, { tokenIds, logp: pick.value, score: lengthNormalised(pick.value, tokenIds.length, o.alpha), textEmbeds: parent.textEmbeds }, k);
        return;
      }
      if (next.length === k) return;
      next.push({ ids: [...parent.ids, token], logp: pick.value, textEmbeds: [...parent.textEmbeds] });
      parents.push(b);
    });

    const state = { numBeams: k, alpha: o.alpha, curLen, bestCandidateLogp: picks.length ? picks[0].value : -Infinity, finished, running: next.length };
    if (stopping.some((c) => c.shouldStop(state))) {
      // Beams still running count as finished (HF's finalize; when the search was done they cannot beat the
      // worst finished one). Cut by the length limit, their last token has no text embedding.
      for (const beam of next) {
        const tokenIds = beam.ids.slice(1);
        addFinished(finished, { tokenIds, logp: beam.logp, score: lengthNormalised(beam.logp, tokenIds.length, o.alpha), textEmbeds: beam.textEmbeds }, k);
      }
      o.onStep?.(finished[0]?.tokenIds ?? []);
      return finished;
    }
    o.onStep?.(next[0].ids.slice(1));
    beams = next;
    out = await decoder.next(
      next.map((beam) => beam.ids[beam.ids.length - 1]),
      parents,
    );
  }
}
