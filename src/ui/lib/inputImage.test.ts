import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JSRT_RADIOGRAPH } from '../../engine/testing/sharedData';
import { decodeImageAsync } from '../../image';
import { assignViews, engineOrder, prepareInputImage, type InputImage } from './inputImage';

function fake(key: string, view: InputImage['view'], viewFromFile = false): InputImage {
  return {
    key,
    name: key,
    decoded: { width: 1, height: 1, data: new Float32Array(1), bitsStored: 8, isColour: false },
    format: 'png',
    width: 1,
    height: 1,
    values: new Float32Array(1),
    fileWindow: null,
    monochrome1: false,
    view,
    viewFromFile,
    isColour: false,
    frames: 1,
  };
}

describe('prepareInputImage', () => {
  it('keeps a real JSRT_RADIOGRAPH at full resolution on its own value scale', async () => {
    const bytes = readFileSync(JSRT_RADIOGRAPH);
    const im = await prepareInputImage('JPCLN001.png', bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(im).toMatchObject({ format: 'png', width: 224, height: 224, view: 'unknown', viewFromFile: false, fileWindow: null, monochrome1: false });
    expect(im.values.length).toBe(224 * 224);
    let max = 0;
    for (const v of im.values) max = Math.max(max, v);
    expect(max).toBeGreaterThan(100); // an actual picture on the PNG's sample scale, not [0,1]
    // what the engine gets: the model's [0,1] grey exactly as the engine's own decode makes it, and no second copy of the values
    const own = await decodeImageAsync(new Uint8Array(bytes));
    expect(im.decoded.values).toBeUndefined();
    expect(im.decoded.data).toEqual(own.data);
    expect(im.decoded.meta).toEqual(own.meta);
  });
  it('throws the image module’s typed error for bytes that are not an image', async () => {
    await expect(prepareInputImage('notes.txt', new TextEncoder().encode('hello, not an image').buffer as ArrayBuffer)).rejects.toThrow(
      /not a recognised image/,
    );
  });
});

describe('views', () => {
  it('takes one unlabelled image as frontal, and leaves two unlabelled ones for the person to choose', () => {
    expect(assignViews([fake('a', 'unknown')]).map((i) => i.view)).toEqual(['frontal']);
    expect(assignViews([fake('a', 'unknown'), fake('b', 'unknown')]).map((i) => i.view)).toEqual(['unknown', 'unknown']);
    expect(assignViews([fake('a', 'unknown'), fake('b', 'lateral', true)]).map((i) => i.view)).toEqual(['frontal', 'lateral']);
  });
  it('respects a view the file already states', () => {
    expect(assignViews([fake('a', 'unknown'), fake('b', 'frontal', true)]).map((i) => i.view)).toEqual(['lateral', 'frontal']);
  });
  it('hands the engine the frontal view first', () => {
    expect(engineOrder([fake('l', 'lateral'), fake('f', 'frontal')]).map((i) => i.key)).toEqual(['f', 'l']);
  });
});
