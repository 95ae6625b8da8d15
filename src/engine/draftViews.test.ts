// Which views a draft is made from: laterals (by tag or by the person's choice) and views the detector flags
// are left out, so a frontal's draft is the same with or without them beside it. The pure rules, then the
// committed model through generateFiles on a real JSRT radiograph.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CXR_IMAGES } from './testing/sharedData';
import { decodeImage } from '../image';
import { draftViewIndices, draftViewsNote, trainedOnLaterals } from './draftViews';
import type { InThreadEngine } from './engine';
import { defaultModelDir } from './node/defaultModelDir';
import { createNodeEngine } from './node/nodeEngine';
import type { ImageFile } from './types';

const JSRT = path.join(CXR_IMAGES, 'jsrt');

describe('draft views', () => {
  it('leaves laterals out unless the manifest says the model was trained on them', () => {
    expect(draftViewIndices(['frontal', 'lateral'], false)).toEqual([0]);
    expect(draftViewIndices(['lateral', 'frontal'], false)).toEqual([1]);
    expect(draftViewIndices(['frontal', 'unknown'], false)).toEqual([0, 1]);
    expect(draftViewIndices(['frontal', 'lateral'], true)).toEqual([0, 1]);
    expect(draftViewIndices(['lateral'], false)).toEqual([0]); // drafted, then withheld by the page with its reason
    expect(trainedOnLaterals({ training: { views: ['frontal', 'lateral'] } })).toBe(true);
    expect(trainedOnLaterals({ training: {} })).toBe(false);
  });

  it('says how the views were used', () => {
    const views = [
      { name: 'pa.dcm', view: 'frontal' as const },
      { name: 'lat.dcm', view: 'lateral' as const },
    ];
    expect(draftViewsNote(views, [0])).toMatch(
      /made from the frontal view only: image 1 \(pa\.dcm\)\. The lateral image 2 \(lat\.dcm\) is shown for reference/,
    );
    expect(draftViewsNote(views, [0, 1])).toBeNull();
    expect(draftViewsNote([views[1]], [0])).toMatch(/only a lateral view/);
  });
});

describe('the committed model: a frontal draft is the same with or without another view beside it', () => {
  let engine: InThreadEngine;
  const frontal = (): ImageFile => {
    const b = readFileSync(path.join(JSRT, 'JPCLN001.png'));
    return { name: 'JPCLN001.png', bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
  };
  /** Another JSRT film turned 90°: what a person might drop as the second view (the detector flags it). */
  const rotated = (): ImageFile => {
    const img = decodeImage(readFileSync(path.join(JSRT, 'JPCLN002.png')));
    const { width: w, height: h } = img;
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + (h - 1 - y)] = Math.round(img.data[y * w + x] * 255);
    const png = encodePng({ width: h, height: w, data: out, channels: 1, depth: 8 });
    return { name: 'turned.png', bytes: png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer };
  };

  beforeAll(async () => {
    engine = await createNodeEngine({ backends: ['cpu'] });
    await engine.load({ modelUrl: defaultModelDir(), device: 'cpu' });
  });
  afterAll(async () => engine.dispose());

  it('a lateral (the person said so) is left out of the draft and the note says so', async () => {
    const alone = await engine.generateFiles([frontal()]);
    const withLateral = await engine.generateFiles([frontal(), { ...rotated(), view: 'lateral' }]);
    expect(withLateral.report).toEqual(alone.report);
    expect(withLateral.candidates.map((c) => c.tokenIds)).toEqual(alone.candidates.map((c) => c.tokenIds));
    expect(withLateral.draftViews).toEqual([0]);
    expect(withLateral.views).toHaveLength(2);
    expect(withLateral.viewsNote).toMatch(/frontal view only/);
    expect(alone.draftViews).toEqual([0]);
    expect(alone.viewsNote).toBeUndefined();
  });

  it('a second view of unknown kind that the detector flags is left out too', async () => {
    const alone = await engine.generateFiles([frontal()]);
    const both = await engine.generateFiles([frontal(), rotated()]);
    expect(both.draftViews).toEqual([0]);
    expect(both.report).toEqual(alone.report);
    expect(both.viewsNote).toMatch(/does not look like a frontal chest radiograph/);
  });
});
