// The real engine (tiny model, onnxruntime-node) behind the worker protocol, in one thread: the client
// gets the same report as the engine called directly, with streamed tokens and typed arrays intact.
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InThreadEngine } from '../engine/engine';
import { GenerationCancelledError } from '../engine/errors';
import { decodeImageAsync } from '../image';
import { createNodeEngine } from '../engine/node/nodeEngine';
import { ensureTinyModel } from '../engine/testing/tinyModel';
import { WorkerEngineClient } from './client';
import { serveEngine } from './handler';
import type { PortLike } from './protocol';

let modelDir: string;
let channel: MessageChannel;
let client: WorkerEngineClient;
let direct: InThreadEngine;

const W = 100;
const pngBytes = (): ArrayBuffer =>
  encodePng({ width: W, height: W, data: Uint8Array.from({ length: W * W }, (_, i) => (i * 13) % 251), channels: 1, depth: 8 }).slice().buffer;

beforeAll(async () => {
  modelDir = ensureTinyModel();
  channel = new MessageChannel();
  serveEngine(channel.port2 as unknown as PortLike, await createNodeEngine({ backends: ['cpu'] }));
  client = new WorkerEngineClient(channel.port1 as unknown as PortLike);
  direct = await createNodeEngine({ backends: ['cpu'] });
  await direct.load({ modelUrl: modelDir });
});

afterAll(async () => {
  await client.dispose();
  await direct.dispose();
  channel.port1.close();
  channel.port2.close();
});

describe('worker round trip with the real engine', () => {
  it('loads with download progress and generates the same report as the engine in-thread', async () => {
    const progress: number[] = [];
    const info = await client.load({ modelUrl: modelDir }, (e) => e.stage === 'download' && e.loaded !== undefined && progress.push(e.loaded));
    expect(info.modelId).toBe('random-tiny');
    expect(info.backend).toBe('cpu');
    expect(progress[progress.length - 1]).toBe(info.downloadBytes);

    const partials: string[] = [];
    const viaWorker = await client.generateFiles([{ name: 'a.png', bytes: pngBytes() }], { beam: 3 }, { onToken: (t) => partials.push(t), tokenIntervalMs: 0 });
    const inThread = await direct.generateFiles([{ name: 'a.png', bytes: pngBytes() }], { beam: 3 });
    expect(viaWorker.report).toEqual(inThread.report);
    expect(viaWorker.candidates).toEqual(inThread.candidates);
    expect(viaWorker.heatmap.values).toBeInstanceOf(Float32Array);
    expect(Array.from(viaWorker.heatmap.values)).toEqual(Array.from(inThread.heatmap.values));
    expect(viaWorker.views![0].grey).toBeInstanceOf(Uint8Array);
    const bestBeam = [...viaWorker.candidates].sort((a, b) => b.lengthNormLogp - a.lengthNormLogp)[0];
    expect(partials[partials.length - 1]).toBe(bestBeam.text); // the stream shows beams; the rerank may pick another
  });

  it('drafts the same report from the image the page decoded as from the file', async () => {
    const fromBytes = await client.generateFiles([{ name: 'a.png', bytes: pngBytes() }], { beam: 3 });
    const image = await decodeImageAsync(new Uint8Array(pngBytes()), { keepValues: true }); // as the page's decode worker does
    const fromDecoded = await client.generateFiles([{ name: 'a.png', image }], { beam: 3 });
    expect(fromDecoded.report).toEqual(fromBytes.report);
    expect(fromDecoded.candidates).toEqual(fromBytes.candidates);
    expect(fromDecoded.views![0]).toEqual(fromBytes.views![0]);
    expect(image.data.length).toBe(0); // moved to the worker, not copied
  });

  it('cancels through the AbortSignal and keeps serving', async () => {
    const controller = new AbortController();
    const run = client.generateFiles([{ name: 'a.png', bytes: pngBytes() }], { beam: 5, signal: controller.signal }, { onToken: () => controller.abort() });
    await expect(run).rejects.toBeInstanceOf(GenerationCancelledError);
    const again = await client.generateFiles([{ name: 'a.png', bytes: pngBytes() }], { beam: 1 });
    expect(again.candidates).toHaveLength(1);
  });
});
