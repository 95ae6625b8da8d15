// Backend choice by measurement: when 'auto' finds a WebGPU adapter, the engine times a few decoder steps on WebGPU
// and on WASM after a warm-up and keeps the faster (a small model on a GPU is often dispatch-bound and slower than the
// CPU). The result is keyed by adapter, model and precision so that the page can remember it and skip the
// measurement next time; `?device=` still overrides. No DOM: the page stores what `load` returns.
import type { DecoderStep } from './beamSearch';
import type { ModelManifest, Precision } from './manifest';
import { OnnxReportModel } from './onnxModel';
import { releaseSessions, type ModelSessions } from './sessions';
import type { Backend } from './types';

/** What one load measured (or remembered): median ms per decoder step of `rows` beam rows, per backend. */
export interface BackendTimings {
  key: string; // timingKey(): adapter | model@version | precision
  msPerStep: Partial<Record<Backend, number>>;
  chosen: Backend;
  rows: number;
  measuredAt: string; // ISO date
}

/** Remembered timings by key, as the page keeps them (e.g. in localStorage). */
export type RememberedTimings = Record<string, BackendTimings>;

export const TIMED_ROWS = 3; // the default beam's width
export const TIMED_STEPS = 6;
const WARMUP_STEPS = 2;

export function timingKey(adapter: string, manifest: ModelManifest, precision: Precision): string {
  return `${adapter} | ${manifest.id}@${manifest.version} | ${precision}`;
}

/** Behind `prefix` [N*D]: the prefix call, the step from 1 row to `rows`, then `steps` cached steps of `rows` rows
 *  (the token is [SEP]: a step's cost does not depend on it) → the first call's outputs and each cached step's ms.
 *  The warm-up at load and the backend timing both run this. */
export async function runDecoderSteps(
  model: OnnxReportModel,
  prefix: Float32Array,
  rows: number,
  steps: number,
): Promise<{ first: DecoderStep; ms: number[] }> {
  const tokens = Array(rows).fill(model.manifest.special_ids.sep);
  const decoder = model.stepDecoder(prefix);
  try {
    const first = await decoder.first();
    await decoder.next(tokens, Array(rows).fill(0)); // [1 row] → [rows]
    const ms: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      await decoder.next(
        tokens,
        Array.from({ length: rows }, (_, r) => r),
      );
      ms.push(performance.now() - t0);
    }
    return { first, ms };
  } finally {
    decoder.dispose();
  }
}

/** Median ms of a cached decoder step of `rows` rows, after the prefix call and warm-up steps (all untimed). */
export async function timeDecoderSteps(model: OnnxReportModel, rows = TIMED_ROWS, steps = TIMED_STEPS): Promise<number> {
  const { d_model: D, n_image_tokens: N } = model.manifest.architecture;
  const { ms } = await runDecoderSteps(model, new Float32Array(N * D), rows, WARMUP_STEPS + steps); // the image does not matter
  const timed = ms.slice(WARMUP_STEPS).sort((a, b) => a - b);
  return timed[timed.length >> 1];
}

/** The faster of the measured backends (ties go to WASM: it needs no GPU and its memory is the page's). */
export function fasterBackend(msPerStep: Partial<Record<Backend, number>>): Backend {
  const measured = (Object.entries(msPerStep) as [Backend, number][]).filter(([, ms]) => Number.isFinite(ms));
  if (measured.length === 0) throw new Error('no backend was measured');
  measured.sort(([a, x], [b, y]) => x - y || (a === 'wasm' ? -1 : b === 'wasm' ? 1 : 0));
  return measured[0][0];
}

const fmt = (ms: number | undefined): string => (ms === undefined ? '–' : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`);

/** "WASM is faster here: 1.9 ms vs 14.2 ms per decoder step on WebGPU (3 beams), measured at load" */
export function timingReason(t: BackendTimings, remembered: boolean): string {
  const other: Backend = t.chosen === 'webgpu' ? 'wasm' : 'webgpu';
  const label = (b: Backend) => (b === 'webgpu' ? 'WebGPU' : b.toUpperCase());
  const when = remembered ? `measured on ${t.measuredAt.slice(0, 10)} and remembered for this GPU` : 'measured at load';
  return `${label(t.chosen)} is faster here: ${fmt(t.msPerStep[t.chosen])} vs ${fmt(t.msPerStep[other])} per decoder step on ${label(other)} (${t.rows} beams), ${when}`;
}

/**
 * Times `gpu` (already open and warmed up), then opens WASM and times it; keeps the faster and releases the other.
 * If WASM cannot open, WebGPU is kept with only its own number; if timing WebGPU fails, its sessions are released.
 */
export async function keepFasterBackend(
  gpu: ModelSessions,
  openWasm: () => Promise<ModelSessions>,
  manifest: ModelManifest,
  key: string,
): Promise<{ sessions: ModelSessions; timings: BackendTimings }> {
  const stamp = (msPerStep: BackendTimings['msPerStep'], chosen: Backend): BackendTimings => ({
    key,
    msPerStep,
    chosen,
    rows: TIMED_ROWS,
    measuredAt: new Date().toISOString(),
  });
  let gpuMs: number;
  try {
    gpuMs = await timeDecoderSteps(new OnnxReportModel(gpu, manifest));
  } catch (err) {
    await releaseSessions(gpu); // the caller falls back to WASM as for any WebGPU failure
    throw err;
  }
  let wasm: ModelSessions;
  try {
    wasm = await openWasm();
  } catch {
    return { sessions: gpu, timings: stamp({ webgpu: gpuMs }, 'webgpu') };
  }
  try {
    const msPerStep = { webgpu: gpuMs, wasm: await timeDecoderSteps(new OnnxReportModel(wasm, manifest)) };
    const chosen = fasterBackend(msPerStep);
    await releaseSessions(chosen === 'webgpu' ? wasm : gpu);
    return { sessions: chosen === 'webgpu' ? gpu : wasm, timings: stamp(msPerStep, chosen) };
  } catch (err) {
    await releaseSessions(wasm);
    throw err;
  }
}
