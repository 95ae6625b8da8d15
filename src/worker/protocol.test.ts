// Worker protocol round trip in one thread: the client and serveEngine on the two ends of a MessageChannel,
// with a scripted engine behind it. Checks results, streaming, transfers, typed errors and cancellation.
import { afterEach, describe, expect, it } from 'vitest';
import { GenerationCancelledError, ModelFileError, rebuildError, serializeError } from '../engine/errors';
import { ImageSizeError } from '../image/errors';
import type {
  GenerateCallbacks,
  GenerateOptions,
  ImageFile,
  ImageTensor,
  LoadInfo,
  LoadOptions,
  ProgressEvent,
  ReportEngine,
  ReportResult,
} from '../engine/types';
import { WorkerEngineClient } from './client';
import { serveEngine } from './handler';
import { engineWorkerName, type PortLike, threadsFromWorkerName } from './protocol';

function fakeResult(nTokens: number): ReportResult {
  return {
    report: { findings: 'heart normal .', impression: 'no acute disease .', text: 'heart normal . no acute disease .' },
    candidates: [],
    rerankChangedChoice: false,
    refinement: { similaritySource: 'decoder', findingSets: 0, tally: [], lmChoice: 0 },
    tokens: [],
    heatmap: { grid: [2, 2], views: 1, values: Float32Array.from({ length: nTokens * 4 }, (_, i) => i / 10) },
    sentenceHeatmaps: new Float32Array([0.5, 0.25, 0, 1]),
    ood: { score: 1, threshold: 2, detector: { logits: [-3], threshold: -1 }, warning: null },
    warnings: [],
    backend: 'wasm',
    settings: { beam: 1, alpha: 0, beta: 0, repetition_penalty: 1, no_repeat_ngram: 0, min_length: 0, max_length: 8 },
    timings: { encode_ms: 1, decode_ms: 1, total_ms: 2, decoder: { run_ms: 1, prefix_rows: 1, token_rows: 3 } },
  };
}

class ScriptedEngine implements ReportEngine {
  seenPixels: number[] = [];
  seenFiles: string[] = [];
  seenBeam: number | undefined;
  seenTokenInterval: number | undefined;
  lastResult: ReportResult | null = null;
  aborted = false;

  async load(opts: LoadOptions, onProgress?: (e: ProgressEvent) => void): Promise<LoadInfo> {
    if (opts.modelUrl === 'broken') throw new ModelFileError('onnx/vision_encoder.onnx', 'corrupt', 'sha256 mismatch');
    onProgress?.({ stage: 'download', loaded: 5, total: 10, file: 'manifest.json' });
    return {
      modelId: 'm',
      modelVersion: '1',
      backend: 'wasm',
      backendReason: 'test',
      precision: 'int8',
      sessionMs: 1,
      downloadBytes: 10,
      decoding: { beam: 1, alpha: 1, beta: 0, repetition_penalty: 1, no_repeat_ngram: 0, min_length: 1, max_length: 8 },
      intendedUse: 'tests',
      licence: 'none',
      staticDecoder: false,
    };
  }

  async generate(images: ImageTensor[], opts: GenerateOptions = {}, cb: GenerateCallbacks = {}): Promise<ReportResult> {
    this.seenPixels = Array.from(images[0].data);
    this.seenBeam = opts.beam;
    this.seenTokenInterval = cb.tokenIntervalMs;
    cb.onStage?.({ stage: 'encode' });
    cb.onToken?.('heart');
    if (opts.beam === 99) {
      await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve()));
      this.aborted = true;
      throw new GenerationCancelledError();
    }
    this.lastResult =
      opts.beam === 7 ? { ...fakeResult(3), secondLookMap: { findings: ['nodule'], values: Float32Array.from([0, 0.5, 1, 0]) } } : fakeResult(3);
    return this.lastResult;
  }

  async generateFiles(files: ImageFile[], opts: GenerateOptions = {}, cb: GenerateCallbacks = {}): Promise<ReportResult> {
    this.seenFiles = files.map((f) => ('image' in f ? `${f.name}:decoded ${f.image.data.length}` : `${f.name}:${new Uint8Array(f.bytes).length}`));
    return this.generate([{ data: new Float32Array([7]), size: 1 }], opts, cb);
  }

  async dispose(): Promise<void> {}
}

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function connect(): { client: WorkerEngineClient; engine: ScriptedEngine } {
  const channel = new MessageChannel();
  channels.push(channel);
  const engine = new ScriptedEngine();
  serveEngine(channel.port2 as unknown as PortLike, engine);
  return { client: new WorkerEngineClient(channel.port1 as unknown as PortLike), engine };
}

describe('worker protocol', () => {
  it('loads with progress and generates with stages, tokens and a transferred result', async () => {
    const { client, engine } = connect();
    const progress: ProgressEvent[] = [];
    const info = await client.load({ modelUrl: 'm' }, (e) => progress.push(e));
    expect(info.modelId).toBe('m');
    expect(progress).toEqual([{ stage: 'download', loaded: 5, total: 10, file: 'manifest.json' }]);

    const pixels = new Float32Array([0.1, 0.2, 0.3, 0.4]);
    const image: ImageTensor = { data: pixels, size: 2 };
    const tokens: string[] = [];
    const stages: string[] = [];
    const result = await client.generate([image], { beam: 3 }, { onToken: (t) => tokens.push(t), onStage: (e) => stages.push(e.stage) });
    expect(engine.seenPixels.map((v) => Math.round(v * 10))).toEqual([1, 2, 3, 4]);
    expect(engine.seenBeam).toBe(3);
    expect(pixels.length).toBe(0); // transferred, not copied
    expect(tokens).toEqual(['heart']);
    expect(stages).toEqual(['encode']);
    expect(engine.seenTokenInterval).toBeUndefined(); // the engine's own streaming interval
    await client.generate([{ data: new Float32Array([0.5]), size: 1 }], { beam: 3 }, { onToken: () => {}, tokenIntervalMs: 0 });
    expect(engine.seenTokenInterval).toBe(0); // a caller's interval crosses the worker boundary
    expect(result.heatmap.values).toBeInstanceOf(Float32Array);
    expect(Array.from(result.heatmap.values)).toEqual(Array.from(fakeResult(3).heatmap.values));
    expect(result.sentenceHeatmaps).toBeInstanceOf(Float32Array);
  });

  it("moves the second look's lesion map across with the rest of the result", async () => {
    const { client, engine } = connect();
    await client.load({ modelUrl: 'm' });
    const result = await client.generate([{ data: new Float32Array([0.5]), size: 1 }], { beam: 7 });
    expect(result.secondLookMap!.findings).toEqual(['nodule']);
    expect(Array.from(result.secondLookMap!.values)).toEqual([0, 0.5, 1, 0]);
    expect(engine.lastResult!.secondLookMap!.values.length).toBe(0); // transferred, not copied
  });

  it('sends raw file bytes to the worker', async () => {
    const { client, engine } = connect();
    const bytes = new Uint8Array([1, 2, 3]).buffer;
    const result = await client.generateFiles([{ name: 'a.png', bytes }], {});
    expect(engine.seenFiles).toEqual(['a.png:3']);
    expect(bytes.byteLength).toBe(0);
    expect(result.report.impression).toBe('no acute disease .');
  });

  it('moves a decoded image to the worker instead of copying it', async () => {
    const { client, engine } = connect();
    const data = new Float32Array(32 * 32).fill(0.5);
    await client.generateFiles([{ name: 'a.dcm', view: 'frontal', image: { width: 32, height: 32, data, bitsStored: 12, isColour: false } }], {});
    expect(engine.seenFiles).toEqual(['a.dcm:decoded 1024']);
    expect(data.length).toBe(0); // transferred
  });

  it('rebuilds typed errors with their fields', async () => {
    const { client } = connect();
    const err = await client.load({ modelUrl: 'broken' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as ModelFileError).name).toBe('ModelFileError');
    expect((err as ModelFileError).file).toBe('onnx/vision_encoder.onnx');
    expect((err as ModelFileError).problem).toBe('corrupt');
    expect((err as Error).message).toMatch(/Re-download the model folder/);
  });

  it("rebuilds the image decoder's errors as their classes", () => {
    const err = rebuildError(serializeError(new ImageSizeError(10, 12)));
    expect(err).toBeInstanceOf(ImageSizeError);
    expect(err).toMatchObject({ width: 10, height: 12, name: 'ImageSizeError' });
    expect(err.message).toMatch(/10×12 pixels, too small/);
  });

  it('cancels a running generate through the AbortSignal', async () => {
    const { client, engine } = connect();
    const controller = new AbortController();
    const running = client.generate(
      [{ data: new Float32Array([1]), size: 1 }],
      { beam: 99, signal: controller.signal },
      {
        onToken: () => controller.abort(),
      },
    );
    await expect(running).rejects.toBeInstanceOf(GenerationCancelledError);
    expect(engine.aborted).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { client } = connect();
    const controller = new AbortController();
    controller.abort();
    await expect(client.generate([{ data: new Float32Array([1]), size: 1 }], { signal: controller.signal })).rejects.toBeInstanceOf(GenerationCancelledError);
  });
});

describe('the engine worker name', () => {
  it('carries a thread count both ways, and nothing else reads as one', () => {
    expect(threadsFromWorkerName(engineWorkerName(1))).toBe(1);
    expect(threadsFromWorkerName(engineWorkerName(4))).toBe(4);
    expect(engineWorkerName()).toBe('serpent-engine');
    for (const name of [engineWorkerName(), undefined, '', 'serpent-engine threads=0', 'serpent-engine threads=x', 'other threads=2']) {
      expect(threadsFromWorkerName(name)).toBeUndefined();
    }
  });
});
