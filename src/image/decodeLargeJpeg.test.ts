// decodeImageAsync on plain JPEG files: small ones stay on jpeg-js, large ones go through libjpeg-turbo and agree
// with jpeg-js to a grey level; a large file libjpeg-turbo cannot read still gets jpeg-js's typed error. Its own
// file: which codecs a thread has loaded is module state, and the small-file test needs none loaded before it.
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { loadedCodecs } from './codecs/index';
import { TURBO_MIN_PIXELS } from './decode';
import { ImageCorruptError, decodeImage, decodeImageAsync } from './index';

/** A W×H film-like RGBA picture: a vertical ramp, a bright disc and some texture (so the DCT has work to do). */
function filmRgba(W: number, H: number): Uint8Array {
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inDisc = (x - W / 3) ** 2 + (y - H / 2) ** 2 < (W / 6) ** 2;
      const v = Math.round(40 + (150 * y) / H + (inDisc ? 50 : 0) + 12 * Math.sin(x / 7) * Math.cos(y / 5));
      const i = (y * W + x) * 4;
      rgba[i] = rgba[i + 1] = rgba[i + 2] = Math.max(0, Math.min(255, v));
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

const jpegOf = (W: number, H: number): Uint8Array => new Uint8Array(encodeJpeg({ width: W, height: H, data: filmRgba(W, H) }, 92).data);

describe('decodeImageAsync on plain JPEG files', () => {
  it('keeps jpeg-js below TURBO_MIN_PIXELS: the same values as the synchronous decode, and no WebAssembly loaded', async () => {
    const small = jpegOf(256, 256);
    expect(256 * 256).toBeLessThan(TURBO_MIN_PIXELS);
    const img = await decodeImageAsync(small);
    expect(img.data).toEqual(decodeImage(small).data);
    expect(loadedCodecs()).not.toContain('jpeg');
  });

  it('decodes a large file with libjpeg-turbo, within a grey level of jpeg-js', async () => {
    const W = 640;
    const H = 720;
    expect(W * H).toBeGreaterThanOrEqual(TURBO_MIN_PIXELS);
    const big = jpegOf(W, H);
    const img = await decodeImageAsync(big, { keepValues: true });
    expect(loadedCodecs()).toContain('jpeg');
    const reference = decodeImage(big);
    expect([img.width, img.height, img.bitsStored, img.isColour, img.meta?.format]).toEqual([W, H, 8, false, 'jpeg']);
    let maxDiff = 0;
    let differing = 0;
    for (let i = 0; i < img.data.length; i++) {
      const d = Math.abs(img.data[i] - reference.data[i]) * 255;
      maxDiff = Math.max(maxDiff, d);
      if (d > 0.5) differing++;
    }
    expect(maxDiff).toBeLessThanOrEqual(1.5); // two IDCTs rounding differently: one level at most
    expect(differing / img.data.length).toBeLessThan(0.2);
    // keepValues: the samples on 0…255, as for every 8-bit source
    expect(img.values).toHaveLength(W * H);
    expect(img.values![1234]).toBeCloseTo(img.data[1234] * 255, 2);
  });

  it('gives a truncated large file the same typed error as before (libjpeg-turbo fails, jpeg-js says why)', async () => {
    const big = jpegOf(640, 720);
    const cut = big.slice(0, Math.floor(big.length * 0.6));
    await expect(decodeImageAsync(cut)).rejects.toBeInstanceOf(ImageCorruptError);
  });
});
