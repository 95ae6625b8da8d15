// Which work a new film, a re-run or a reload would drop: edits and measurements since they were last saved.
import { describe, expect, it } from 'vitest';
import { unsavedParts, unsavedText, workSignature, type Work } from './unsavedWork';

const draft = { findings: 'the lungs are clear.', impression: 'normal.' };
const line = { id: 1, from: [10, 10] as [number, number], to: [50, 10] as [number, number] };
const work = (over: Partial<Work> = {}): Work => ({ edited: false, report: draft, measured: { a: [] }, ...over });

describe('unsavedParts', () => {
  it('is empty for an untouched draft', () => {
    expect(unsavedParts(work(), null)).toEqual([]);
  });

  it('names edits and measurements until they are saved, and again once they change', () => {
    const edited = work({ edited: true, report: { ...draft, impression: 'nodule.' }, measured: { a: [line] } });
    expect(unsavedParts(edited, null)).toEqual(['edits', 'measurements']);
    const saved = workSignature(edited);
    expect(unsavedParts(edited, saved)).toEqual([]);
    expect(unsavedParts({ ...edited, report: { ...edited.report, impression: 'nodules.' } }, saved)).toEqual(['edits']);
    expect(unsavedParts({ ...edited, measured: { a: [line, { ...line, id: 2 }] } }, saved)).toEqual(['measurements']);
  });

  it('keeps the measurements unsaved when only the text was kept (a copy holds no measurements)', () => {
    const edited = work({ edited: true, report: { ...draft, impression: 'nodule.' }, measured: { a: [line] } });
    const copied = { ...workSignature(edited), measurements: '' };
    expect(unsavedParts(edited, copied)).toEqual(['measurements']);
  });

  it('does not depend on the order the images were measured in', () => {
    const ab = work({ measured: { a: [line], b: [] } });
    const ba = work({ measured: { b: [], a: [line] } });
    expect(workSignature(ab)).toEqual(workSignature(ba));
  });
});

describe('unsavedText', () => {
  it('says what would be lost, in a sentence', () => {
    expect(unsavedText(['edits'], 0)).toBe('Your edits to the report have not been copied or downloaded.');
    expect(unsavedText(['measurements'], 1)).toBe('1 measurement has not been copied or downloaded.');
    expect(unsavedText(['edits', 'measurements'], 3)).toBe('Your edits to the report and 3 measurements have not been copied or downloaded.');
  });
});
