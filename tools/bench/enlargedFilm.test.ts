import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image';
import { CXR_DIR } from '../cli/paths';
import { withExifOrientation } from '../../src/image/testing/exifFixtures';
import { enlargedJpeg } from './enlargedFilm';

describe('enlargedJpeg', () => {
  it('makes a grey JPEG film of the asked height, 5:6, that still shows the source', () => {
    const source = path.join(CXR_DIR, 'images', 'jsrt', 'JPCLN001.png');
    const film = decodeImage(new Uint8Array(enlargedJpeg(source, 600)));
    expect([film.width, film.height]).toEqual([500, 600]);
    expect(film.isColour).toBe(false);
    const small = decodeImage(new Uint8Array(readFileSync(source)));
    // the centre pixel matches the source's centre within JPEG's error
    const c = film.data[300 * 500 + 250];
    const s = small.data[Math.floor(small.height / 2) * small.width + Math.floor(small.width / 2)];
    expect(Math.abs(c - s)).toBeLessThan(0.08);
  });

  it('stores the film turned a quarter when asked, so that EXIF orientation 6 puts it back upright', () => {
    const source = path.join(CXR_DIR, 'images', 'jsrt', 'JPCLN001.png');
    const upright = decodeImage(new Uint8Array(enlargedJpeg(source, 600)));
    const turned = new Uint8Array(enlargedJpeg(source, 600, { storedTurned: true }));
    const stored = decodeImage(turned);
    expect([stored.width, stored.height]).toEqual([600, 500]);
    const shown = decodeImage(withExifOrientation(turned, 6, true));
    expect([shown.width, shown.height]).toEqual([500, 600]);
    let diff = 0;
    for (let i = 0; i < shown.data.length; i++) diff += Math.abs(shown.data[i] - upright.data[i]);
    expect(diff / shown.data.length).toBeLessThan(0.01); // the same film, within JPEG's error
  });
});
