"""An exported ONNX graph as a trainable PyTorch module, and its trained weights written back into the graph.

Used to fine-tune a shipped model's vision encoder when its PyTorch checkpoint is gone (robust_distill.py): the
exporter folded BatchNorm into the convolutions, so the graph's initializers are the only weights there are. The
interpreter runs the graph's nodes in order with torch ops; float initializers become parameters (or frozen
buffers), so `write_back` changes numbers only, never the graph, and the engine keeps its input/output names.

Only the operators our vision encoder export uses are implemented; any other raises OnnxTorchError naming it."""
import numpy as np
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper


class OnnxTorchError(Exception):
    """The graph uses an operator or attribute this interpreter does not implement."""


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def upstream_initializers(graph, output_name):
    """Names of the float initializers that output_name depends on."""
    init = {i.name for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    seen, stack, found = set(), [output_name], set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in init:
            found.add(name)
        elif name in producer:
            stack.extend(producer[name].input)
    return found


class OnnxModule(torch.nn.Module):
    """forward(**inputs) → {output name: tensor}. `trainable`: initializer names that become parameters."""

    def __init__(self, model_proto, trainable=()):
        super().__init__()
        self.graph = model_proto.graph
        self.slots = {}  # initializer name → attribute name (ONNX names are not valid attribute names)
        for k, t in enumerate(self.graph.initializer):
            a = numpy_helper.to_array(t)
            value = torch.from_numpy(np.array(a))
            attr = f"w{k}"
            self.slots[t.name] = attr
            if t.name in trainable and value.is_floating_point():
                self.register_parameter(attr, torch.nn.Parameter(value))
            else:
                self.register_buffer(attr, value)
        self.outputs = [o.name for o in self.graph.output]
        # parsed once: forward() runs every node each step of a training loop
        self.node_attrs = [_attrs(n) for n in self.graph.node]
        self.constants = {n.output[0]: torch.from_numpy(np.array(numpy_helper.to_array(a["value"])))
                          for n, a in zip(self.graph.node, self.node_attrs) if n.op_type == "Constant"}

    def _value(self, env, name):
        if name == "":
            return None
        if name in env:
            return env[name]
        return getattr(self, self.slots[name])

    def forward(self, **inputs):
        env = {**self.constants, **inputs}
        for node, a in zip(self.graph.node, self.node_attrs):
            if node.op_type == "Constant":
                continue
            env.update(zip(node.output, self._run(node, a, [self._value(env, n) for n in node.input])))
        return {name: env[name] for name in self.outputs}

    def _run(self, node, a, x):
        op = node.op_type
        if op == "Conv":
            if any(d != 1 for d in a.get("dilations", [1, 1])) or a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                raise OnnxTorchError(f"Conv {node.name}: dilations/auto_pad are not implemented")
            p = a.get("pads", [0, 0, 0, 0])  # [top, left, bottom, right]
            y, pad = x[0], (p[0], p[1])
            if (p[0], p[1]) != (p[2], p[3]):
                y, pad = F.pad(y, (p[1], p[3], p[0], p[2])), 0
            return [F.conv2d(y, x[1], x[2] if len(x) > 2 else None, stride=tuple(a.get("strides", [1, 1])),
                             padding=pad, groups=a.get("group", 1))]
        if op == "Identity":
            return [x[0]]
        if op == "Relu":
            return [F.relu(x[0])]
        if op == "Add":
            return [x[0] + x[1]]
        if op == "Sub":
            return [x[0] - x[1]]
        if op == "Mul":
            return [x[0] * x[1]]
        if op == "MatMul":
            return [x[0] @ x[1]]
        if op == "Cast":
            if a["to"] != 1:
                raise OnnxTorchError(f"Cast {node.name}: only to float32 is implemented")
            return [x[0].float()]
        if op == "Shape":
            return [torch.tensor(list(x[0].shape), dtype=torch.int64)]
        if op == "Slice":
            data, starts, ends = x[0], x[1], x[2]
            axes = x[3] if len(x) > 3 and x[3] is not None else torch.arange(len(starts))
            steps = x[4] if len(x) > 4 and x[4] is not None else torch.ones(len(starts), dtype=torch.int64)
            index = [slice(None)] * data.dim()
            for s, e, ax, st in zip(starts.tolist(), ends.tolist(), axes.tolist(), steps.tolist()):
                n = data.shape[ax]
                index[ax] = slice(max(-n, min(s, n)), max(-n - 1, min(e, n)), st)
            return [data[tuple(index)]]
        if op == "Concat":
            return [torch.cat(x, dim=a["axis"])]
        if op == "Reshape":
            shape = [int(v) for v in x[1].tolist()]
            shape = [x[0].shape[i] if v == 0 and not a.get("allowzero", 0) else v for i, v in enumerate(shape)]
            return [x[0].reshape(shape)]
        if op == "Transpose":
            return [x[0].permute(*a["perm"])]
        if op == "Flatten":
            axis = a.get("axis", 1)
            return [x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)]
        if op == "LayerNormalization":
            if a.get("axis", -1) != -1:
                raise OnnxTorchError(f"LayerNormalization {node.name}: only axis -1 is implemented")
            return [F.layer_norm(x[0], x[0].shape[-1:], x[1], x[2] if len(x) > 2 else None, a.get("epsilon", 1e-5))]
        if op == "ReduceMean":
            axes = a["axes"] if "axes" in a else x[1].tolist()
            return [x[0].mean(dim=tuple(axes), keepdim=bool(a.get("keepdims", 1)))]
        raise OnnxTorchError(f"operator {op} ({node.name}) is not implemented in training/onnx_torch.py")

    def write_back(self, model_proto):
        """Copies the module's current initializer values into model_proto (same names, shapes and dtypes)."""
        for t in model_proto.graph.initializer:
            value = getattr(self, self.slots[t.name]).detach().cpu().numpy()
            old = numpy_helper.to_array(t)
            if value.shape != old.shape:
                raise OnnxTorchError(f"initializer {t.name}: shape {value.shape} != graph's {old.shape}")
            t.CopyFrom(numpy_helper.from_array(value.astype(old.dtype), t.name))
        return model_proto
