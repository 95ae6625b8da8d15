import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NpyError, NpyStreamWriter, encodeNpy, npyHeader, parseNpy, writeNpy } from './npy';

describe('npy writer', () => {
  it('writes a v1.0 header padded to 64 bytes that parses back', () => {
    const h = npyHeader('int32', [3, 4, 80]);
    expect(h.length % 64).toBe(0);
    expect(h.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
    expect(h.toString('latin1')).toContain("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 4, 80), }");
    expect(h[h.length - 1]).toBe(0x0a);
    expect(npyHeader('uint8', [5]).toString('latin1')).toContain("'shape': (5,)");
  });

  it('round-trips uint8 and int32 arrays in C order', () => {
    const u8 = Uint8Array.from([0, 1, 2, 250, 255, 7]);
    const a = parseNpy(encodeNpy('uint8', [2, 3], u8));
    expect(a.dtype).toBe('|u1');
    expect(a.shape).toEqual([2, 3]);
    expect(a.fortranOrder).toBe(false);
    expect([...a.data]).toEqual([...u8]);
    const i32 = Int32Array.from([-1, 0, 5, 2147483647]);
    const b = parseNpy(encodeNpy('int32', [4, 1], i32));
    expect(b.dtype).toBe('<i4');
    expect([...b.data]).toEqual([...i32]);
  });

  it('streams rows and checks the row count against the header', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npy-'));
    const file = path.join(dir, 'x.npy');
    const w = new NpyStreamWriter(file, 'uint8', [2, 2, 2]);
    w.write(Uint8Array.from([1, 2, 3, 4]));
    w.write(Uint8Array.from([5, 6, 7, 8]));
    w.close();
    const a = parseNpy(fs.readFileSync(file));
    expect(a.shape).toEqual([2, 2, 2]);
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const short = new NpyStreamWriter(path.join(dir, 'y.npy'), 'uint8', [2, 2]);
    short.write(Uint8Array.from([1, 2]));
    expect(() => short.close()).toThrow(NpyError);
    writeNpy(path.join(dir, 'z.npy'), 'int32', [0, 2], new Int32Array(0));
    expect(parseNpy(fs.readFileSync(path.join(dir, 'z.npy'))).shape).toEqual([0, 2]);
    fs.rmSync(dir, { recursive: true });
  });

  it('rejects data that does not fit the shape or dtype', () => {
    expect(() => encodeNpy('uint8', [2, 2], new Uint8Array(3))).toThrow(NpyError);
    expect(() => encodeNpy('int32', [2], new Uint8Array(2) as unknown as Int32Array)).toThrow(/Int32Array/);
  });
});
