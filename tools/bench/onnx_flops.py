"""FLOPs of an ONNX graph at fixed input shapes: 2 per multiply-add of Conv, MatMul and Gemm (other ops are
lower order), after onnx shape inference. Used by `npm run bench` for an exact roofline when the manifest's
architecture does not say enough (run with Debian's /usr/bin/python3, which has onnx).

usage: onnx_flops.py MODEL.onnx NAME=d0,d1,... [NAME=...]   → prints {"flops": N, "by_op": {...}} as JSON
"""
import json
import sys

import onnx
from onnx import shape_inference


def dims_of(value_info):
    return [d.dim_value if d.HasField("dim_value") else None for d in value_info.type.tensor_type.shape.dim]


def count(model_path, shapes):
    model = onnx.load(model_path, load_external_data=False)
    graph = model.graph
    for inp in graph.input:
        if inp.name in shapes:
            dims = inp.type.tensor_type.shape.dim
            for d, v in zip(dims, shapes[inp.name]):
                d.ClearField("dim_param")
                d.dim_value = v
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    known = {vi.name: dims_of(vi) for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output)}
    for init in inferred.graph.initializer:
        known[init.name] = list(init.dims)
    total, by_op = 0, {}
    for node in inferred.graph.node:
        out = known.get(node.output[0])
        if node.op_type == "Conv":
            w = known.get(node.input[1])
            if not out or not w or None in out or None in w:
                raise SystemExit(f"unknown shape at Conv {node.name}")
            flops = 2 * out[0] * out[1] * out[2] * out[3] * w[1] * w[2] * w[3]
        elif node.op_type in ("MatMul", "Gemm"):
            a = known.get(node.input[0])
            if not out or not a or None in out or None in a:
                raise SystemExit(f"unknown shape at {node.op_type} {node.name}")
            k = a[-1] if node.op_type == "MatMul" or not any(at.name == "transA" and at.i for at in node.attribute) else a[-2]
            n_out = 1
            for v in out:
                n_out *= v
            flops = 2 * n_out * k
        else:
            continue
        total += flops
        by_op[node.op_type] = by_op.get(node.op_type, 0) + flops
    return {"flops": total, "by_op": by_op}


if __name__ == "__main__":
    shapes = {}
    for arg in sys.argv[2:]:
        name, dims = arg.split("=", 1)
        shapes[name] = [int(x) for x in dims.split(",")]
    print(json.dumps(count(sys.argv[1], shapes)))
