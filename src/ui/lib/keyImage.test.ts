// The saved view's caption and file name: what a key image says about itself.
import { describe, expect, it } from 'vitest';
import { keyImageCaption, keyImageFileName, keyImageSide, MAX_KEY_SIDE } from './keyImage';

const base = {
  imageName: 'JPCLN001.png',
  view: 'frontal',
  zoom: 2,
  window: { center: 127.6, width: 255.2, invert: false },
  mapCaption: null,
  measurements: [],
  model: 'serpent-cxr 1.8.1 (int8)',
  savedAt: new Date('2026-12-06T09:10:11Z'),
};

describe('keyImageCaption', () => {
  it('says the file, view, zoom and window, that no map is shown, and the model with the demo notice', () => {
    expect(keyImageCaption(base)).toEqual([
      'JPCLN001.png · frontal view · zoom 200% · window 255 / level 128',
      'No heatmap shown.',
      'serpent-cxr 1.8.1 (int8): open-data demo model (Serpent), not for clinical use. Saved 2026-12-06 09:10 UTC.',
    ]);
  });

  it('names the map in focus, an inverted window, and every length with the ratio of the last two lines', () => {
    const lines = keyImageCaption({
      ...base,
      window: { center: 100, width: 50, invert: true },
      mapCaption: 'Sentence 2: there is a nodule. Hottest: right upper zone.',
      measurements: [
        { id: 1, from: [10, 50], to: [70, 50] },
        { id: 2, from: [0, 80], to: [200, 80] },
      ],
      spacing: { row: 0.2, column: 0.1, basis: 'detector' },
      model: null,
    });
    expect(lines[0]).toBe('JPCLN001.png · frontal view · zoom 200% · window 50 / level 100, inverted');
    expect(lines[1]).toBe('Heatmap: Sentence 2: there is a nodule. Hottest: right upper zone.');
    expect(lines[2]).toBe("Measured: 1: 6.0 mm; 2: 20.0 mm; cardiothoracic ratio 0.30: line 1's horizontal width over line 2's.");
    expect(lines[3]).toMatch(/^open-data demo model \(Serpent\), not for clinical use\./);
  });

  it('measures in pixels where the file has no spacing', () => {
    const lines = keyImageCaption({ ...base, measurements: [{ id: 1, from: [0, 0], to: [30, 40] }] });
    expect(lines[2]).toBe('Measured: 1: 50 px.');
  });
});

describe('keyImageFileName', () => {
  it('keeps the film name without its extension and adds the time', () => {
    expect(keyImageFileName('JPCLN001.png', base.savedAt)).toBe('JPCLN001-view-2026-12-06T09-10-11.png');
    expect(keyImageFileName('IM 0001.dcm', base.savedAt)).toBe('IM_0001-view-2026-12-06T09-10-11.png');
    expect(keyImageFileName('.png', base.savedAt)).toBe('image-view-2026-12-06T09-10-11.png');
  });
});

describe('keyImageSide', () => {
  it("keeps the film's pixels across the view, never fewer than the screen's, never more than the cap", () => {
    expect(keyImageSide(560, { width: 896, height: 896 }, 1)).toBe(896); // at fit: every film pixel
    expect(keyImageSide(560, { width: 896, height: 700 }, 2)).toBe(560); // zoomed in past the film's pixels: the screen's
    expect(keyImageSide(560, { width: 224, height: 224 }, 1)).toBe(560); // a small film: the screen's
    expect(keyImageSide(560, { width: 3000, height: 2500 }, 1)).toBe(MAX_KEY_SIDE);
    expect(keyImageSide(560, { width: 3000, height: 2500 }, 2)).toBe(1500);
  });
});
