// A minimal protobuf encoder for small ONNX models built in JS (no Python at run time). Field numbers:
// onnx/onnx.proto (IR 8, opset 17).

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const int = (field: number, n: number): Uint8Array => Uint8Array.from([...varint((field << 3) | 0), ...varint(n)]);
export const bytes = (field: number, payload: Uint8Array): Uint8Array =>
  concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
export const str = (field: number, s: string): Uint8Array => bytes(field, new TextEncoder().encode(s));

export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;

export function valueInfo(name: string, dims: number[], elemType = FLOAT): Uint8Array {
  const shape = concat(dims.map((d) => bytes(1, int(1, d)))); // TensorShapeProto.dim { dim_value }
  const tensorType = concat([int(1, elemType), bytes(2, shape)]); // TypeProto.Tensor { elem_type, shape }
  return concat([str(1, name), bytes(2, bytes(1, tensorType))]); // ValueInfoProto { name, type { tensor_type } }
}
