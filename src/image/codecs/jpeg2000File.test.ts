// Finding a JPEG 2000 codestream in a plain file and telling HTJ2K by its CAP marker, on boxes and marker segments
// written here byte by byte (the real files, OpenJPEG's and OpenJPH's, are read in ../dicomSyntaxes.test.ts).
import { describe, expect, it } from 'vitest';
import { isHighThroughput, isJ2kCodestream, isJp2BoxFile, jpeg2000Codestream } from './jpeg2000File';

const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const box = (type: string, body: number[]) => [...u32(8 + body.length), ...[...type].map((c) => c.charCodeAt(0)), ...body];
const SIGNATURE = [0, 0, 0, 12, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
/** SOC, a SIZ-shaped segment, maybe CAP, then SOT: only the markers matter here. */
const codestream = (cap: boolean) => [0xff, 0x4f, ...segment(0x51, new Array(38).fill(0)), ...(cap ? segment(0x50, u32(0x00020000)) : []), 0xff, 0x90, 0, 10];

describe('jpeg2000Codestream', () => {
  it('returns a bare codestream as it is, and the jp2c payload of a box file (plain, XLBox and to-the-end lengths)', () => {
    const cs = codestream(false);
    expect(isJ2kCodestream(Uint8Array.from(cs))).toBe(true);
    expect(jpeg2000Codestream(Uint8Array.from(cs))).toEqual(Uint8Array.from(cs));
    const file = Uint8Array.from([...SIGNATURE, ...box('ftyp', [0x6a, 0x70, 0x32, 0x20]), ...box('jp2h', [1, 2, 3]), ...box('jp2c', cs)]);
    expect(isJp2BoxFile(file)).toBe(true);
    expect(jpeg2000Codestream(file)).toEqual(Uint8Array.from(cs));
    const xl = Uint8Array.from([...SIGNATURE, 0, 0, 0, 1, ...[...'jp2c'].map((c) => c.charCodeAt(0)), ...u32(0), ...u32(16 + cs.length), ...cs, 9, 9]);
    expect(jpeg2000Codestream(xl)).toEqual(Uint8Array.from(cs));
    const toEnd = Uint8Array.from([...SIGNATURE, ...u32(0), ...[...'jp2c'].map((c) => c.charCodeAt(0)), ...cs]);
    expect(jpeg2000Codestream(toEnd)).toEqual(Uint8Array.from(cs));
  });

  it('a box file without a codestream box, or with a box shorter than its header, is damaged', () => {
    expect(() => jpeg2000Codestream(Uint8Array.from([...SIGNATURE, ...box('jp2h', [1, 2])]))).toThrow(/holds no codestream box \(jp2c\)/);
    expect(() => jpeg2000Codestream(Uint8Array.from([...SIGNATURE, ...u32(4), 0x6a, 0x70, 0x32, 0x68]))).toThrow(/jp2c/);
  });
});

describe('isHighThroughput', () => {
  it('is true only when the main header has a CAP marker before the first tile', () => {
    expect(isHighThroughput(Uint8Array.from(codestream(true)))).toBe(true);
    expect(isHighThroughput(Uint8Array.from(codestream(false)))).toBe(false);
    // A CAP-looking pair inside a tile is not the main header's.
    expect(isHighThroughput(Uint8Array.from([...codestream(false), 0xff, 0x50, 0, 6, 0, 2, 0, 0]))).toBe(false);
  });
});
