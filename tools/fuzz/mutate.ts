// Seeded mutations of a valid image file, the kinds a damaged export or a hostile file brings: flipped bits,
// overwritten bytes (0, 0xFF, 0x7F, 0x80, random), truncation, a zeroed or duplicated run, a removed run, and
// header-targeted changes (the first 512 bytes hold the PNG/JPEG headers and most DICOM image tags).

export type Rng = () => number;

/** Park–Miller: deterministic, so a failing file can be made again from its seed. */
export function rng(seed: number): Rng {
  let s = (seed % 2147483646) + 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const SPECIAL = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe];

export const MUTATIONS = ['bit-flips', 'bytes', 'header-bytes', 'truncate', 'zero-run', 'duplicate-run', 'remove-run', 'size-fields'] as const;
export type Mutation = (typeof MUTATIONS)[number];

export function mutate(src: Uint8Array, kind: Mutation, random: Rng): Uint8Array {
  const n = src.length;
  const at = (limit = n): number => Math.floor(random() * Math.max(1, Math.min(limit, n)));
  const out = src.slice();
  switch (kind) {
    case 'bit-flips':
      for (let k = 1 + at(16); k > 0; k--) out[at()] ^= 1 << Math.floor(random() * 8);
      return out;
    case 'bytes':
      for (let k = 1 + at(32); k > 0; k--) out[at()] = random() < 0.5 ? SPECIAL[at(SPECIAL.length)] : Math.floor(random() * 256);
      return out;
    case 'header-bytes':
      for (let k = 1 + at(6); k > 0; k--) out[at(512)] = random() < 0.5 ? SPECIAL[at(SPECIAL.length)] : Math.floor(random() * 256);
      return out;
    case 'truncate':
      return src.slice(0, at());
    case 'zero-run': {
      const start = at();
      out.fill(0, start, start + 1 + at(4096));
      return out;
    }
    case 'duplicate-run': {
      const start = at();
      const run = src.slice(start, start + 1 + at(2048));
      const where = at();
      return concat(src.subarray(0, where), run, src.subarray(where));
    }
    case 'remove-run': {
      const start = at();
      return concat(src.subarray(0, start), src.subarray(start + 1 + at(2048)));
    }
    case 'size-fields': {
      // 16-bit values that look like sizes (rows, columns, lengths) set to extremes.
      for (let k = 1 + at(4); k > 0; k--) {
        const i = at(Math.min(n - 1, 1024));
        const v = [0, 1, 0xffff, 0x7fff, 0x8000, 8193][at(6)];
        out[i] = v & 0xff;
        out[i + 1] = v >> 8;
      }
      return out;
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
