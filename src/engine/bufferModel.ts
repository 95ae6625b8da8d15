// A model whose outputs are zero tensors of given shapes, to have ONNX Runtime allocate GPU buffers (outputs with
// preferredOutputLocation 'gpu-buffer'). onnxruntime-web keeps buffers it allocated registered for their tensor's
// life, where a buffer the page made is registered for one run and released after it; a captured graph replays on
// the buffers of its first run, so its inputs and outputs must be buffers that outlive every run.
import { bytes, concat, FLOAT, INT32, INT64, int, str, valueInfo } from './onnxProto';

export interface BufferSpec {
  name: string;
  dims: number[];
  dataType: 'float32' | 'int32';
}

const attributeInt = (name: string, value: number): Uint8Array => concat([str(1, name), int(3, value), int(20, 2)]); // AttributeProto { name, i, type INT }

function node(inputs: string[], outputs: string[], name: string, op: string, attributes: Uint8Array[] = []): Uint8Array {
  return concat([...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op), ...attributes.map((a) => bytes(5, a))]);
}

/** Bytes of a model with input `zero` float32 [1] (feed 0) and one output per spec: `zero` expanded to its dims. */
export function bufferModel(specs: readonly BufferSpec[]): Uint8Array {
  const nodes: Uint8Array[] = [];
  const inits: Uint8Array[] = [];
  specs.forEach((s, i) => {
    const shape = BigInt64Array.from(s.dims, (d) => BigInt(d));
    inits.push(concat([int(1, s.dims.length), int(2, INT64), str(8, `shape_${i}`), bytes(9, new Uint8Array(shape.buffer))]));
    const expanded = s.dataType === 'float32' ? s.name : `expanded_${i}`;
    nodes.push(node(['zero', `shape_${i}`], [expanded], `expand_${i}`, 'Expand'));
    if (s.dataType === 'int32') nodes.push(node([expanded], [s.name], `cast_${i}`, 'Cast', [attributeInt('to', INT32)]));
  });
  const outputs = specs.map((s) => bytes(12, valueInfo(s.name, s.dims, s.dataType === 'float32' ? FLOAT : INT32)));
  const graph = concat([
    ...nodes.map((n) => bytes(1, n)),
    str(2, 'gpu_buffers'),
    ...inits.map((t) => bytes(5, t)),
    bytes(11, valueInfo('zero', [1])),
    ...outputs,
  ]);
  return concat([int(1, 8), str(2, 'serpent-buffers'), bytes(7, graph), bytes(8, concat([str(1, ''), int(2, 17)]))]);
}
