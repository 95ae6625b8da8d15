// Bad input and backend trouble, on the tiny model: typed errors whose messages say what to do, the
// WebGPU → WASM fallbacks with their reasons, and disposal of every cached (GPU) tensor, also on cancel.
// "webgpu"/"wasm" here are onnxruntime-node CPU sessions behind a spy (the logic under test is the engine's).
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_WARMUP_DELAY_MS, InThreadEngine, type EngineDeps } from './engine';
import {
  BackendUnavailableError,
  EngineNotLoadedError,
  GenerationCancelledError,
  InvalidInputError,
  InvalidSettingError,
  isInputError,
  ModelFileError,
  ModelManifestError,
  ModelVersionError,
  rebuildError,
  serializeError,
} from './errors';
import { loadOrtNode, nodeModelSource } from './node/nodeEngine';
import type { OrtRuntime } from './sessions';
import { spyRuntime, type SpyOptions } from './testing/ortSpy';
import { ensureTinyModel } from './testing/tinyModel';

let modelDir: string;
let scratch: string;
let ortNode: OrtRuntime;
let S: number;

beforeAll(async () => {
  modelDir = ensureTinyModel();
  scratch = mkdtempSync(path.join(tmpdir(), 'serpent-engine-'));
  ortNode = await loadOrtNode();
  S = JSON.parse(readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')).preprocessing.image_size;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function copyModel(name: string, edit: (dir: string) => void): string {
  const dir = path.join(scratch, name);
  cpSync(modelDir, dir, { recursive: true });
  edit(dir);
  return dir;
}

const image = () => ({ data: Float32Array.from({ length: S * S }, (_, i) => Math.sin(i / 40)), size: S });
const noAdapter = async () => ({ backend: 'wasm' as const, reason: 'WebGPU is present but no GPU adapter was found; running on the CPU with WASM' });
const adapter = async () => ({ backend: 'webgpu' as const, reason: 'a WebGPU adapter was found' });

function engineWith(gpu: SpyOptions, extra: Partial<EngineDeps> = {}) {
  const webgpu = spyRuntime(ortNode, { provider: 'cpu', ...gpu });
  const wasm = spyRuntime(ortNode, { provider: 'cpu' });
  const engine = new InThreadEngine({
    runtimes: { webgpu: webgpu.runtime, wasm: wasm.runtime },
    sourceFor: nodeModelSource,
    autoOrder: ['webgpu', 'wasm'],
    probeWebGpu: adapter,
    measureBackends: false, // these tests are about WebGPU itself; backendTiming.test.ts covers the measured choice
    ...extra,
  });
  return { engine, webgpu, wasm };
}

describe('model folder problems', () => {
  const cpuEngine = () => new InThreadEngine({ runtimes: { cpu: ortNode }, sourceFor: nodeModelSource, autoOrder: ['cpu'] });

  it('a missing ONNX file → ModelFileError(missing) telling to re-download', async () => {
    const dir = copyModel('missing', (d) => rmSync(path.join(d, 'onnx/decoder_model_merged_int8.onnx')));
    const err = await cpuEngine()
      .load({ modelUrl: dir })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect(err).toMatchObject({ name: 'ModelFileError', problem: 'missing', file: 'onnx/decoder_model_merged_int8.onnx' });
    expect((err as Error).message).toMatch(/Re-download the model folder/);
  });

  it('a changed byte → ModelFileError(corrupt) naming the sha256 mismatch; a cut file → the byte count', async () => {
    const flipped = copyModel('flipped', (d) => {
      const f = path.join(d, 'onnx/vision_encoder_int8.onnx');
      const bytes = readFileSync(f);
      bytes[bytes.length >> 1] ^= 0xff;
      writeFileSync(f, bytes);
    });
    const e1 = await cpuEngine()
      .load({ modelUrl: flipped })
      .catch((e: unknown) => e);
    expect(e1).toMatchObject({ name: 'ModelFileError', problem: 'corrupt' });
    expect((e1 as Error).message).toMatch(/sha256 .* does not match/);
    const cut = copyModel('cut', (d) => truncateSync(path.join(d, 'onnx/embed_tokens_int8.onnx'), 100));
    const e2 = await cpuEngine()
      .load({ modelUrl: cut })
      .catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/100 bytes instead of \d+.*Re-download/);
  });

  it('the OOD detector file is checked like the others; a detector entry without a threshold is refused', async () => {
    const cut = copyModel('cut-detector', (d) => truncateSync(path.join(d, 'onnx/ood_detector.onnx'), 10));
    const e1 = await cpuEngine()
      .load({ modelUrl: cut })
      .catch((e: unknown) => e);
    expect(e1).toMatchObject({ name: 'ModelFileError', problem: 'corrupt', file: 'onnx/ood_detector.onnx' });
    const gone = copyModel('no-detector-file', (d) => rmSync(path.join(d, 'onnx/ood_detector.onnx')));
    const e2 = await cpuEngine()
      .load({ modelUrl: gone })
      .catch((e: unknown) => e);
    expect(e2).toMatchObject({ name: 'ModelFileError', problem: 'missing', file: 'onnx/ood_detector.onnx' });
    const noThreshold = copyModel('detector-no-threshold', (d) => {
      const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8'));
      delete m.ood.detector.threshold;
      writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(m));
    });
    const e3 = await cpuEngine()
      .load({ modelUrl: noThreshold })
      .catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(ModelManifestError);
    expect((e3 as Error).message).toMatch(/ood\.detector needs a path and a numeric threshold.*export-ood/);
  });

  it('a folder without a detector (exported before it existed) still loads; its result says so', async () => {
    const dir = copyModel('stats-only', (d) => {
      const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8'));
      delete m.ood.detector;
      writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(m));
      rmSync(path.join(d, 'onnx/ood_detector.onnx'));
    });
    const engine = cpuEngine();
    await engine.load({ modelUrl: dir });
    const r = await engine.generate([image()], { beam: 1 });
    expect(r.ood.detector).toBeNull();
    expect(Number.isFinite(r.ood.score)).toBe(true);
    await engine.dispose();
  });

  it('another format version → ModelVersionError saying which version the app needs', async () => {
    const dir = copyModel('v2', (d) => {
      const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8'));
      writeFileSync(path.join(d, 'manifest.json'), JSON.stringify({ ...m, format_version: 2 }));
    });
    const err = await cpuEngine()
      .load({ modelUrl: dir })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelVersionError);
    expect((err as Error).message).toMatch(/format version 2, but this version of Serpent needs format version 1/);
  });

  it('a precision the folder lacks → ModelManifestError listing what it has; no folder at all → missing manifest', async () => {
    const dir = copyModel('fp32only', (d) => {
      const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8'));
      writeFileSync(path.join(d, 'manifest.json'), JSON.stringify({ ...m, files: { fp32: m.files.fp32 } }));
    });
    const err = await cpuEngine()
      .load({ modelUrl: dir, precision: 'q4' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelManifestError);
    expect((err as Error).message).toMatch(/no q4 files \(it has fp32\)/);
    const none = await cpuEngine()
      .load({ modelUrl: path.join(scratch, 'nowhere') })
      .catch((e: unknown) => e);
    expect(none).toMatchObject({ name: 'ModelFileError', file: 'manifest.json', problem: 'missing' });
  });
});

describe('backends', () => {
  it("no WebGPU adapter (probe mocked) → WASM, with the probe's reason", async () => {
    const { engine, webgpu } = engineWith({}, { probeWebGpu: noAdapter });
    const info = await engine.load({ modelUrl: modelDir });
    expect(info.backend).toBe('wasm');
    expect(info.backendReason).toMatch(/no GPU adapter was found/);
    expect(webgpu.createOptions).toHaveLength(0);
  });

  it('WebGPU keeps present.* on the GPU, warms up, and disposes every cached tensor', async () => {
    const { engine, webgpu } = engineWith({});
    const info = await engine.load({ modelUrl: modelDir, precision: 'fp32' });
    expect(info.backend).toBe('webgpu');
    const decoderOptions = webgpu.createOptions[2];
    expect(decoderOptions.executionProviders).toEqual(['webgpu']);
    expect(decoderOptions.preferredOutputLocation).toMatchObject({ 'present.0.key': 'gpu-buffer', 'present.1.value': 'gpu-buffer' });
    expect(webgpu.runs.filter((r) => r.kind === 'vision')).toHaveLength(1); // the warm-up
    expect(webgpu.runs.filter((r) => r.kind === 'ood')).toHaveLength(1); // the warm-up runs the detector too
    expect(webgpu.livePresents.size).toBe(0);
    const before = webgpu.runs.length;
    const r = await engine.generate([image(), image()], { beam: 3 });
    expect(r.backend).toBe('webgpu');
    expect(webgpu.livePresents.size).toBe(0);
    // the detector: one run per generate over both views, one logit each, compared with the manifest's threshold
    const oodRuns = webgpu.runs.slice(before).filter((x) => x.kind === 'ood');
    expect(oodRuns).toHaveLength(1);
    expect(Object.values(oodRuns[0].dims)[0]).toEqual([2, 1, S, S]);
    expect(r.ood.detector?.logits).toHaveLength(2);
    expect(r.ood.detector?.logits.every(Number.isFinite)).toBe(true);
    expect(r.ood.warning !== null).toBe(r.ood.detector!.logits.some((x) => x > r.ood.detector!.threshold) || r.ood.score > r.ood.threshold);
  });

  it('cancelling releases the cache and rejects with GenerationCancelledError', async () => {
    const { engine, webgpu } = engineWith({});
    await engine.load({ modelUrl: modelDir });
    const controller = new AbortController();
    let tokens = 0;
    const run = engine.generate([image()], { beam: 4, signal: controller.signal }, { onToken: () => ++tokens === 3 && controller.abort(), tokenIntervalMs: 0 });
    await expect(run).rejects.toBeInstanceOf(GenerationCancelledError);
    expect(tokens).toBe(3);
    expect(webgpu.livePresents.size).toBe(0);
    expect((await engine.generate([image()], { beam: 1 })).report.text.length).toBeGreaterThan(0); // still usable
  });

  it('WebGPU failing at session creation → WASM with the reason', async () => {
    const { engine } = engineWith({ failCreate: 'no shader-f16' });
    const info = await engine.load({ modelUrl: modelDir });
    expect(info.backend).toBe('wasm');
    expect(info.backendReason).toBe('WebGPU failed (no shader-f16); fell back to WASM');
  });

  it('WebGPU failing on the first real run → the report comes from WASM and says why', async () => {
    const { engine, wasm } = engineWith({ failDecoderRun: { at: 7, message: 'device lost' } }); // runs 1–5: warm-up (first call, 4 steps)
    await engine.load({ modelUrl: modelDir });
    const r = await engine.generate([image()], { beam: 2 });
    expect(r.backend).toBe('wasm');
    expect(r.backendReason).toMatch(/WebGPU failed while generating \(device lost\); fell back to WASM/);
    expect(wasm.runs.filter((x) => x.kind === 'vision')).toHaveLength(1);
  });

  it("warmup 'every-backend' (the page's) runs the model on WASM just after the load, unless a report is asked for first; by default only WebGPU warms up", async () => {
    const settle = () => new Promise((r) => setTimeout(r, IDLE_WARMUP_DELAY_MS + 50));
    for (const [warmup, report] of [
      ['every-backend', false],
      ['every-backend', true],
      [undefined, false],
    ] as const) {
      const wasm = spyRuntime(ortNode, { provider: 'cpu' });
      const engine = new InThreadEngine({ runtimes: { wasm: wasm.runtime }, sourceFor: nodeModelSource, autoOrder: ['wasm'], ...(warmup ? { warmup } : {}) });
      await engine.load({ modelUrl: modelDir, device: 'wasm' });
      expect(wasm.runs).toHaveLength(0); // the load itself does not wait for a warm-up on WASM
      if (report) await engine.generate([image()], { beam: 1, min_length: 1, max_length: 3 });
      await settle();
      await engine.dispose(); // queued behind a warm-up, if one was queued
      const warmed = warmup && !report;
      expect(wasm.runs.filter((r) => r.kind === 'vision')).toHaveLength(warmed || report ? 1 : 0);
      if (warmed) expect(wasm.runs.filter((r) => r.kind === 'decoder').length).toBe(5);
    }
  });

  it('a backend this runtime does not have → BackendUnavailableError', async () => {
    const { engine } = engineWith({});
    await expect(engine.load({ modelUrl: modelDir, device: 'cpu' })).rejects.toThrow(/cpu backend is not available here.*only in Node/);
    await expect(engine.load({ modelUrl: modelDir, device: 'cpu' })).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

describe('bad generate input', () => {
  let engine: InThreadEngine;
  beforeAll(async () => {
    engine = new InThreadEngine({ runtimes: { cpu: ortNode }, sourceFor: nodeModelSource, autoOrder: ['cpu'] });
    await expect(engine.generate([image()])).rejects.toBeInstanceOf(EngineNotLoadedError);
    await engine.load({ modelUrl: modelDir });
  });

  it('rejects settings out of range with InvalidSettingError', async () => {
    await expect(engine.generate([image()], { beam: 9 })).rejects.toThrow(/beam must be a whole number from 1 to 8; got 9/);
    await expect(engine.generate([image()], { max_length: 999 })).rejects.toBeInstanceOf(InvalidSettingError);
    await expect(engine.generate([image()], { repetition_penalty: 0 })).rejects.toBeInstanceOf(InvalidSettingError);
  });

  it('rejects wrong-size tensors and more than two views with InvalidInputError', async () => {
    await expect(engine.generate([{ data: new Float32Array(4), size: 2 }])).rejects.toThrow(/2×2 tensor .* this model takes/);
    await expect(engine.generate([image(), image(), image()])).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("passes on the image decoder's typed errors, naming the file", async () => {
    const notImage = new TextEncoder().encode('hello, this is not a radiograph at all').buffer;
    await expect(engine.generateFiles([{ name: 'notes.txt', bytes: notImage }])).rejects.toMatchObject({
      name: 'ImageFormatError',
      message: expect.stringMatching(/^notes\.txt: .*PNG, JPEG, JPEG 2000, TIFF or DICOM/),
    });
    const png = encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64).fill(90), channels: 1, depth: 8 });
    const truncated = png.slice(0, png.length - 30).buffer;
    await expect(engine.generateFiles([{ name: 'cut.png', bytes: truncated }])).rejects.toMatchObject({
      name: 'ImageCorruptError',
      message: expect.stringMatching(/^cut\.png: The PNG file looks damaged/),
    });
  });

  it('refuses a blank image (one grey value throughout), from bytes or decoded, naming the file and the value', async () => {
    const flat = encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64).fill(90), channels: 1, depth: 8 });
    await expect(engine.generateFiles([{ name: 'flat.png', bytes: flat.slice().buffer }])).rejects.toMatchObject({
      name: 'ImageBlankError',
      message: expect.stringMatching(/^flat\.png: The image is blank: every pixel has the same grey value \(90 of 255\).*Export the radiograph again/),
    });
    const black = { width: 64, height: 64, data: new Float32Array(64 * 64), bitsStored: 8, isColour: false };
    const err = await engine.generateFiles([{ name: 'black.png', image: black }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ImageBlankError' });
    expect(isInputError(err)).toBe(true); // the page offers no "Draft again": the same file gives the same error
    expect(isInputError(rebuildError(serializeError(err)))).toBe(true); // also after crossing the worker boundary
    expect(isInputError(new BackendUnavailableError('the GPU was lost'))).toBe(false);
  });

  it('refuses a decoded image that decodeImageAsync could not have made, naming the file', async () => {
    const grey = (width: number, height: number, data: Float32Array) => ({ width, height, data, bitsStored: 8, isColour: false });
    const short = grey(64, 64, new Float32Array(64 * 63).fill(0.5));
    await expect(engine.generateFiles([{ name: 'short.png', image: short }])).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^short\.png: the decoded image is not 64×64 grey values \(4032 values\); pass the file's bytes/),
    });
    const unscaled = new Float32Array(64 * 64).fill(0.5);
    unscaled[100] = 255; // raw samples, not the [0,1] grey
    await expect(engine.generateFiles([{ name: 'raw.png', image: grey(64, 64, unscaled) }])).rejects.toThrow(
      /^raw\.png: .*value 255 outside \[0, 1\] at pixel 100/,
    );
    await expect(engine.generateFiles([{ name: 'nan.png', image: grey(64, 64, new Float32Array(64 * 64).fill(Number.NaN)) }])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(engine.generateFiles([{ name: 'tiny.png', image: grey(8, 8, new Float32Array(64)) }])).rejects.toMatchObject({ name: 'ImageSizeError' });
  });

  it('warns about a colour image instead of failing', async () => {
    const W = 64;
    const rgb = Uint8Array.from({ length: W * W * 3 }, (_, i) => (i % 3 === 0 ? 200 + ((i / 3) % 50) : 10)); // red, with texture (a flat one is blank)
    const png = encodePng({ width: W, height: W, data: rgb, channels: 3, depth: 8 });
    const r = await engine.generateFiles([{ name: 'photo.png', bytes: png.slice().buffer }], { beam: 1 });
    expect(r.views![0].isColour).toBe(true);
    expect(r.warnings.some((w) => /photo\.png is in colour/.test(w))).toBe(true);
  });

  it('warns when a film smaller than the model input was enlarged, and not when it was shrunk', async () => {
    const film = (side: number) =>
      encodePng({ width: side, height: side, data: Uint8Array.from({ length: side * side }, (_, i) => (i * 7) % 256), channels: 1, depth: 8 });
    const small = Math.max(8, S / 2);
    const enlarged = await engine.generateFiles([{ name: 'thumb.png', bytes: film(small).slice().buffer }], { beam: 1 });
    const lowRes = enlarged.warnings.filter((w) => /thumb\.png is \d+×\d+ pixels, smaller than the/.test(w));
    expect(lowRes).toHaveLength(1);
    expect(lowRes[0]).toContain(`${small}×${small} pixels, smaller than the ${S}×${S}`);
    expect(lowRes[0]).toMatch(/original, full-size radiograph/);
    const full = await engine.generateFiles([{ name: 'full.png', bytes: film(2 * S).slice().buffer }], { beam: 1 });
    expect(full.warnings.some((w) => /smaller than the/.test(w))).toBe(false);
  });
});
