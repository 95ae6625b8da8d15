// Loading pieces without ONNX: the HTTP model source (byte progress, 404), manifest checks, precision
// choice, sha256, decoding settings and the backend choice.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseBackend } from './backendChoice';
import { InvalidSettingError, ModelFileError, ModelManifestError, ModelVersionError } from './errors';
import type { ModelManifest } from './manifest';
import { checkManifest, loadModelFiles, pickPrecision, sha256Hex } from './modelLoader';
import type { ModelSource } from './modelSource';
import { HttpModelSource } from './modelSource';
import type { OrtRuntime } from './sessions';
import { MAX_BEAM, plainBeamOf, resolveSettings } from './settings';

function manifest(over: Partial<ModelManifest> = {}): ModelManifest {
  return {
    format: 'serpent-model',
    format_version: 1,
    id: 'm',
    version: '1',
    created: '',
    preprocessing: { image_size: 16, pixel_mean: 0.5, pixel_std: 0.25, grid: [2, 2] },
    architecture: { d_model: 4, n_layers: 1, n_heads: 1, head_dim: 4, embed_dim: 2, n_image_tokens: 4, vocab_size: 10 },
    tokenizer: 'tokenizer.json',
    special_ids: { pad: 0, bos: 1, eos: 2, unk: 3, sep: 4 },
    max_length: 20,
    decoding: { beam: 3, alpha: 1, beta: 1, repetition_penalty: 1.2, no_repeat_ngram: 3, min_length: 2, max_length: 20 },
    default_precision: 'int8',
    files: {
      fp32: {
        vision_encoder: { path: 'a', bytes: 1, sha256: '' },
        embed_tokens: { path: 'b', bytes: 1, sha256: '' },
        decoder_model_merged: { path: 'c', bytes: 1, sha256: '' },
      },
    },
    findings: [],
    ood: { score: 'diag_mahalanobis', mean: [0, 0], var: [1, 1], threshold: 3 },
    intended_use: '',
    licence: '',
    ...over,
  };
}

afterEach(() => vi.unstubAllGlobals());

describe('HttpModelSource', () => {
  it('streams bytes with progress and maps 404 to ModelFileError(missing)', async () => {
    const body = new Uint8Array(10).map((_, i) => i);
    vi.stubGlobal('fetch', async (url: string) => {
      if (url.endsWith('/gone.onnx')) return new Response('no', { status: 404 });
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(body.subarray(0, 4));
          c.enqueue(body.subarray(4));
          c.close();
        },
      });
      return new Response(stream, { headers: { 'content-length': '10' } });
    });
    const source = new HttpModelSource('http://host/models/m');
    const progress: [number, number | undefined][] = [];
    const bytes = await source.fetchBytes('onnx/x.onnx', (l, t) => progress.push([l, t]));
    expect(Array.from(bytes)).toEqual(Array.from(body));
    expect(progress).toEqual([
      [4, 10],
      [10, 10],
    ]);
    await expect(source.fetchBytes('onnx/gone.onnx')).rejects.toMatchObject({ name: 'ModelFileError', problem: 'missing' });
    await expect(source.fetchBytes('onnx/gone.onnx')).rejects.toBeInstanceOf(ModelFileError);
  });
});

describe('loadModelFiles', () => {
  /** A source that holds every file until all three were asked for: it only finishes if the loader asks at once. */
  async function folder(corrupt?: string, reader?: 'image_reader' | 'image_tokens_mean') {
    const bytes = {
      'vision.onnx': new Uint8Array([1, 2]),
      'embed.onnx': new Uint8Array([3]),
      'decoder.onnx': new Uint8Array([4, 5, 6]),
      'static.onnx': new Uint8Array([7, 8, 9, 10]),
      'reader.onnx': new Uint8Array([11, 12, 13, 14, 15]),
    };
    const entry = async (path: keyof typeof bytes) => ({ path, bytes: bytes[path].length, sha256: await sha256Hex(bytes[path]) });
    const m = manifest({
      files: {
        fp32: {
          vision_encoder: await entry('vision.onnx'),
          embed_tokens: await entry('embed.onnx'),
          decoder_model_merged: await entry('decoder.onnx'),
          decoder_static: await entry('static.onnx'),
        },
      },
    });
    m.architecture.static_cache_length = m.architecture.n_image_tokens + 8;
    if (reader === 'image_reader') m.image_reader = { ...(await entry('reader.onnx')), findings: ['pneumonia'] };
    if (reader === 'image_tokens_mean')
      m.finding_reader = { feature: 'image_tokens_mean', findings: ['pneumonia'], weights: [Array(m.architecture.d_model).fill(0)], bias: [0] };
    const asked: string[] = [];
    let release: () => void = () => undefined;
    const allAsked = new Promise<void>((r) => (release = r));
    const source: ModelSource = {
      location: 'test folder',
      fetchJson: async <T>(path: string) => (path === 'manifest.json' ? m : { model: {} }) as T,
      fetchBytes: async (path, onProgress) => {
        asked.push(path);
        if (asked.length === 3) release();
        await allAsked;
        const b = bytes[path as keyof typeof bytes];
        onProgress?.(b.length, b.length);
        return path === corrupt ? new Uint8Array(b.length) : b;
      },
    };
    return { source, bytes };
  }

  it('fetches the files at once, verifies each and reports progress summed over them', async () => {
    const { source, bytes } = await folder();
    const progress: number[] = [];
    const loaded = await loadModelFiles(source, 'fp32', (e) => progress.push(e.loaded ?? -1));
    expect(loaded.files.vision_encoder).toEqual(bytes['vision.onnx']);
    expect(loaded.files.decoder_model_merged).toEqual(bytes['decoder.onnx']);
    expect(loaded.downloadBytes).toBe(6);
    expect(progress[0]).toBe(0); // the download stage shows before any bytes arrive
    expect(progress.at(-1)).toBe(6);
    expect(progress.every((v, i) => i === 0 || v >= progress[i - 1])).toBe(true);
  });

  it('reads the static decoder (WebGPU) only when asked for', async () => {
    const { source, bytes } = await folder();
    expect((await loadModelFiles(source, 'fp32')).files.decoder_static).toBeUndefined();
    const loaded = await loadModelFiles(source, 'fp32', undefined, { staticDecoder: true });
    expect(loaded.files.decoder_static).toEqual(bytes['static.onnx']);
    expect(loaded.downloadBytes).toBe(10);
    // optional: a static decoder that cannot be read leaves the load to the merged decoder, not failed
    const broken: ModelSource = { ...source, fetchBytes: async (path, p) => (path === 'static.onnx' ? new Uint8Array(4) : source.fetchBytes(path, p)) };
    const without = await loadModelFiles(broken, 'fp32', undefined, { staticDecoder: true });
    expect(without.files.decoder_static).toBeUndefined();
    expect(without.files.decoder_model_merged).toEqual(bytes['decoder.onnx']);
  });

  it("reads an image reader's own file, checked like the others, and no file for a linear reader", async () => {
    const image = await folder(undefined, 'image_reader');
    const loaded = await loadModelFiles(image.source, 'fp32');
    expect(loaded.files.image_reader).toEqual(image.bytes['reader.onnx']);
    expect(loaded.downloadBytes).toBe(11);
    const linear = await loadModelFiles((await folder(undefined, 'image_tokens_mean')).source, 'fp32');
    expect(linear.files.image_reader).toBeUndefined();
    expect(linear.downloadBytes).toBe(6);
    const corrupt = await folder('reader.onnx', 'image_reader');
    await expect(loadModelFiles(corrupt.source, 'fp32')).rejects.toMatchObject({ name: 'ModelFileError', problem: 'corrupt' });
  });

  it('a corrupt file among them fails the load with its name', async () => {
    const { source } = await folder('embed.onnx');
    await expect(loadModelFiles(source, 'fp32')).rejects.toMatchObject({ name: 'ModelFileError', message: expect.stringContaining('embed.onnx') });
  });

  it('takes a kept copy that matches the manifest instead of fetching, and fetches one that does not', async () => {
    const { source, bytes } = await folder();
    const fetched: string[] = [];
    const kept: ModelSource = {
      location: 'kept folder',
      fetchJson: source.fetchJson,
      fetchBytes: async (path) => {
        fetched.push(path);
        return bytes[path as keyof typeof bytes];
      },
      // vision: kept and right; decoder: kept but changed (a stale copy); embed: not kept
      readKept: async (entry) => (entry.path === 'vision.onnx' ? bytes['vision.onnx'] : entry.path === 'decoder.onnx' ? new Uint8Array(3) : null),
    };
    const loaded = await loadModelFiles(kept, 'fp32');
    expect(fetched.sort()).toEqual(['decoder.onnx', 'embed.onnx']); // not the static decoder: not asked for
    expect(loaded.files.decoder_model_merged).toEqual(bytes['decoder.onnx']);
    expect(loaded.files.vision_encoder).toEqual(bytes['vision.onnx']);
    expect([loaded.downloadBytes, loaded.keptBytes]).toEqual([6, 2]);
  });
});

describe('manifest checks', () => {
  it('accepts a good manifest and names what is wrong with a bad one', () => {
    expect(checkManifest(manifest()).id).toBe('m');
    expect(() => checkManifest({ ...manifest(), format: 'other' })).toThrow(ModelVersionError);
    expect(() => checkManifest({ ...manifest(), decoding: undefined })).toThrow(/lacks decoding/);
    expect(() => checkManifest(manifest({ preprocessing: { image_size: 16, pixel_mean: 0, pixel_std: 1, grid: [3, 3] } }))).toThrow(/grid \[3,3\]/);
    expect(() => checkManifest(null)).toThrow(ModelManifestError);
    const reader = { feature: 'image_tokens_mean' as const, findings: ['nodule'], weights: [[1]], bias: [0] }; // 1 wide
    expect(() => checkManifest({ ...manifest(), finding_reader: reader })).toThrow(/finding_reader does not fit this model/);
    const entry = { path: 'onnx/decoder_static.onnx', bytes: 1, sha256: '00' };
    const withStatic = (length?: number) => {
      const m = manifest();
      m.files.fp32 = { ...m.files.fp32!, decoder_static: entry };
      m.architecture.static_cache_length = length;
      return m;
    };
    expect(() => checkManifest(withStatic())).toThrow(/static_cache_length.*training.static_decoder/);
    expect(() => checkManifest(withStatic(manifest().architecture.n_image_tokens + 1))).toThrow(/static_cache_length/);
    expect(checkManifest(withStatic(manifest().architecture.n_image_tokens + 80)).id).toBe('m');
  });

  it('picks the requested precision, else the default, else the first one present', () => {
    const m = manifest();
    expect(pickPrecision(m)).toBe('fp32'); // default int8 is absent
    expect(pickPrecision(m, 'fp32')).toBe('fp32');
    expect(() => pickPrecision(m, 'int8')).toThrow(/no int8 files \(it has fp32\)/);
  });

  it('hashes with WebCrypto sha256', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('resolveSettings', () => {
  it('overrides the manifest defaults, ignoring undefined and unknown keys', () => {
    const s = resolveSettings(manifest(), { beam: 1, beta: undefined, signal: 'x' } as object);
    expect(s).toEqual({
      groups: 1,
      diversity_penalty: 0,
      samples: 0,
      temperature: 1,
      seed: 0,
      consensus: 0,
      vote_threshold: 0,
      subtype_gate: 0,
      subtype_name: 0,
      side_gate: 0,
      reader_weight: 0,
      ...manifest().decoding,
      beam: 1,
    });
  });

  it('sampled alternatives: a whole number of samples up to 8, a temperature above 0, a whole seed', () => {
    expect(resolveSettings(manifest(), { samples: 2, temperature: 0.7, seed: 5 })).toMatchObject({ samples: 2, temperature: 0.7, seed: 5 });
    expect(() => resolveSettings(manifest(), { samples: 9 })).toThrow(/samples must be a whole number from 0 to 8/);
    expect(() => resolveSettings(manifest(), { samples: 1.5 })).toThrow(/samples must be a whole number/);
    expect(() => resolveSettings(manifest(), { temperature: 0 })).toThrow(/temperature must be above 0/);
    expect(() => resolveSettings(manifest(), { seed: -1 })).toThrow(/seed must be a whole number/);
    expect(resolveSettings(manifest())).toMatchObject({ vote_threshold: 0 });
    expect(plainBeamOf({ beam: 1, samples: 4 })).toMatchObject({ beam: 5, samples: 0, vote_threshold: 0 });
    expect(plainBeamOf({ beam: 1, samples: 8 }).beam).toBe(MAX_BEAM);
    expect(resolveSettings(manifest(), { vote_threshold: 0.7 })).toMatchObject({ vote_threshold: 0.7 });
    expect(() => resolveSettings(manifest(), { vote_threshold: 1 })).toThrow(/vote_threshold must be from 0 \(off\) to below 1/);
    expect(() => resolveSettings(manifest(), { vote_threshold: -0.1 })).toThrow(/vote_threshold/);
  });

  it('the subtype gate is off unless the manifest or the caller turns it on, and is 0 or 1', () => {
    expect(resolveSettings(manifest()).subtype_gate).toBe(0);
    expect(resolveSettings({ ...manifest(), decoding: { ...manifest().decoding, subtype_gate: 1 } }).subtype_gate).toBe(1);
    expect(resolveSettings(manifest(), { subtype_gate: 1 }).subtype_gate).toBe(1);
    expect(() => resolveSettings(manifest(), { subtype_gate: 0.5 })).toThrow(/subtype_gate is 1 \(on\) or 0 \(off\)/);
  });

  it('naming the backed subtype is off unless the manifest or the caller turns it on, and is 0 or 1', () => {
    expect(resolveSettings(manifest()).subtype_name).toBe(0);
    expect(resolveSettings({ ...manifest(), decoding: { ...manifest().decoding, subtype_name: 1 } }).subtype_name).toBe(1);
    expect(resolveSettings({ ...manifest(), decoding: { ...manifest().decoding, subtype_name: 1 } }, { subtype_name: 0 }).subtype_name).toBe(0);
    expect(() => resolveSettings(manifest(), { subtype_name: 2 })).toThrow(/subtype_name is 1 \(on\) or 0 \(off\)/);
  });

  it('the side gate is off unless the manifest or the caller turns it on, and is 0 or 1', () => {
    expect(resolveSettings(manifest()).side_gate).toBe(0);
    expect(resolveSettings({ ...manifest(), decoding: { ...manifest().decoding, side_gate: 1 } }).side_gate).toBe(1);
    expect(resolveSettings({ ...manifest(), decoding: { ...manifest().decoding, side_gate: 1 } }, { side_gate: 0 }).side_gate).toBe(0);
    expect(() => resolveSettings(manifest(), { side_gate: 2 })).toThrow(/side_gate is 1 \(on\) or 0 \(off\)/);
  });

  it('the finding reader weighs nothing unless the manifest or the caller gives it a weight in [0, 1]', () => {
    expect(resolveSettings(manifest()).reader_weight).toBe(0);
    expect(resolveSettings({ ...manifest(), decoding: { ...manifest().decoding, reader_weight: 0.75 } }).reader_weight).toBe(0.75);
    expect(resolveSettings(manifest(), { reader_weight: 1 }).reader_weight).toBe(1);
    expect(() => resolveSettings(manifest(), { reader_weight: 1.2 })).toThrow(/reader_weight must be from 0 \(the draws alone\) to 1/);
    expect(() => resolveSettings(manifest(), { reader_weight: Number.NaN })).toThrow(/reader_weight must be a finite number/);
  });

  it('a manifest without diverse-beam defaults runs one group, and a caller can ask for groups', () => {
    expect(resolveSettings(manifest())).toMatchObject({ groups: 1, diversity_penalty: 0 });
    expect(resolveSettings(manifest(), { beam: 6, groups: 3, diversity_penalty: 2 })).toMatchObject({ beam: 6, groups: 3, diversity_penalty: 2 });
    expect(() => resolveSettings(manifest(), { beam: 4, groups: 3 })).toThrow(/groups must divide the beam width/);
    expect(() => resolveSettings(manifest(), { beam: 2, groups: 3 })).toThrow(/groups must be a whole number from 1 to 2/);
    expect(() => resolveSettings(manifest(), { diversity_penalty: -1 })).toThrow(/diversity_penalty must be 0 or more/);
  });

  it('a new beam width alone keeps the defaults’ groups where they divide it, else the largest count that does', () => {
    const m = manifest();
    m.decoding = { ...m.decoding, beam: 6, groups: 3, diversity_penalty: 2 };
    expect(resolveSettings(m, { beam: 3 })).toMatchObject({ beam: 3, groups: 3 });
    expect(resolveSettings(m, { beam: 4 })).toMatchObject({ beam: 4, groups: 2 });
    expect(resolveSettings(m, { beam: 1 })).toMatchObject({ beam: 1, groups: 1 });
    expect(() => resolveSettings(m, { beam: 4, groups: 3 })).toThrow(/groups must divide/); // named groups are checked, not changed
  });

  it('rejects values outside what the model allows', () => {
    expect(() => resolveSettings(manifest(), { beam: 0 })).toThrow(InvalidSettingError);
    expect(() => resolveSettings(manifest(), { beam: 2.5 })).toThrow(/beam must be a whole number/);
    expect(() => resolveSettings(manifest(), { max_length: 21 })).toThrow(/max_length must be a whole number from 2 to 20/);
    expect(() => resolveSettings(manifest(), { min_length: 19 })).toThrow(/min_length/);
    expect(() => resolveSettings(manifest(), { alpha: NaN })).toThrow(/alpha must be a finite number/);
    expect(() => resolveSettings(manifest(), { consensus: -0.5 })).toThrow(/consensus must be 0 or more/);
    expect(resolveSettings(manifest(), { consensus: 0.5 }).consensus).toBe(0.5);
  });
});

describe('chooseBackend', () => {
  const rt = {} as OrtRuntime;
  const adapter = async () => ({ backend: 'webgpu' as const, reason: 'a WebGPU adapter was found' });
  const none = async () => ({ backend: 'wasm' as const, reason: 'this browser has no WebGPU (navigator.gpu is missing); running on the CPU with WASM' });

  it("auto: WebGPU when the probe finds an adapter, else WASM with the probe's reason", async () => {
    expect(await chooseBackend('auto', { webgpu: rt, wasm: rt }, ['webgpu', 'wasm'], adapter)).toEqual({
      backend: 'webgpu',
      reason: 'a WebGPU adapter was found',
    });
    expect(await chooseBackend('auto', { webgpu: rt, wasm: rt }, ['webgpu', 'wasm'], none)).toMatchObject({
      backend: 'wasm',
      reason: expect.stringMatching(/navigator\.gpu is missing/),
    });
    expect(await chooseBackend('auto', { cpu: rt, wasm: rt }, ['cpu', 'wasm'])).toMatchObject({ backend: 'cpu' });
  });

  it('explicit WebGPU without an adapter falls back to WASM and says so; explicit others are taken as asked', async () => {
    expect(await chooseBackend('webgpu', { webgpu: rt, wasm: rt }, ['webgpu', 'wasm'], none)).toMatchObject({
      backend: 'wasm',
      reason: expect.stringMatching(/^WebGPU was requested, but this browser has no WebGPU/),
    });
    expect(await chooseBackend('wasm', { webgpu: rt, wasm: rt }, ['webgpu', 'wasm'], adapter)).toEqual({ backend: 'wasm', reason: 'wasm was requested' });
  });
});
