// A one-node ONNX model Y = A·W (A [M,K] input, W [K,N] float32 initializer), written with a minimal protobuf
// encoder (onnxProto.ts) so a runtime's plain matmul throughput can be measured without Python: by the diagnostics
// page in the browser and by the Node and GPU benchmarks (tools/bench).
import { bytes, concat, FLOAT, int, str, valueInfo } from './onnxProto';

/** Bytes of an ONNX model computing Y[M,N] = A[M,K] · W[K,N], W filled deterministically. */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  const weights = new Float32Array(k * n);
  for (let i = 0; i < weights.length; i++) weights[i] = Math.sin(i) * 0.05;
  const initializer = concat([int(1, k), int(1, n), int(2, FLOAT), str(8, 'W'), bytes(9, new Uint8Array(weights.buffer))]);
  const node = concat([str(1, 'A'), str(1, 'W'), str(2, 'Y'), str(3, 'matmul'), str(4, 'MatMul')]);
  const graph = concat([bytes(1, node), str(2, 'matmul_bench'), bytes(5, initializer), bytes(11, valueInfo('A', [m, k])), bytes(12, valueInfo('Y', [m, n]))]);
  const opset = concat([str(1, ''), int(2, 17)]);
  return concat([int(1, 8), str(2, 'serpent-bench'), bytes(7, graph), bytes(8, opset)]);
}

/** FLOPs of one run of matmulModel(m, k, n): one multiply and one add per term. */
export function matmulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}
