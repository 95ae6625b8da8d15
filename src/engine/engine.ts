// The in-thread ReportEngine: loads a model folder onto a backend (with the WebGPU → WASM fallback and
// its reason), then generates one report at a time. The ONNX runtimes, the model source and the WebGPU
// probe are injected, so the same class runs in the page's worker (webEngine.ts) and in Node (node/).
import { WordTokenizer } from '../text/tokenizer';
import { chooseBackend, fallbackBackend, type Runtimes } from './backendChoice';
import { keepFasterBackend, runDecoderSteps, timingKey, timingReason, type BackendTimings } from './backendTiming';
import { BackendUnavailableError, EngineNotLoadedError, ModelManifestError, throwIfAborted } from './errors';
import { generateReport } from './generateReport';
import { draftOneFrontal, draftViewsNote, studyMismatch, trainedOnLaterals } from './draftViews';
import { checkImageTensors, prepareFiles } from './imageInput';
import type { ModelManifest, Precision } from './manifest';
import { loadModelFiles, type ModelFileBytes } from './modelLoader';
import type { ModelSource } from './modelSource';
import { OnnxReportModel } from './onnxModel';
import { createSessions, initialiseRuntime, releaseSessions, type ModelSessions, type OrtRuntime } from './sessions';
import { plainBeamOf, resolveSettings } from './settings';
import { staticGeometry } from './staticKvDecoder';
import type {
  Backend,
  GenerateCallbacks,
  GenerateOptions,
  ImageFile,
  ImageTensor,
  LoadInfo,
  LoadOptions,
  ProgressEvent,
  ReportEngine,
  ReportResult,
} from './types';
import type { BackendChoice } from './webgpuProbe';

export interface EngineDeps {
  runtimes: Runtimes;
  sourceFor(modelUrl: string): ModelSource;
  autoOrder: Backend[]; // backends 'auto' tries, in order ('webgpu' only when the probe finds an adapter)
  probeWebGpu?: () => Promise<BackendChoice>;
  configure?: (backend: Backend, numThreads: number | undefined) => void; // e.g. ORT-web wasm paths/threads
  gpuPast?: boolean; // keep present.* on the GPU on WebGPU (default true)
  // Run the model briefly at load: on WebGPU always (compiles the kernels, catches first-run failures) unless false; on
  // WASM too with 'every-backend' (the page: ORT's first runs and V8's tier-up of its kernels then happen while the
  // person picks a file, not during their first draft). On WASM it runs just after the load, unless a report has
  // been asked for by then: a radiograph that was waiting for the model warms it up itself.
  warmup?: boolean | 'every-backend';
  measureBackends?: boolean; // 'auto' with a WebGPU adapter times WebGPU and WASM and keeps the faster (default true)
  runtimeBuildOf?: (backend: Backend) => string; // which runtime build a backend's sessions run on (the page's, for its offline copy)
}

interface Loaded {
  manifest: ModelManifest;
  tokenizer: WordTokenizer;
  precision: Precision;
  model: OnnxReportModel;
  backendReason: string;
  files: ModelFileBytes | null; // kept while on WebGPU, to fall back without re-downloading
  sessionOptions: SessionChoices; // the load's, for a fallback's sessions
}

type SessionChoices = Pick<LoadOptions, 'numThreads' | 'foldQuantizedWeights' | 'staticDecoder'>;

const isInputError = (err: unknown): boolean =>
  err instanceof Error && ['GenerationCancelledError', 'InvalidInputError', 'InvalidSettingError'].includes(err.name);

/** Whether decoder steps go through decoder_static (when the folder has it): by default on WebGPU only. */
const stepsStatic = (opts: SessionChoices, backend: Backend): boolean => opts.staticDecoder ?? backend === 'webgpu';

/** How long after a load the WASM warm-up waits for a report request that makes it unnecessary. */
export const IDLE_WARMUP_DELAY_MS = 100;

export class InThreadEngine implements ReportEngine {
  private loaded: Loaded | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private reportsAsked = 0; // generate requests so far (a report asked for after a load makes its warm-up needless)

  constructor(private readonly deps: EngineDeps) {}

  get manifest(): ModelManifest | null {
    return this.loaded?.manifest ?? null;
  }

  load(opts: LoadOptions, onProgress?: (e: ProgressEvent) => void): Promise<LoadInfo> {
    return this.enqueue(() => this.doLoad(opts, onProgress));
  }

  generate(images: ImageTensor[], opts: GenerateOptions = {}, callbacks: GenerateCallbacks = {}): Promise<ReportResult> {
    this.reportsAsked++;
    return this.enqueue(() => this.doGenerate(images, opts, callbacks));
  }

  generateFiles(files: ImageFile[], opts: GenerateOptions = {}, callbacks: GenerateCallbacks = {}): Promise<ReportResult> {
    this.reportsAsked++;
    return this.enqueue(async () => {
      const loaded = this.require();
      const { images, views } = await prepareFiles(files, loaded.manifest.preprocessing);
      const { result, used, flagged, fixes } = await draftOneFrontal(
        images.map((im) => im.view),
        trainedOnLaterals(loaded.manifest),
        (indices) =>
          this.doGenerate(
            indices.map((i) => images[i]),
            opts,
            callbacks,
          ),
      );
      const mismatch = studyMismatch(views, used);
      const viewsNote = [draftViewsNote(views, used, flagged), mismatch && !mismatch.patients ? mismatch.message : null].filter(Boolean).join(' ') || null;
      const notChest = views.flatMap((v) => (v.notChestRadiograph ? [`${v.name}: ${v.notChestRadiograph}`] : []));
      const otherPatient = mismatch?.patients ? [mismatch.message] : [];
      const warnings = [...notChest, ...otherPatient, ...(viewsNote && used.length === views.length ? [viewsNote] : []), ...result.warnings];
      const ood = fixes.length ? { ...result.ood, fixes } : result.ood;
      return { ...result, ood, warnings, views, draftViews: used, ...(flagged.length ? { flaggedViews: flagged } : {}), ...(viewsNote ? { viewsNote } : {}) };
    });
  }

  dispose(): Promise<void> {
    return this.enqueue(async () => {
      if (this.loaded) await releaseSessions(this.loaded.model.sessions);
      this.loaded = null;
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private require(): Loaded {
    if (!this.loaded) throw new EngineNotLoadedError();
    return this.loaded;
  }

  private async doLoad(opts: LoadOptions, onProgress?: (e: ProgressEvent) => void): Promise<LoadInfo> {
    if (this.loaded) await releaseSessions(this.loaded.model.sessions);
    this.loaded = null;
    const choice = await chooseBackend(opts.device ?? 'auto', this.deps.runtimes, this.deps.autoOrder, this.deps.probeWebGpu);
    // When the backend is settled already (not an 'auto' that may measure both), its runtime loads while the model
    // files download (in the page: the ONNX Runtime build; for WASM also its WebAssembly, which a tiny session
    // initialises — not for WebGPU, whose backend must be the first to initialise it); errors surface where the
    // sessions are opened.
    if (choice.backend === 'wasm')
      void this.runtime('wasm', opts)
        .then(initialiseRuntime)
        .catch(() => undefined);
    else if (opts.device === 'webgpu') void this.runtime('webgpu', opts).catch(() => undefined);
    const modelFiles = await loadModelFiles(this.deps.sourceFor(opts.modelUrl), opts.precision, onProgress, {
      staticDecoder: stepsStatic(opts, choice.backend),
    });
    const { manifest } = modelFiles;
    const tokenizer = new WordTokenizer(modelFiles.tokenizerJson);
    for (const [k, id] of Object.entries(manifest.special_ids)) {
      if (tokenizer.special[k as keyof typeof tokenizer.special] !== id) {
        throw new ModelManifestError(`manifest.json's special id ${k}=${id} disagrees with tokenizer.json.`);
      }
    }
    if (tokenizer.vocabSize > manifest.architecture.vocab_size) {
      throw new ModelManifestError(`tokenizer.json has ${tokenizer.vocabSize} tokens but the model only ${manifest.architecture.vocab_size}.`);
    }

    const t0 = performance.now();
    onProgress?.({ stage: 'compile', message: `creating ${choice.backend} sessions` });
    let backend = choice.backend;
    let reason = choice.reason;
    let sessions: ModelSessions;
    let timings: BackendTimings | undefined;
    // 'auto' with a WebGPU adapter: the faster of WebGPU and WASM, remembered by the page or measured below.
    const measure = (opts.device ?? 'auto') === 'auto' && backend === 'webgpu' && !!this.deps.runtimes.wasm && this.deps.measureBackends !== false;
    const key = timingKey(choice.adapter ?? 'unnamed WebGPU adapter', manifest, modelFiles.precision);
    const remembered = measure ? opts.rememberedTimings?.[key] : undefined;
    if (remembered && (remembered.chosen === 'webgpu' || remembered.chosen === 'wasm')) {
      [backend, reason, timings] = [remembered.chosen, timingReason(remembered, true), remembered];
    }
    try {
      sessions = await this.open(backend, modelFiles.files, manifest, opts);
      if (measure && !timings) {
        onProgress?.({ stage: 'compile', message: 'timing decoder steps on WebGPU and on WASM' });
        ({ sessions, timings } = await keepFasterBackend(sessions, () => this.open('wasm', modelFiles.files, manifest, opts), manifest, key));
        [backend, reason] = [timings.chosen, timingReason(timings, false)];
      }
    } catch (err) {
      if (backend !== 'webgpu') throw this.sessionError(backend, err);
      backend = fallbackBackend(this.deps.runtimes);
      reason = `WebGPU failed (${(err as Error).message}); fell back to ${backend.toUpperCase()}`;
      onProgress?.({ stage: 'compile', message: reason });
      sessions = await this.open(backend, modelFiles.files, manifest, opts).catch((e: unknown) => {
        throw this.sessionError(backend, e);
      });
    }
    this.loaded = {
      manifest,
      tokenizer,
      precision: modelFiles.precision,
      model: new OnnxReportModel(sessions, manifest),
      backendReason: reason,
      files: backend === 'webgpu' ? modelFiles.files : null,
      sessionOptions: { numThreads: opts.numThreads, foldQuantizedWeights: opts.foldQuantizedWeights, staticDecoder: opts.staticDecoder },
    };
    if (backend !== 'webgpu' && this.deps.warmup === 'every-backend') this.warmUpWhenIdle(this.loaded);
    return {
      modelId: manifest.id,
      modelVersion: manifest.version,
      backend,
      backendReason: reason,
      precision: modelFiles.precision,
      sessionMs: performance.now() - t0,
      downloadBytes: modelFiles.downloadBytes,
      keptBytes: modelFiles.keptBytes,
      decoding: manifest.decoding,
      ...(manifest.second_look ? { secondLook: manifest.second_look } : {}),
      intendedUse: manifest.intended_use,
      licence: manifest.licence,
      ...(timings ? { backendTimings: timings } : {}),
      staticDecoder: sessions.staticSteps !== null,
      ...(this.deps.runtimeBuildOf ? { runtimeBuild: this.deps.runtimeBuildOf(backend) } : {}),
    };
  }

  /** A backend's runtime, configured (loaders cache what they load, so asking twice costs nothing). */
  private async runtime(backend: Backend, opts: SessionChoices): Promise<OrtRuntime> {
    this.deps.configure?.(backend, opts.numThreads);
    const entry = this.deps.runtimes[backend]!;
    return typeof entry === 'function' ? await entry(opts.numThreads) : entry;
  }

  /** Sessions on one backend, warmed up as `deps.warmup` says (on WebGPU, so that a failing first run shows up here). */
  private async open(backend: Backend, files: ModelFileBytes, manifest: ModelManifest, opts: SessionChoices): Promise<ModelSessions> {
    const { numThreads } = opts;
    const ort = await this.runtime(backend, opts);
    const replay = stepsStatic(opts, backend) && !!files.decoder_static;
    const sessions = await createSessions(ort, files, backend, manifest.architecture.n_layers, {
      numThreads,
      gpuPast: this.deps.gpuPast,
      foldQuantizedWeights: opts.foldQuantizedWeights,
      ...(replay ? { staticCache: staticGeometry(manifest) } : {}),
    });
    if (backend === 'webgpu' && this.deps.warmup !== false) {
      try {
        await warmUp(new OnnxReportModel(sessions, manifest));
      } catch (err) {
        await releaseSessions(sessions);
        throw err;
      }
    }
    return sessions;
  }

  /** The WASM warm-up, queued a moment after the load unless a report is asked for first, or another load came. */
  private warmUpWhenIdle(loaded: Loaded): void {
    const asked = this.reportsAsked;
    setTimeout(() => {
      if (this.reportsAsked !== asked || this.loaded !== loaded) return;
      void this.enqueue(async () => {
        if (this.reportsAsked !== asked || this.loaded !== loaded) return;
        await warmUp(loaded.model).catch(() => undefined); // a real failure shows in the report that follows
      });
    }, IDLE_WARMUP_DELAY_MS);
  }

  private sessionError(backend: Backend, err: unknown): Error {
    if (err instanceof Error && err.name !== 'Error') return err;
    return new BackendUnavailableError(
      `ONNX Runtime (${backend}) could not open the model: ${(err as Error).message ?? String(err)}. ` +
        'Try another device (?device=wasm), or re-download the model folder.',
    );
  }

  private async doGenerate(images: ImageTensor[], opts: GenerateOptions, callbacks: GenerateCallbacks): Promise<ReportResult> {
    const loaded = this.require();
    const { signal, ...overrides } = opts;
    throwIfAborted(signal);
    checkImageTensors(images, loaded.manifest.preprocessing.image_size);
    const settings = resolveSettings(loaded.manifest, overrides);
    const job = { tokenizer: loaded.tokenizer, images, settings, signal, callbacks };
    try {
      return await generateReport({ ...job, model: loaded.model, backend: loaded.model.sessions.backend });
    } catch (err) {
      if (loaded.model.sessions.backend !== 'webgpu' || !loaded.files || isInputError(err)) throw err;
      // WebGPU failed mid-run: move to WASM (or CPU) once, say why, and run again.
      const backend = fallbackBackend(this.deps.runtimes);
      const reason = `WebGPU failed while generating (${(err as Error).message}); fell back to ${backend.toUpperCase()}`;
      await releaseSessions(loaded.model.sessions);
      const sessions = await this.open(backend, loaded.files, loaded.manifest, loaded.sessionOptions);
      Object.assign(loaded, { model: new OnnxReportModel(sessions, loaded.manifest), backendReason: reason, files: null });
      const result = await generateReport({ ...job, model: loaded.model, backend });
      return { ...result, backendReason: reason };
    }
  }
}

/** One encode of a blank image, the first decoder call and a few steps as wide as the default search (beam +
 *  samples rows): compiles the WebGPU kernels (or warms WASM's), reads the token table, and proves the model runs. */
async function warmUp(model: OnnxReportModel): Promise<void> {
  const S = model.manifest.preprocessing.image_size;
  const encoded = await model.encode([{ data: new Float32Array(S * S), size: S }]);
  const { first } = await runDecoderSteps(model, encoded.prefix, plainBeamOf(model.manifest.decoding).beam!, 3);
  if (!first.logits.every(Number.isFinite)) throw new Error('the first decoder call returned non-finite logits');
}
