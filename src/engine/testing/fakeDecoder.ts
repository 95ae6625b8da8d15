// A StepDecoder without ONNX, for tests: next-token probabilities come from a function of the full history,
// and the decoder rebuilds each row's history from `parents` exactly as the ONNX cache would (beam_idx).
import type { DecoderStep, StepDecoder } from '../beamSearch';

export type NextTokenProbs = (history: readonly number[]) => number[]; // history = generated ids after BOS

/** text_embeds of a fed token t: [t, 1, 0, …] so tests can read back which tokens were fed. */
export function fakeTextEmbed(token: number, E: number): Float32Array {
  const e = new Float32Array(E);
  e[0] = token;
  e[1] = 1;
  return e;
}

export class FakeDecoder implements StepDecoder {
  firstCalls = 0;
  nextCalls = 0;
  rowsPerNext: number[] = []; // rows fed by each next call, in order
  private rows: number[][] = [];

  constructor(
    readonly vocabSize: number,
    private readonly probs: NextTokenProbs,
    readonly embedDim = 4,
  ) {}

  async first(): Promise<DecoderStep> {
    this.firstCalls++;
    this.rows = [[]];
    return this.output([-1]);
  }

  async next(tokens: number[], parents: number[]): Promise<DecoderStep> {
    this.nextCalls++;
    this.rowsPerNext.push(tokens.length);
    if (tokens.length !== parents.length) throw new Error('tokens and parents differ in length');
    this.rows = parents.map((p, r) => {
      if (p < 0 || p >= this.rows.length) throw new Error(`beam_idx ${p} outside the ${this.rows.length} previous rows`);
      return [...this.rows[p], tokens[r]];
    });
    return this.output(tokens);
  }

  private output(fed: number[]): DecoderStep {
    const V = this.vocabSize;
    const E = this.embedDim;
    const logits = new Float32Array(this.rows.length * V);
    const textEmbeds = new Float32Array(this.rows.length * E);
    this.rows.forEach((history, r) => {
      const p = this.probs(history);
      if (p.length !== V) throw new Error('probs must have vocabSize entries');
      for (let v = 0; v < V; v++) logits[r * V + v] = Math.log(p[v]);
      textEmbeds.set(fakeTextEmbed(fed[r], E), r * E);
    });
    return { logits, textEmbeds };
  }
}
