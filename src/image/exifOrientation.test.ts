// EXIF orientation: read from the JPEG's APP1 block by readJpegHeader (either byte order; 1 whenever it is absent or
// malformed) and applied by both decode paths, so the film stands as a viewer shows it. e2e/exifOrientation.spec.ts
// checks the same files against Chromium's own <img>.
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage, decodeImageAsync } from './index';
import { readJpegHeader } from './sniff';
import { cornerJpeg, withExifOrientation } from './testing/exifFixtures';

/** Which corner holds the bright block, and the size, of a decoded image. */
function brightCorner(img: { width: number; height: number; data: Float32Array }): string {
  const at = (x: number, y: number) => img.data[y * img.width + x];
  const corners: [string, number][] = [
    ['top-left', at(2, 2)],
    ['top-right', at(img.width - 3, 2)],
    ['bottom-left', at(2, img.height - 3)],
    ['bottom-right', at(img.width - 3, img.height - 3)],
  ];
  return corners.sort((a, b) => b[1] - a[1])[0][0];
}

// Where the source's top-left block shows, and whether width and height swap, for each orientation.
const EXPECTED: Record<number, [string, boolean]> = {
  1: ['top-left', false],
  2: ['top-right', false],
  3: ['bottom-right', false],
  4: ['bottom-left', false],
  5: ['top-left', true],
  6: ['top-right', true],
  7: ['bottom-right', true],
  8: ['bottom-left', true],
};

describe('the EXIF orientation as readJpegHeader reads it', () => {
  const readJpegOrientation = (bytes: Uint8Array) => readJpegHeader(bytes).orientation;
  const plain = cornerJpeg(64, 48);
  it('is 1 without an EXIF block', () => {
    expect(readJpegOrientation(plain)).toBe(1);
  });
  it('reads every value in both TIFF byte orders', () => {
    for (let o = 1; o <= 8; o++) {
      expect(readJpegOrientation(withExifOrientation(plain, o, true))).toBe(o);
      expect(readJpegOrientation(withExifOrientation(plain, o, false))).toBe(o);
    }
  });
  it('is 1 for a value outside 1–8, a bad TIFF header or a block cut short', () => {
    expect(readJpegOrientation(withExifOrientation(plain, 9, true))).toBe(1);
    const badMagic = withExifOrientation(plain, 6, true);
    badMagic[2 + 4 + 6 + 2] = 0x2b; // TIFF magic 42 → 43
    expect(readJpegOrientation(badMagic)).toBe(1);
    const cut = withExifOrientation(plain, 6, true); // IFD0 says 5 entries, its block holds one (another tag)
    cut[2 + 4 + 6 + 8] = 5;
    cut[2 + 4 + 6 + 10] = 0x00;
    cut[2 + 4 + 6 + 11] = 0x01; // tag 0x0100 (ImageWidth), so the orientation would lie past the block
    expect(readJpegOrientation(cut)).toBe(1);
  });
  it('steps over fill bytes before the EXIF block', () => {
    const tagged = withExifOrientation(plain, 8, false);
    const filled = new Uint8Array(tagged.length + 2);
    filled.set(tagged.subarray(0, 2), 0);
    filled.set([0xff, 0xff], 2); // two fill bytes before the APP1 marker's own 0xFF
    filled.set(tagged.subarray(2), 4);
    expect(readJpegOrientation(filled)).toBe(8);
  });
});

describe('decoding a JPEG with an EXIF orientation', () => {
  it('stands it upright in decodeImage, for all eight orientations', () => {
    const jpeg = cornerJpeg(64, 48);
    for (const [o, [corner, swapped]] of Object.entries(EXPECTED)) {
      const img = decodeImage(withExifOrientation(jpeg, Number(o), Number(o) % 2 === 0));
      expect([o, brightCorner(img)]).toEqual([o, corner]);
      expect([img.width, img.height]).toEqual(swapped ? [48, 64] : [64, 48]);
      expect(img.meta?.exifOrientation).toBe(Number(o) === 1 ? undefined : Number(o));
    }
  });

  it('does the same on the large-file path (libjpeg-turbo), values included', async () => {
    const jpeg = cornerJpeg(640, 720);
    const img = await decodeImageAsync(withExifOrientation(jpeg, 6, true), { keepValues: true });
    expect([img.width, img.height, brightCorner(img)]).toEqual([720, 640, 'top-right']);
    expect(img.values![5 * 720 + 700]).toBeCloseTo(img.data[5 * 720 + 700] * 255, 2);
  });

  it('leaves an image without the tag exactly as before', () => {
    const jpeg = cornerJpeg(64, 48);
    expect(decodeImage(withExifOrientation(jpeg, 1, true)).data).toEqual(decodeImage(jpeg).data);
    const rgba = new Uint8Array(32 * 32 * 4).fill(200);
    const flat = new Uint8Array(encodeJpeg({ width: 32, height: 32, data: rgba }, 90).data);
    expect(decodeImage(flat).meta?.exifOrientation).toBeUndefined();
  });
});
