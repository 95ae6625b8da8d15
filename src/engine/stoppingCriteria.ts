// When beam search stops. Each criterion looks at the state after a step has been scored and the next
// beams chosen; the search stops as soon as one says so. Scores are length-normalised: logp / |c|^alpha.
export interface FinishedLike {
  score: number; // length-normalised logp
}

export interface BeamState {
  numBeams: number;
  alpha: number;
  curLen: number; // generated tokens (BOS not counted) of the hypotheses just extended or finished
  bestCandidateLogp: number; // highest summed logp among this step's candidates
  finished: readonly FinishedLike[]; // sorted best first, at most numBeams
  running: number; // beams that continue
}

export interface StoppingCriterion {
  shouldStop(state: BeamState): boolean;
}

export function lengthNormalised(logp: number, length: number, alpha: number): number {
  return logp / Math.pow(Math.max(1, length), alpha);
}

/** Hugging Face's default (early_stopping=False): enough finished hypotheses, and none of the running
 *  beams, ended now, would beat the worst of them. Greedy (1 beam) stops at the first EOS. */
export class BeamsDoneCriterion implements StoppingCriterion {
  shouldStop(s: BeamState): boolean {
    if (s.finished.length < s.numBeams) return false;
    const worst = s.finished[s.finished.length - 1].score;
    return worst >= lengthNormalised(s.bestCandidateLogp, s.curLen, s.alpha);
  }
}

/** No beam left to extend (every candidate was EOS or banned). */
export class NoRunningBeamsCriterion implements StoppingCriterion {
  shouldStop(s: BeamState): boolean {
    return s.running === 0;
  }
}

/** Generated length reached the limit: max_length counts BOS and EOS, so maxLength − 1 generated tokens. */
export class MaxLengthCriterion implements StoppingCriterion {
  constructor(private readonly maxLength: number) {}

  shouldStop(s: BeamState): boolean {
    return s.curLen >= this.maxLength - 1;
  }
}

export function defaultStoppingCriteria(maxLength: number): StoppingCriterion[] {
  return [new BeamsDoneCriterion(), new NoRunningBeamsCriterion(), new MaxLengthCriterion(maxLength)];
}
