"""Weight-only quantisation of the exported ONNX graphs with the python `onnx` package alone.

int8 (`_int8` files): each big float weight initializer feeding MatMul/Gemm (B), Conv (W) or Gather (the table)
  → int8, per output channel, symmetric (scale = max|w|/127) + a `DequantizeLinear` node (with `axis`) feeding
  the op; activations stay fp32. ORT web runs DequantizeLinear on WASM and WebGPU.
q4 (`_q4` files): MatMul weights [K,N] → `com.microsoft.MatMulNBits` (bits 4, block_size 32): B uint8
  [N, n_blocks, 16] (two 4-bit codes per byte, lower k in the low nibble), scales f32 [N·n_blocks], zero points
  uint8 [N·ceil(n_blocks/2)] (packed the same way, per row n); w ≈ (q − zp)·scale, asymmetric per block, K zero-padded
  to a multiple of 32. Other weights (Conv, Gather, Gemm) are int8 as above.

Kept in fp32 in both: the LM head and the decoder's last block (`KEEP_FLOAT`). Their logits feed the beam search
directly, and the decoder's text is a chain of near-ties between phrasings: with every decoder weight in int8 the
greedy report equalled fp32's on 76 of 100 validation images, with the LM head kept fp32 on 94, and with the LM
head and the last block kept fp32 on 98 (int8 files 2.7 MB larger). The vision encoder in int8 changed none."""
import re
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

MIN_ELEMENTS = 512  # smaller weights (norms, biases, tiny matrices) stay fp32
BLOCK = 32
LAST_BLOCK = "<last>"
KEEP_FLOAT = ("/lm_head/", f"/decoder/blocks.{LAST_BLOCK}/")  # node-name prefixes whose weights stay fp32


def keep_float_prefixes(graph, patterns=KEEP_FLOAT):
    """Node-name prefixes whose weights stay fp32, with the decoder's last block index filled in."""
    blocks = [int(m.group(1)) for n in graph.node for m in [re.match(r"/decoder/blocks\.(\d+)/", n.name)] if m]
    last = str(max(blocks)) if blocks else None
    return tuple(p if LAST_BLOCK not in p else p.replace(LAST_BLOCK, last) for p in patterns
                 if LAST_BLOCK not in p or last is not None)


def quantize_int8(w, axis):
    """w float [..] → (q int8 same shape, scale f32 [w.shape[axis]]); w ≈ q · scale along axis."""
    moved = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
    amax = np.abs(moved).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def dequantize_int8(q, scale, axis):
    shape = [1] * q.ndim
    shape[axis] = -1
    return q.astype(np.float32) * scale.reshape(shape)


def _pack_nibbles(codes):
    """codes uint8 [..., 2m] in 0..15 → uint8 [..., m], element 2j in the low nibble."""
    return (codes[..., 0::2] | (codes[..., 1::2] << 4)).astype(np.uint8)


def quantize_q4(w_kn, block=BLOCK):
    """MatMul weight [K,N] → (B uint8 [N,n_blocks,block/2], scales f32 [N*n_blocks], zero_points uint8)."""
    k, n = w_kn.shape
    n_blocks = -(-k // block)
    w = np.zeros((n, n_blocks * block), np.float32)
    w[:, :k] = w_kn.T
    w = w.reshape(n, n_blocks, block)
    lo = np.minimum(w.min(axis=2), 0.0)
    hi = np.maximum(w.max(axis=2), 0.0)
    scale = np.where(hi > lo, (hi - lo) / 15.0, 1.0).astype(np.float32)  # [N,n_blocks]
    zp = np.clip(np.round(-lo / scale), 0, 15).astype(np.uint8)
    q = np.clip(np.round(w / scale[..., None]) + zp[..., None], 0, 15).astype(np.uint8)
    zp_padded = np.zeros((n, n_blocks + n_blocks % 2), np.uint8)
    zp_padded[:, :n_blocks] = zp
    return _pack_nibbles(q), scale.reshape(-1), _pack_nibbles(zp_padded).reshape(-1)


def dequantize_q4(b, scales, zero_points, k):
    """Inverse of quantize_q4 → [K,N] (the layout MatMulNBits computes with)."""
    n, n_blocks, half = b.shape
    codes = np.stack([b & 0x0F, b >> 4], axis=-1).reshape(n, n_blocks, 2 * half).astype(np.float32)
    zp = np.stack([zero_points & 0x0F, zero_points >> 4], axis=-1).reshape(n, -1)[:, :n_blocks]
    w = (codes - zp[..., None]) * scales.reshape(n, n_blocks)[..., None]
    return w.reshape(n, -1)[:, :k].T


def _weight_slots(graph, keep_float=KEEP_FLOAT):
    """→ {initializer name: [(node, input index, op, channel axis)]} for the float weights worth quantising."""
    inits = {i.name: i for i in graph.initializer}
    kept = keep_float_prefixes(graph, keep_float)
    slots = {}
    for node in graph.node:
        if kept and node.name.startswith(kept):
            continue
        if node.op_type in ("MatMul", "Gemm", "Conv"):
            idx = 1
        elif node.op_type == "Gather":
            idx = 0
        else:
            continue
        if len(node.input) <= idx or node.input[idx] not in inits:
            continue
        init = inits[node.input[idx]]
        dims = list(init.dims)
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(dims)) < MIN_ELEMENTS:
            continue
        if node.op_type in ("MatMul", "Gemm") and len(dims) != 2:
            continue
        if node.op_type == "MatMul":
            axis = 1  # [K,N]: output channel = column
        elif node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            axis = 0 if trans_b else 1
        else:
            axis = 0  # Conv [O,I,kh,kw], Gather table [V,D]
        slots.setdefault(init.name, []).append((node, idx, node.op_type, axis))
    return slots


def _consumers(graph, name):
    return sum(1 for n in graph.node for i in n.input if i == name)


def _replace_weights(graph, drop, new_nodes):
    """Drops the fp32 initializers named in `drop` and puts the DequantizeLinear nodes that replace them first."""
    kept = [i for i in graph.initializer if i.name not in drop]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = new_nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)


def quantize_graph(model, mode, keep_float=KEEP_FLOAT):
    """mode 'int8' or 'q4' → a new quantised ModelProto (the input is not modified); weights of nodes whose name
    starts with a `keep_float` prefix stay fp32."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes, drop = [], set()
    for name, uses in _weight_slots(graph, keep_float).items():
        w = numpy_helper.to_array(inits[name]).astype(np.float32)
        ops = {u[2] for u in uses}
        axes = {u[3] for u in uses}
        if len(axes) != 1 or len(uses) != _consumers(graph, name):
            continue  # used in ways we do not rewrite: leave fp32
        if mode == "q4" and ops == {"MatMul"} and len(uses) == 1 and w.shape[0] >= 16:
            node = uses[0][0]
            b, scales, zps = quantize_q4(w)
            k, n = w.shape
            graph.initializer.extend([numpy_helper.from_array(b, name + "_q4"),
                                      numpy_helper.from_array(scales, name + "_scales"),
                                      numpy_helper.from_array(zps, name + "_zp")])
            q_node = helper.make_node("MatMulNBits", [node.input[0], name + "_q4", name + "_scales", name + "_zp"],
                                      list(node.output), name=(node.name or name) + "_nbits",
                                      domain="com.microsoft", K=k, N=n, bits=4, block_size=BLOCK)
            node.CopyFrom(q_node)
        else:
            axis = axes.pop()
            q, scale = quantize_int8(w, axis)
            graph.initializer.extend([numpy_helper.from_array(q, name + "_int8"),
                                      numpy_helper.from_array(scale, name + "_scale")])
            new_nodes.append(helper.make_node("DequantizeLinear", [name + "_int8", name + "_scale"],
                                              [name + "_dq"], name=name + "_dequantize", axis=axis))
            for node, idx, _, _ in uses:
                node.input[idx] = name + "_dq"
        drop.add(name)
    _replace_weights(graph, drop, new_nodes)
    if mode == "q4" and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def quantize_model_files(fp32_paths, onnx_dir, suffixes=None):
    """{file key: fp32 path} → {precision: {file key: path}} for int8 and q4 (files written next to the fp32 ones)."""
    from .modelio import load_model_io
    suffixes = suffixes or load_model_io()["precisionSuffix"]
    out = {}
    for mode in ("int8", "q4"):
        out[mode] = {}
        for key, path in fp32_paths.items():
            q = quantize_graph(onnx.load(str(path)), mode)
            onnx.checker.check_model(q)
            stem = Path(path).stem
            stem = stem[: len(stem) - len(suffixes["fp32"])]
            dst = Path(onnx_dir) / (stem + suffixes[mode] + ".onnx")
            onnx.save(q, str(dst))
            out[mode][key] = dst
    return out


def uint8_grid(w, tol=1e-3):
    """w float → (q uint8, scale, zero_point) with w = scale·(q − zero_point) to within tol·scale, when w's values
    lie on one per-tensor 8-bit grid (weights dequantised from an asymmetric uint8 file, e.g. a TFLite *_quant
    model); else None."""
    u = np.unique(w.astype(np.float64))
    if len(u) < 2 or len(u) > 256:
        return None
    k = np.round((u - u[0]) / np.diff(u).min())  # grid index of each value (the smallest gap is one step, or a few)
    step = float(((u - u[0]) * k).sum() / (k * k).sum())  # least squares: float32 gaps scatter by ~1e-7
    if np.abs((u - u[0]) / step - k).max() > tol or k.max() > 255:
        return None
    zero = int(np.round(-u[0] / step))
    if abs(-u[0] / step - zero) > tol:
        return None
    q = np.round(w / step + zero)
    if q.min() < 0 or q.max() > 255:
        return None
    return q.astype(np.uint8), np.float32(step), np.uint8(zero)


def requantize_exact(model, node_prefix):
    """Conv weights of nodes named node_prefix… whose values lie on a per-tensor uint8 grid → that uint8 tensor and a
    DequantizeLinear: a quarter of the bytes, the same numbers (weights that are off the grid stay fp32)."""
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes, drop = [], set()
    for node in graph.node:
        if node.op_type != "Conv" or not node.name.startswith(node_prefix) or node.input[1] not in inits:
            continue
        name = node.input[1]
        grid = uint8_grid(numpy_helper.to_array(inits[name]))
        if grid is None or _consumers(graph, name) != 1:
            continue
        q, scale, zero = grid
        graph.initializer.extend([numpy_helper.from_array(q, name + "_u8"), numpy_helper.from_array(np.array(scale), name + "_scale"),
                                  numpy_helper.from_array(np.array(zero), name + "_zero")])
        new_nodes.append(helper.make_node("DequantizeLinear", [name + "_u8", name + "_scale", name + "_zero"], [name + "_dq"],
                                          name=name + "_dequantize"))
        node.input[1] = name + "_dq"
        drop.add(name)
    _replace_weights(graph, drop, new_nodes)
    return model
