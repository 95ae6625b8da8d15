// ONNX Runtime sessions for one model folder on one backend. The runtime is injected (onnxruntime-web in
// the page and Node, onnxruntime-node for the CPU provider): both expose onnxruntime-common's API.
// On WebGPU the decoder's present.* outputs stay on the GPU ('gpu-buffer') to be fed back as the next past.
import type * as OrtCommon from 'onnxruntime-common';
import type { ModelFileBytes } from './modelLoader';
import modelIO from './modelIO.json' with { type: 'json' };
import { matmulModel } from './matmulModel';
import type { StaticGeometry } from './staticKvDecoder';
import { StaticSteps } from './staticSteps';
import type { Backend } from './types';

export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: OrtCommon.InferenceSession.SessionOptions): Promise<OrtCommon.InferenceSession> };
  Tensor: typeof OrtCommon.Tensor;
  env: OrtCommon.Env;
}

export type Session = OrtCommon.InferenceSession;
export type OrtTensor = OrtCommon.Tensor;

export interface DecoderNames {
  embeds: string;
  beamIdx: string;
  cachePosition: string; // decoder_static's slot of the new token
  pastKeys: string[];
  pastValues: string[];
  prefixKeys: string[]; // the shared image-prefix cache of a "fused-prefix" decoder (absent from other graphs)
  prefixValues: string[];
  logits: string;
  textEmbeds: string;
  presentKeys: string[];
  presentValues: string[];
  newKeys: string[]; // a fused-prefix decoder's keys and values of the tokens fed in the call ([B,H,T,Dh]; newer exports)
  newValues: string[];
}

export function decoderNames(nLayers: number): DecoderNames {
  const { inputs, outputs } = modelIO.decoder;
  const layer = (pattern: string) => Array.from({ length: nLayers }, (_, i) => pattern.replace('{i}', String(i)));
  return {
    embeds: inputs.embeds,
    beamIdx: inputs.beamIdx,
    cachePosition: inputs.cachePosition,
    pastKeys: layer(inputs.pastKey),
    pastValues: layer(inputs.pastValue),
    prefixKeys: layer(inputs.prefixKey),
    prefixValues: layer(inputs.prefixValue),
    logits: outputs.logits,
    textEmbeds: outputs.textEmbeds,
    presentKeys: layer(outputs.presentKey),
    presentValues: layer(outputs.presentValue),
    newKeys: layer(outputs.newKey),
    newValues: layer(outputs.newValue),
  };
}

export interface ModelSessions {
  ort: OrtRuntime;
  backend: Backend;
  gpuPast: boolean; // present.* kept on the GPU between steps
  vision: Session;
  embed: Session;
  decoder: Session;
  oodDetector: Session | null; // the out-of-distribution detector, when the model folder has one
  mirrorCheck: Session | null; // the mirror check, when the folder has one
  imageReader: Session | null; // the image reader's network, when the folder has one
  lesionMap: LazySession | null; // the lesion map's network, when the folder has one: made on first use
  similarity: { image: Session; text: Session } | null; // the similarity towers, when the model folder has them
  staticSteps: StaticSteps | null; // decoder_static's step sessions, when loaded (WebGPU: graph capture)
}

/** A session made the first time it is asked for: the lesion map runs only for drafts that name a lesion, so its
 *  creation (~0.2 s in Chromium WASM) stays out of the model's load. */
export interface LazySession {
  get(): Promise<Session>;
  release(): Promise<void>;
}

export function lazySession(create: () => Promise<Session>): LazySession {
  let made: Promise<Session> | null = null;
  return {
    get: () => {
      made ??= create().catch((err: unknown) => {
        made = null; // a failed creation is tried again next time, not cached
        throw err;
      });
      return made;
    },
    release: async () => {
      const pending = made;
      made = null;
      if (pending) await (await pending.catch(() => null))?.release();
    },
  };
}

export interface SessionOptions {
  numThreads?: number;
  gpuPast?: boolean; // default: true on webgpu
  /** Dequantise int8 weights once when the session is created (default true); false re-runs DequantizeLinear every call. */
  foldQuantizedWeights?: boolean;
  /** Steps through decoder_static (its cache geometry) when `files` has it; the first call stays on the decoder. */
  staticCache?: StaticGeometry;
}

/**
 * Session config entries. ONNX Runtime's constant folding skips DequantizeLinear so that its QDQ fusions can
 * see the pattern; with `disable_quant_qdq` it folds the int8 initializers into fp32 ones at session creation,
 * so an int8 download computes at fp32 speed (about 4 bytes per weight of memory instead of 1).
 */
/** How the bench labels int8 loaded with foldQuantizedWeights: false (the behaviour before folding). */
export const UNFOLDED_INT8 = 'int8 weights re-dequantised every call';

export function sessionConfigEntries(backend: Backend, foldQuantizedWeights: boolean): Record<string, string> {
  const entries: Record<string, string> = {};
  if (foldQuantizedWeights) entries.disable_quant_qdq = '1';
  // The native CPU provider turns int8 DequantizeLinear+MatMul into MatMulNBits that by default quantises the
  // activations too (accuracy level 4), which changes the reports; level 1 keeps fp32 compute, as WASM does.
  if (backend === 'cpu') entries.qdq_matmulnbits_accuracy_level = '1';
  return entries;
}

function executionProvider(backend: Backend): string {
  return backend === 'cpu' ? 'cpu' : backend;
}

export async function createSessions(
  ort: OrtRuntime,
  files: ModelFileBytes,
  backend: Backend,
  nLayers: number,
  opts: SessionOptions = {},
): Promise<ModelSessions> {
  const base: OrtCommon.InferenceSession.SessionOptions = {
    executionProviders: [executionProvider(backend)],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: ORT's node-placement warnings would reach the page's console as errors
  };
  if (backend === 'cpu' && opts.numThreads) base.intraOpNumThreads = opts.numThreads;
  const entries = sessionConfigEntries(backend, opts.foldQuantizedWeights ?? true);
  if (Object.keys(entries).length > 0) base.extra = { session: entries };
  const gpuPast = backend === 'webgpu' && (opts.gpuPast ?? true);
  const names = decoderNames(nLayers);
  const decoderOptions: OrtCommon.InferenceSession.SessionOptions = { ...base };
  if (gpuPast) {
    decoderOptions.preferredOutputLocation = Object.fromEntries([...names.presentKeys, ...names.presentValues].map((n) => [n, 'gpu-buffer' as const]));
  }
  const created: Session[] = [];
  try {
    const vision = await ort.InferenceSession.create(files.vision_encoder, base);
    created.push(vision);
    const embed = await ort.InferenceSession.create(files.embed_tokens, base);
    created.push(embed);
    const decoder = await ort.InferenceSession.create(files.decoder_model_merged, decoderOptions);
    created.push(decoder);
    const oodDetector = files.ood_detector ? await ort.InferenceSession.create(files.ood_detector, base) : null;
    if (oodDetector) created.push(oodDetector);
    const mirrorCheck = files.mirror_check ? await ort.InferenceSession.create(files.mirror_check, base) : null;
    if (mirrorCheck) created.push(mirrorCheck);
    const imageReader = files.image_reader ? await ort.InferenceSession.create(files.image_reader, base) : null;
    if (imageReader) created.push(imageReader);
    const lesionBytes = files.lesion_map;
    const lesionMap = lesionBytes ? lazySession(() => ort.InferenceSession.create(lesionBytes, base)) : null;
    let similarity: ModelSessions['similarity'] = null;
    if (files.similarity_image && files.similarity_text) {
      const image = await ort.InferenceSession.create(files.similarity_image, base);
      created.push(image);
      const text = await ort.InferenceSession.create(files.similarity_text, base);
      created.push(text);
      similarity = { image, text };
    }
    const staticSteps = files.decoder_static && opts.staticCache ? new StaticSteps(ort, files.decoder_static, backend, base, opts.staticCache) : null;
    return { ort, backend, gpuPast, vision, embed, decoder, oodDetector, mirrorCheck, imageReader, lesionMap, similarity, staticSteps };
  } catch (err) {
    await Promise.all(created.map((s) => s.release().catch(() => undefined)));
    throw err;
  }
}

export async function releaseSessions(s: ModelSessions): Promise<void> {
  await s.staticSteps?.release();
  await s.lesionMap?.release().catch(() => undefined);
  const all = [
    s.vision,
    s.embed,
    s.decoder,
    ...(s.oodDetector ? [s.oodDetector] : []),
    ...(s.mirrorCheck ? [s.mirrorCheck] : []),
    ...(s.imageReader ? [s.imageReader] : []),
    ...(s.similarity ? [s.similarity.image, s.similarity.text] : []),
  ];
  await Promise.all(all.map((session) => session.release().catch(() => undefined)));
}

const initialised = new WeakMap<OrtRuntime, Promise<void>>();

/** Opens and releases a one-node session on the CPU/WASM provider: onnxruntime-web initialises its WebAssembly (fetch,
 *  compile, threads) on the first session, so doing it early lets that overlap the model download. Once per runtime:
 *  a second call (the load after a start made before it) waits for the first. */
export function initialiseRuntime(ort: OrtRuntime): Promise<void> {
  let started = initialised.get(ort);
  if (!started) {
    started = (async () => {
      const session = await ort.InferenceSession.create(matmulModel(1, 1, 1), { logSeverityLevel: 3 });
      await session.release();
    })();
    initialised.set(ort, started);
    started.catch(() => initialised.delete(ort)); // a failed start is tried again by the next call
  }
  return started;
}
