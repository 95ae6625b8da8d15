// Sequential Huffman JPEG with 12-bit samples (ITU T.81 process 4; DICOM's "JPEG Extended", 1.2.840.10008.1.2.4.51),
// which the 8-bit libjpeg-turbo build cannot read. Grey (one component) only: DICOM stores 12-bit lossy images
// as MONOCHROME1/2. Restart intervals, 8- and 16-bit quantisation tables and any Huffman tables are read; the
// inverse DCT is a separable float one, rounded, so a sample may differ by one from libjpeg's integer IDCT.
import { DicomUnsupportedError, ImageCorruptError } from '../errors';
import type { DecodedFrame } from '.';

/** Zig-zag position → natural (row-major) index of an 8×8 block. */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** IDCT basis [x*8+u] = C(u)/2 · cos((2x+1)uπ/16), C(0) = 1/√2: f(x) = Σ_u basis[x,u]·F(u) per dimension. Since
 *  basis[7−x,u] = (−1)^u·basis[x,u], f(x) = E(x) + O(x) and f(7−x) = E(x) − O(x) for x < 4, with E over the even u
 *  and O over the odd: EVEN[x*4+j] = basis[x,2j], ODD[x*4+j] = basis[x,2j+1]. */
const basis = (x: number, u: number): number => ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
const EVEN = Float64Array.from({ length: 16 }, (_, i) => basis(i >> 2, 2 * (i & 3)));
const ODD = Float64Array.from({ length: 16 }, (_, i) => basis(i >> 2, 2 * (i & 3) + 1));

/** One 8-point inverse DCT: src[s0 + k*step] → dst[d0 + x*step], k, x = 0…7. */
function idct8(src: Float64Array, s0: number, dst: Float64Array, d0: number, step: number): void {
  const f0 = src[s0];
  const f1 = src[s0 + step];
  const f2 = src[s0 + 2 * step];
  const f3 = src[s0 + 3 * step];
  const f4 = src[s0 + 4 * step];
  const f5 = src[s0 + 5 * step];
  const f6 = src[s0 + 6 * step];
  const f7 = src[s0 + 7 * step];
  for (let x = 0; x < 4; x++) {
    const e = EVEN[x * 4] * f0 + EVEN[x * 4 + 1] * f2 + EVEN[x * 4 + 2] * f4 + EVEN[x * 4 + 3] * f6;
    const o = ODD[x * 4] * f1 + ODD[x * 4 + 1] * f3 + ODD[x * 4 + 2] * f5 + ODD[x * 4 + 3] * f7;
    dst[d0 + x * step] = e + o;
    dst[d0 + (7 - x) * step] = e - o;
  }
}

interface HuffmanTable {
  maxCode: Int32Array; // [17]: the largest code of each length (−1: none)
  valueOffset: Int32Array; // [17]: index of a length's first value, minus its first code
  values: Uint8Array;
  fast: Uint16Array; // [1 << FAST_BITS]: (length << 8 | value) of the code the next FAST_BITS bits start with; 0: longer
}

interface Frame {
  precision: number;
  width: number;
  height: number;
  quantTable: number;
}

const FAST_BITS = 9;

const corrupt = (why: string): ImageCorruptError => new ImageCorruptError('DICOM', `its 12-bit JPEG codestream ${why}`);

function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(17).fill(-1);
  const valueOffset = new Int32Array(17);
  const fast = new Uint16Array(1 << FAST_BITS);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    valueOffset[len] = k - code;
    for (let i = 0; i < counts[len - 1]; i++, code++, k++) {
      if (len <= FAST_BITS && k < values.length) {
        const first = code << (FAST_BITS - len);
        fast.fill((len << 8) | values[k], first, first + (1 << (FAST_BITS - len)));
      }
    }
    if (counts[len - 1] > 0) maxCode[len] = code - 1;
    code <<= 1;
  }
  return { maxCode, valueOffset, values, fast };
}

/** The entropy-coded bits of a scan, with 0xFF00 unstuffed; at a marker it stops and feeds zeros. */
class BitReader {
  private acc = 0; // the low `count` bits are the next ones
  private count = 0;
  private pastEnd = 0; // zero bytes fed after the data ran out with no marker: a stream cut short
  markerAt = -1;

  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  /** At least n (≤ 24) bits in the buffer. */
  private need(n: number): void {
    while (this.count < n) {
      let byte = 0;
      const atEnd = this.pos >= this.data.length || (this.data[this.pos] === 0xff && this.pos + 1 >= this.data.length);
      if (this.markerAt < 0 && atEnd) this.pastEnd++;
      else if (this.markerAt < 0) {
        byte = this.data[this.pos];
        if (byte !== 0xff) this.pos++;
        else if (this.data[this.pos + 1] === 0) this.pos += 2;
        else {
          this.markerAt = this.pos; // a marker ends the segment: pad with zeros
          byte = 0;
        }
      }
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  private peek(n: number): number {
    this.need(n);
    return (this.acc >>> (this.count - n)) & ((1 << n) - 1);
  }

  receive(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.count -= n;
    return v;
  }

  decode(table: HuffmanTable): number {
    const hit = table.fast[this.peek(FAST_BITS)];
    if (hit) {
      this.count -= hit >> 8;
      return hit & 0xff;
    }
    let code = this.receive(FAST_BITS);
    for (let len = FAST_BITS + 1; len <= 16; len++) {
      code = (code << 1) | this.receive(1);
      if (code <= table.maxCode[len]) {
        const at = table.valueOffset[len] + code;
        if (at >= table.values.length) throw corrupt('has a Huffman table shorter than its code counts');
        return table.values[at];
      }
    }
    throw corrupt('holds a Huffman code that no table defines');
  }

  /** Whether a block took bits from beyond the end of the data (not the zeros fed at a marker): a cut-short file. */
  ranPastEnd(): boolean {
    return this.pastEnd * 8 > this.count;
  }

  /** At a restart marker: drop the bits left of the last byte and step over RSTn. */
  restart(): void {
    this.acc = 0;
    this.count = 0;
    const at = this.markerAt >= 0 ? this.markerAt : this.pos;
    if (this.data[at] !== 0xff || (this.data[at + 1] & 0xf8) !== 0xd0) throw corrupt('is missing a restart marker');
    this.pos = at + 2;
    this.markerAt = -1;
  }
}

/** A difference of `size` bits, sign-extended (T.81 F.2.2.1 EXTEND). */
const extend = (v: number, size: number): number => (size > 0 && v < 1 << (size - 1) ? v - (1 << size) + 1 : v);

/** One block's coefficients [64, natural order, dequantised] → samples written into out at (x0, y0). `rows`: a bit per
 *  coefficient row v that holds a non-zero value; `ac`: whether any AC coefficient is non-zero (else the block is
 *  flat). tmp: [64] scratch. */
function inverseDct(
  coef: Float64Array,
  rows: number,
  ac: boolean,
  tmp: Float64Array,
  out: Uint16Array,
  width: number,
  height: number,
  x0: number,
  y0: number,
  p: number,
): void {
  const shift = (1 << (p - 1)) + 0.5; // level shift, and + 0.5 then floor to round
  const max = (1 << p) - 1;
  const w = Math.min(8, width - x0);
  const h = Math.min(8, height - y0);
  if (!ac) {
    const v = Math.floor(coef[0] / 8 + shift); // only F(0,0): f = F(0,0)·(1/√2)²/4 everywhere
    const flat = Math.max(0, Math.min(max, v));
    for (let y = 0; y < h; y++) out.fill(flat, (y0 + y) * width + x0, (y0 + y) * width + x0 + w);
    return;
  }
  for (let v = 0; v < 8; v++) {
    if (rows & (1 << v)) idct8(coef, v * 8, tmp, v * 8, 1);
    else tmp.fill(0, v * 8, v * 8 + 8);
  }
  for (let x = 0; x < 8; x++) idct8(tmp, x, coef, x, 8); // columns, written back into coef
  for (let y = 0; y < h; y++) {
    const row = (y0 + y) * width + x0;
    for (let x = 0; x < w; x++) {
      const v = Math.floor(coef[y * 8 + x] + shift);
      out[row + x] = Math.max(0, Math.min(max, v));
    }
  }
}

function decodeScan(reader: BitReader, frame: Frame, quant: Int32Array, dc: HuffmanTable, ac: HuffmanTable, restartInterval: number, out: Uint16Array): void {
  const blocksX = Math.ceil(frame.width / 8);
  const blocks = blocksX * Math.ceil(frame.height / 8);
  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  let predictor = 0;
  for (let b = 0; b < blocks; b++) {
    if (restartInterval > 0 && b > 0 && b % restartInterval === 0) {
      reader.restart();
      predictor = 0;
    }
    coef.fill(0);
    let rows = 1;
    let hasAc = false;
    const t = reader.decode(dc);
    if (t > 16) throw corrupt('holds a DC difference of more than 16 bits');
    predictor += t === 0 ? 0 : extend(reader.receive(t), t);
    coef[0] = predictor * quant[0];
    for (let k = 1; k < 64; ) {
      const rs = reader.decode(ac);
      const run = rs >> 4;
      const size = rs & 15;
      if (size === 0) {
        if (run !== 15) break; // end of block
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) throw corrupt('runs past the end of a block');
      coef[ZIGZAG[k]] = extend(reader.receive(size), size) * quant[k];
      rows |= 1 << (ZIGZAG[k] >> 3);
      hasAc = true;
      k++;
    }
    inverseDct(coef, rows, hasAc, tmp, out, frame.width, frame.height, (b % blocksX) * 8, Math.floor(b / blocksX) * 8, frame.precision);
  }
  if (reader.ranPastEnd()) throw corrupt('ends before its last block (the file is cut short)');
}

/** A whole codestream (SOI … EOI) → its samples. */
export function decodeJpegExtended(data: Uint8Array): DecodedFrame {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw corrupt('does not start with SOI');
  const quantTables: Int32Array[] = [];
  const dcTables: HuffmanTable[] = [];
  const acTables: HuffmanTable[] = [];
  let frame: Frame | null = null;
  let restartInterval = 0;
  let out: Uint16Array | null = null;
  let pos = 2;
  while (pos + 4 <= data.length) {
    if (data[pos] !== 0xff) throw corrupt(`has no marker where one was expected at byte ${pos}`);
    const marker = data[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    const length = (data[pos + 2] << 8) | data[pos + 3];
    const seg = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > data.length) throw corrupt('ends inside a marker segment');
    if (marker === 0xdb) {
      for (let i = seg; i < end; ) {
        const [wide, id] = [data[i] >> 4, data[i] & 15];
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) table[k] = wide ? (data[i + 1 + 2 * k] << 8) | data[i + 2 + 2 * k] : data[i + 1 + k];
        quantTables[id] = table;
        i += 1 + 64 * (wide ? 2 : 1);
      }
    } else if (marker === 0xc4) {
      for (let i = seg; i < end; ) {
        const [cls, id] = [data[i] >> 4, data[i] & 15];
        const counts = data.subarray(i + 1, i + 17);
        const n = counts.reduce((a, c) => a + c, 0);
        (cls === 0 ? dcTables : acTables)[id] = buildHuffman(counts, data.slice(i + 17, i + 17 + n));
        i += 17 + n;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (frame) throw corrupt('has a second frame header');
      const components = data[seg + 5];
      if (components !== 1) throw new DicomUnsupportedError(`This 12-bit JPEG has ${components} colour components; only grey (1) can be read.`);
      frame = { precision: data[seg], height: (data[seg + 1] << 8) | data[seg + 2], width: (data[seg + 3] << 8) | data[seg + 4], quantTable: data[seg + 8] };
      if (frame.width === 0 || frame.height === 0) throw corrupt('gives no image size in its frame header');
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new DicomUnsupportedError('This 12-bit JPEG is progressive, hierarchical or arithmetic-coded, which Serpent cannot read.');
    } else if (marker === 0xdd) {
      restartInterval = (data[seg] << 8) | data[seg + 1];
    } else if (marker === 0xda) {
      if (!frame) throw corrupt('starts a scan before its frame header');
      const selector = data[seg + 2];
      const [dc, ac, quant] = [dcTables[selector >> 4], acTables[selector & 15], quantTables[frame.quantTable]];
      if (!dc || !ac || !quant) throw corrupt('uses a Huffman or quantisation table it does not define');
      out = new Uint16Array(frame.width * frame.height);
      const reader = new BitReader(data, end);
      decodeScan(reader, frame, quant, dc, ac, restartInterval, out);
      pos = reader.markerAt >= 0 ? reader.markerAt : reader.pos;
      while (pos + 1 < data.length && !(data[pos] === 0xff && data[pos + 1] !== 0 && (data[pos + 1] & 0xf8) !== 0xd0)) pos++;
      continue;
    }
    pos = end;
  }
  if (!frame || !out) throw corrupt('holds no frame or no scan');
  return { width: frame.width, height: frame.height, components: 1, bitsPerSample: frame.precision, samples: out };
}
