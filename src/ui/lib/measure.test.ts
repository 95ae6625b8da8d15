import { describe, expect, it } from 'vitest';
import { lengthOf, measurementOf, spacingNote } from './measure';

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
});
