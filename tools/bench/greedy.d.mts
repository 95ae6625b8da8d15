// Types for greedy.mjs (plain JS shared with the GPU script).
import type { ModelManifest, Precision } from '../../src/engine/manifest';
import type { OrtRuntime, Session } from '../../src/engine/sessions';
import type * as OrtCommon from 'onnxruntime-common';

export interface RawModel {
  ort: OrtRuntime;
  manifest: ModelManifest;
  vision: Session;
  embed: Session;
  decoder: Session;
  sessionMs: number;
  bytes: number;
}
export declare function readModelManifest(dir: string): ModelManifest;
export declare function openRawModel(ort: OrtRuntime, dir: string, precision: Precision, sessionOptions: OrtCommon.InferenceSession.SessionOptions): Promise<RawModel>;
export declare function releaseRawModel(m: RawModel): Promise<void>;
export declare function encodeImage(m: RawModel, pixels: Float32Array, batch?: number): Promise<{ features: Float32Array; ms: number }>;
export declare function decodeSteps(m: RawModel, features: Float32Array, opts: { steps: number; rows?: number; cache?: boolean }): Promise<{ tokens: number[]; firstMs: number; msPerStep: number }>;
