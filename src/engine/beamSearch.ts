// Beam search over a step decoder (Hugging Face's algorithm): every step scores 2k candidates over all
// beams; an EOS among the top k finishes a hypothesis (kept if it is among the k best finished), the
// other candidates fill the k running beams. Greedy is the same path with k = 1. The search also keeps,
// per beam, the `text_embeds` rows of the report tokens it fed, for p_txt and the heatmaps.
// Diverse beam search (Vijayakumar et al., AAAI 2018): the k beams split into G groups that advance in one
// decoder call; group g picks its tokens with a penalty of λ per earlier group that chose the same token at
// this step, so the groups' candidates start to differ where the language model hesitates. The penalty only
// steers the choice: every candidate keeps its true log-probability, so the rerank compares them fairly.
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
  group: number; // diverse beam group (0 = the unpenalised one); sampled alternatives come after the groups
  sampled?: boolean; // drawn from the model's distribution (samplingSearch) rather than kept by the beam
}

export interface BeamSearchOptions {
  numBeams: number; // k, over all groups
  alpha: number;
  maxLength: number; // tokens incl. BOS and EOS
  bosId: number;
  eosId: number;
  processor: LogitsProcessor;
  groups?: number; // G, dividing k (default 1: plain beam search)
  diversityPenalty?: number; // λ: subtracted per earlier group that chose the token at this step (default 0)
  stopping?: StoppingCriterion[];
  signal?: AbortSignal;
  onStep?: (bestPartialIds: number[]) => void; // group 0's best running (or finished) hypothesis after each step
}

interface Beam {
  ids: number[]; // BOS first
  logp: number;
  textEmbeds: Float32Array[];
}

interface Group {
  beams: Beam[];
  rows: number[]; // the decoder rows (of the last call) that hold these beams' caches
  finished: Hypothesis[];
  done: boolean;
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
  const G = o.groups ?? 1;
  if (!Number.isInteger(G) || G < 1 || o.numBeams % G !== 0) throw new RangeError(`beam search: ${G} groups do not divide ${o.numBeams} beams`);
  const kg = o.numBeams / G; // beams per group
  const penalty = o.diversityPenalty ?? 0;
  const V = decoder.vocabSize;
  const E = decoder.embedDim;
  const stopping = o.stopping ?? defaultStoppingCriteria(o.maxLength);
  let rows: Beam[] = [{ ids: [o.bosId], logp: 0, textEmbeds: [] }]; // every group starts from the one BOS row
  const groups: Group[] = Array.from({ length: G }, () => ({ beams: [rows[0]], rows: [0], finished: [], done: false }));

  throwIfAborted(o.signal);
  let out = await decoder.first();
  for (;;) {
    throwIfAborted(o.signal);
    const R = rows.length;
    // The row each beam just fed is a report token unless it was BOS (the first call).
    rows.forEach((beam, r) => {
      if (beam.ids.length > 1) beam.textEmbeds.push(out.textEmbeds.slice(r * E, (r + 1) * E));
    });
    const scores = out.logits; // [R,V]
    o.processor.process(
      rows.map((beam) => beam.ids),
      scores,
    );
    logSoftmaxRows(scores, R);
    const chosenBefore = new Float64Array(V); // tokens picked at this step by earlier groups
    const nextRows: Beam[] = [];
    const parents: number[] = [];
    const curLen = rows[0].ids.length; // generated length (BOS excluded) once extended by one token
    for (const [g, group] of groups.entries()) {
      if (group.done) continue;
      const B = group.beams.length;
      const select = new Float64Array(B * V); // [B,V] beam logp + token logp − λ·(earlier groups' picks)
      group.beams.forEach((beam, b) => {
        const r = group.rows[b];
        for (let v = 0; v < V; v++) select[b * V + v] = beam.logp + scores[r * V + v] - penalty * chosenBefore[v];
      });
      const picks = topK(select, 2 * kg);
      const trueLogp = (pick: Pick) => {
        const b = Math.floor(pick.index / V);
        return group.beams[b].logp + scores[group.rows[b] * V + (pick.index % V)];
      };
      const next: Beam[] = [];
      const nextParents: number[] = [];
      picks.forEach((pick, rank) => {
        const b = Math.floor(pick.index / V);
        const token = pick.index % V;
        const parent = group.beams[b];
        const logp = trueLogp(pick);
        if (token === o.eosId) {
          if (rank >= kg) return;
          const tokenIds = [...parent.ids.slice(1), token];
          addFinished(group.finished, { tokenIds, logp, score: lengthNormalised(logp, tokenIds.length, o.alpha), textEmbeds: parent.textEmbeds, group: g }, kg);
          return;
        }
        if (next.length === kg) return;
        next.push({ ids: [...parent.ids, token], logp, textEmbeds: [...parent.textEmbeds] });
        nextParents.push(group.rows[b]);
      });
      for (const beam of next) chosenBefore[beam.ids[beam.ids.length - 1]] += 1;
      const best = picks.length ? Math.max(...picks.map(trueLogp)) : -Infinity;
      const state = { numBeams: kg, alpha: o.alpha, curLen, bestCandidateLogp: best, finished: group.finished, running: next.length };
      if (stopping.some((c) => c.shouldStop(state))) {
        // Beams still running count as finished (HF's finalize; when the search was done they cannot beat the
        // worst finished one). Cut by the length limit, their last token has no text embedding.
        for (const beam of next) {
          const tokenIds = beam.ids.slice(1);
          addFinished(
            group.finished,
            { tokenIds, logp: beam.logp, score: lengthNormalised(beam.logp, tokenIds.length, o.alpha), textEmbeds: beam.textEmbeds, group: g },
            kg,
          );
        }
        group.done = true;
        continue;
      }
      group.beams = next;
      group.rows = next.map((_, i) => nextRows.length + i);
      nextRows.push(...next);
      parents.push(...nextParents);
    }
    const lead = groups[0];
    if (groups.every((g) => g.done)) {
      o.onStep?.(lead.finished[0]?.tokenIds ?? []);
      return groups.flatMap((g) => g.finished);
    }
    o.onStep?.(lead.done ? (lead.finished[0]?.tokenIds ?? []) : lead.beams[0].ids.slice(1));
    rows = nextRows;
    out = await decoder.next(
      rows.map((beam) => beam.ids[beam.ids.length - 1]),
      parents,
    );
  }
}
