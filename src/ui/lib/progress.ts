// Progress as data: folds the engine's ProgressEvents into per-stage state the page renders
// (pending / active / done, bytes or tokens so far). The download's events already carry the whole model's bytes.
import type { ProgressEvent, Stage } from '../../engine/types';

export type StageStatus = 'pending' | 'active' | 'done';

export interface StageState {
  status: StageStatus;
  loaded?: number;
  total?: number;
  message?: string;
}

export interface ProgressState {
  stages: Record<Stage, StageState>;
}

export const LOAD_STAGES: Stage[] = ['download', 'compile'];
export const RUN_STAGES: Stage[] = ['encode', 'decode', 'rerank'];
const ORDER: Stage[] = ['download', 'compile', 'encode', 'decode', 'rerank', 'done'];

export const STAGE_LABELS: Record<Stage, string> = {
  download: 'Download model',
  compile: 'Compile and warm up',
  encode: 'Encode image',
  decode: 'Write draft',
  rerank: 'Re-rank candidates',
  done: 'Done',
};

export function initialProgress(): ProgressState {
  const stages = Object.fromEntries(ORDER.map((s) => [s, { status: 'pending' }])) as Record<Stage, StageState>;
  return { stages };
}

/** Stages before `stage` in the order, within the same group (load or run), are done once it starts. */
function groupOf(stage: Stage): Stage[] {
  return LOAD_STAGES.includes(stage) ? LOAD_STAGES : [...RUN_STAGES, 'done'];
}

export function progressReducer(state: ProgressState, e: ProgressEvent): ProgressState {
  const stages = { ...state.stages };
  if (e.stage === 'done') {
    for (const s of groupOf('encode')) stages[s] = { ...stages[s], status: 'done' };
    return { stages };
  }
  const group = groupOf(e.stage);
  for (const s of group.slice(0, group.indexOf(e.stage))) {
    if (stages[s].status !== 'done') stages[s] = { ...stages[s], status: 'done' };
  }
  const next: StageState = { ...stages[e.stage], status: 'active' };
  if (e.message !== undefined) next.message = e.message;
  if (e.loaded !== undefined) next.loaded = e.loaded;
  if (e.total !== undefined) next.total = e.total;
  stages[e.stage] = next;
  return { stages };
}

/** Mark every stage of a group done (the load or run promise resolved). */
export function completeStages(state: ProgressState, group: Stage[]): ProgressState {
  const stages = { ...state.stages };
  for (const s of group) stages[s] = { ...stages[s], status: 'done' };
  return { ...state, stages };
}
