import { describe, expect, it } from 'vitest';
import { cardiothoracicRatio, lengthOf, measurementOf, ratioNote, spacingNote } from './measure';

describe('measurements', () => {
  it('scales the horizontal step by the column spacing and the vertical by the row spacing', () => {
    const line = { from: [10, 20] as [number, number], to: [40, 60] as [number, number] }; // dx 30, dy 40
    expect(lengthOf(line)).toEqual({ value: 50, unit: 'px', text: '50 px' });
    const mm = lengthOf(line, { row: 0.2, column: 0.1, basis: 'detector' }); // 3 mm across, 8 mm down
    expect(mm.unit).toBe('mm');
    expect(mm.value).toBeCloseTo(Math.hypot(3, 8), 12);
    expect(mm.text).toBe('8.5 mm');
  });

  it('makes no measurement of a click', () => {
    expect(measurementOf(1, [5, 5], [6, 6])).toBeNull();
    expect(measurementOf(2, [5, 5], [5, 9])).toEqual({ id: 2, from: [5, 5], to: [5, 9] });
  });

  it('says what a length is: mm from which tag, or pixels and how to get mm', () => {
    expect(spacingNote(undefined, 'png')).toMatch(/PNG file carries no pixel spacing.*Open the DICOM file/);
    expect(spacingNote(undefined, 'dicom')).toMatch(/states no pixel spacing/);
    expect(spacingNote({ row: 0.1, column: 0.1, basis: 'detector' }, 'dicom')).toMatch(/at the detector.*larger than its true size/);
    expect(spacingNote({ row: 0.1, column: 0.1, basis: 'magnification-corrected', magnification: 1.1 }, 'dicom')).toMatch(/×1\.10/);
    expect(spacingNote({ row: 0.1, column: 0.1, basis: 'calibrated', calibration: 'GEOMETRY' }, 'dicom')).toMatch(/calibrated Pixel Spacing \(GEOMETRY\)/);
    expect(spacingNote({ row: 0.1, column: 0.1, basis: 'unstated' }, 'dicom')).toMatch(/does not state how it was calibrated/);
  });

  it('gives the cardiothoracic ratio of the last two lines from their horizontal widths, narrower over wider', () => {
    const heart = { from: [100, 200] as [number, number], to: [220, 210] as [number, number] }; // 120 px wide, a little slanted
    const chest = { from: [40, 180] as [number, number], to: [290, 180] as [number, number] }; // 250 px wide
    const earlier = { from: [0, 0] as [number, number], to: [5, 300] as [number, number] };
    expect(cardiothoracicRatio([earlier, heart, chest])).toEqual({ value: 120 / 250, heart: 2, chest: 3 });
    expect(cardiothoracicRatio([chest, heart])).toEqual({ value: 120 / 250, heart: 2, chest: 1 }); // either order
    expect(cardiothoracicRatio([chest])).toBeNull();
    expect(cardiothoracicRatio([chest, { from: [10, 10], to: [10, 90] }])).toBeNull(); // a vertical line has no width
    const ratio = cardiothoracicRatio([heart, chest])!;
    expect(ratioNote(ratio, 'PA')).toMatch(/^Cardiothoracic ratio 0\.48: line 1's horizontal width over line 2's.*Over 0\.50 on a PA film/);
    expect(ratioNote(ratio, 'AP ')).toMatch(/This is an AP film, which projects the heart larger/);
  });
});
