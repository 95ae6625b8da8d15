// The compressions a TIFF strip or tile comes in that Serpent reads: LZW (TIFF 6.0, MSB-first codes with the early
// width change), PackBits, and Deflate (zlib, or raw). Each returns exactly `expected` bytes, or throws a RangeError
// the TIFF reader turns into ImageCorruptError.
import { inflateSync, unzlibSync } from 'fflate';

const CLEAR = 256;
const END = 257;

/** TIFF LZW: codes of 9 to 12 bits, most significant bit first; the width grows one code early (at 511, 1023, 2047). */
export function lzwDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  const prefix = new Int32Array(4096); // the code this one extends (−1: a single byte)
  const suffix = new Uint8Array(4096); // its last byte
  const first = new Uint8Array(4096); // its first byte
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const totalBits = input.length * 8;
  let bit = 0;
  let width = 9;
  let next = 258;
  let old = -1;
  let op = 0;
  const read = (): number => {
    if (bit + width > totalBits) return END; // a strip may end without its end code
    const p = bit >> 3;
    const window = (input[p] << 16) | ((input[p + 1] ?? 0) << 8) | (input[p + 2] ?? 0); // 24 bits hold any 12-bit code
    const shift = 24 - width - (bit & 7);
    bit += width;
    return (window >>> shift) & ((1 << width) - 1);
  };
  const write = (code: number): void => {
    const len = length[code];
    for (let k = code, pos = op + len - 1; k >= 0; k = prefix[k], pos--) if (pos < expected) out[pos] = suffix[k];
    op += len;
  };
  while (op < expected) {
    const code = read();
    if (code === END) break;
    if (code === CLEAR) {
      width = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (old < 0) {
      if (code > 255) throw new RangeError(`LZW code ${code} before any string`);
      write(code);
      old = code;
      continue;
    }
    if (code > next) throw new RangeError(`LZW code ${code} past the table's ${next} entries`);
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = code < next ? first[code] : first[old];
      first[next] = first[old];
      length[next] = length[old] + 1;
      next++;
      if (next >= (1 << width) - 1 && width < 12) width++;
    }
    write(code);
    old = code;
  }
  if (op < expected) throw new RangeError(`LZW data ends after ${op} of ${expected} bytes`);
  return out;
}

/** PackBits: a header byte n, then n+1 literal bytes (0 ≤ n ≤ 127) or one byte repeated 1−n times (−127 ≤ n ≤ −1). */
export function packBitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let ip = 0;
  let op = 0;
  while (op < expected && ip < input.length) {
    const n = (input[ip++] << 24) >> 24;
    if (n >= 0) {
      out.set(input.subarray(ip, Math.min(ip + n + 1, input.length, ip + expected - op)), op);
      op += n + 1;
      ip += n + 1;
    } else if (n !== -128) {
      out.fill(input[ip++], op, Math.min(op + 1 - n, expected));
      op += 1 - n;
    }
  }
  if (op < expected) throw new RangeError(`PackBits data ends after ${op} of ${expected} bytes`);
  return out;
}

/** Deflate as TIFF writes it: zlib-wrapped (Adobe), or raw. */
export function deflateDecode(input: Uint8Array, expected: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = unzlibSync(input);
  } catch {
    out = inflateSync(input);
  }
  if (out.length < expected) throw new RangeError(`Deflate data holds ${out.length} of ${expected} bytes`);
  return out.subarray(0, expected);
}
