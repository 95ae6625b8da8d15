import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { BINS, decodeForViewer, prepareDisplay } from './displayBins';
import { decodeImageAsync } from './decode';

describe('decodeForViewer', () => {
  it('gives the model’s grey image without its values, and those values binned on their own scale', async () => {
    const W = 40;
    const samples = Uint16Array.from({ length: W * W }, (_, i) => 1001 + ((i * 37) % 2998)); // 16-bit, inside 1000…3999
    [samples[5], samples[700]] = [1000, 3999];
    const png = encodePng({ width: W, height: W, data: samples, channels: 1, depth: 16 });
    const { image, display } = await decodeForViewer(png);
    const own = await decodeImageAsync(png, { keepValues: true });
    expect(image.values).toBeUndefined(); // not sent twice: the bins stand for them
    expect(image.data).toEqual(own.data);
    expect([display.min, display.max]).toEqual([1000, 3999]);
    expect(display.count).toBe(W * W);
    expect(display).toEqual(prepareDisplay(own.values!));
    expect([display.bins[5], display.bins[700]]).toEqual([0, BINS - 1]);
  });

  it('passes on the decoder’s typed errors', async () => {
    await expect(decodeForViewer(new TextEncoder().encode('not an image at all'))).rejects.toMatchObject({ name: 'ImageFormatError' });
  });
});
