// NumPy .npy files (format v1.0, C order, little-endian): write uint8 / int32 / float32 arrays, and parse
// headers back (tests, sanity checks). Streaming writer for arrays too big to hold twice in memory.
import fs from 'node:fs';

export type NpyDtype = 'uint8' | 'int32' | 'float32';
type NpyData = Uint8Array | Int32Array | Float32Array;
const DESCR: Record<NpyDtype, string> = { uint8: '|u1', int32: '<i4', float32: '<f4' };
const ITEM_BYTES: Record<NpyDtype, number> = { uint8: 1, int32: 4, float32: 4 };
const ARRAY_OF: Record<NpyDtype, Uint8ArrayConstructor | Int32ArrayConstructor | Float32ArrayConstructor> = {
  uint8: Uint8Array,
  int32: Int32Array,
  float32: Float32Array,
};
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export class NpyError extends Error {
  override name = 'NpyError';
}

/** The v1.0 header (magic, version, length, dict padded with spaces to a multiple of 64, newline). */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const pad = (64 - (unpadded % 64)) % 64;
  const headerText = `${dict + ' '.repeat(pad)}\n`;
  if (headerText.length > 0xffff) throw new NpyError(`npy header too long for v1.0 (shape ${shapeText})`);
  const out = Buffer.alloc(MAGIC.length + 4 + headerText.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(headerText.length, 8);
  out.write(headerText, 10, 'latin1');
  return out;
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function dataBytes(dtype: NpyDtype, data: NpyData): Buffer {
  if (!(data instanceof ARRAY_OF[dtype])) throw new NpyError(`${dtype} .npy needs a ${ARRAY_OF[dtype].name}`);
  // Little-endian hosts only (x86, ARM); typed arrays are host-endian.
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Whole array to bytes. */
export function encodeNpy(dtype: NpyDtype, shape: readonly number[], data: NpyData): Buffer {
  if (data.length !== count(shape)) {
    throw new NpyError(`npy data has ${data.length} elements but shape [${shape.join(',')}] needs ${count(shape)}`);
  }
  return Buffer.concat([npyHeader(dtype, shape), dataBytes(dtype, data)]);
}

export function writeNpy(file: string, dtype: NpyDtype, shape: readonly number[], data: NpyData): void {
  fs.writeFileSync(file, encodeNpy(dtype, shape, data));
}

/** Writes rows one by one; checks on close that exactly shape[0] rows of the right size came. */
export class NpyStreamWriter {
  private readonly fd: number;
  private rows = 0;
  private readonly rowElems: number;

  constructor(
    readonly file: string,
    readonly dtype: NpyDtype,
    readonly shape: readonly number[],
  ) {
    this.rowElems = count(shape.slice(1));
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, npyHeader(dtype, shape));
  }

  write(row: NpyData): void {
    if (row.length % this.rowElems !== 0 || row.length === 0) {
      throw new NpyError(`${this.file}: chunk of ${row.length} elements is not whole rows of ${this.rowElems}`);
    }
    fs.writeSync(this.fd, dataBytes(this.dtype, row));
    this.rows += row.length / this.rowElems;
  }

  close(): void {
    fs.closeSync(this.fd);
    if (this.rows !== this.shape[0]) {
      throw new NpyError(`${this.file}: wrote ${this.rows} rows, header says ${this.shape[0]}`);
    }
  }
}

export interface NpyArray {
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  dataOffset: number;
  data: NpyData;
}

/** Parse a .npy buffer (v1/v2, |u1, <i4 or <f4, C order). */
export function parseNpy(buf: Buffer): NpyArray {
  if (!buf.subarray(0, 6).equals(MAGIC)) throw new NpyError('not a .npy file (bad magic)');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new NpyError(`unreadable .npy header: ${header}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const dataOffset = start + headerLen;
  const bytes = buf.subarray(dataOffset);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  let data: NpyData;
  if (descr === '|u1') data = copy;
  else if (descr === '<i4') data = new Int32Array(copy.buffer, 0, copy.length / 4);
  else if (descr === '<f4') data = new Float32Array(copy.buffer, 0, copy.length / 4);
  else throw new NpyError(`unsupported dtype ${descr}`);
  if (data.length !== count(shape)) throw new NpyError(`.npy holds ${data.length} elements, shape needs ${count(shape)}`);
  return { dtype: descr, shape, fortranOrder: fortran === 'True', dataOffset, data };
}

export const npyItemBytes = ITEM_BYTES;
