// A one-node ONNX model Y = A·W (A [M,K] input, W [K,N] float32 initializer), written with a minimal protobuf
// encoder so the benchmark can measure a runtime's plain matmul throughput without Python. Plain JS (no tsx)
// because scripts/bench/gpu.mjs imports it on the GPU machine. Field numbers: onnx/onnx.proto (IR 8, opset 17).

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function concat(parts) {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const int = (field, n) => Uint8Array.from([...varint((field << 3) | 0), ...varint(n)]);
const bytes = (field, payload) => concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(payload.length)]), payload]);
const str = (field, s) => bytes(field, new TextEncoder().encode(s));

const FLOAT = 1;

function valueInfo(name, dims) {
  const shape = concat(dims.map((d) => bytes(1, int(1, d)))); // TensorShapeProto.dim { dim_value }
  const tensorType = concat([int(1, FLOAT), bytes(2, shape)]); // TypeProto.Tensor { elem_type, shape }
  return concat([str(1, name), bytes(2, bytes(1, tensorType))]); // ValueInfoProto { name, type { tensor_type } }
}

/** Bytes of an ONNX model computing Y[M,N] = A[M,K] · W[K,N], W filled deterministically. */
export function matmulModel(m, k, n) {
  const weights = new Float32Array(k * n);
  for (let i = 0; i < weights.length; i++) weights[i] = Math.sin(i) * 0.05;
  const initializer = concat([int(1, k), int(1, n), int(2, FLOAT), str(8, 'W'), bytes(9, new Uint8Array(weights.buffer))]);
  const node = concat([str(1, 'A'), str(1, 'W'), str(2, 'Y'), str(3, 'matmul'), str(4, 'MatMul')]);
  const graph = concat([bytes(1, node), str(2, 'matmul_bench'), bytes(5, initializer), bytes(11, valueInfo('A', [m, k])), bytes(12, valueInfo('Y', [m, n]))]);
  const opset = concat([str(1, ''), int(2, 17)]);
  return concat([int(1, 8), str(2, 'serpent-bench'), bytes(7, graph), bytes(8, opset)]);
}

/** FLOPs of one run of matmulModel(m, k, n): one multiply and one add per term. */
export function matmulFlops(m, k, n) {
  return 2 * m * k * n;
}
