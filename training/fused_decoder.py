"""The decoder as ONNX Runtime's fused operators, built from the weights rather than traced.

The traced decoder (onnx_export.DecoderExport) is ~420 nodes, ~200 after ONNX Runtime's own optimiser, most of them
shape arithmetic around attention; a decoder step is then dominated by per-kernel overhead. This graph has the same
inputs and outputs (names from src/engine/modelIO.json) but per layer only:
  Gather ×2 (beam_idx over the past) → MatMul qkv → Add bias → Split → com.microsoft.GroupQueryAttention (causal,
  past/present in [B,H,S,Dh]) → MatMul proj → com.microsoft.SkipLayerNormalization (residual + proj bias + ln2)
  → MatMul fc1 → com.microsoft.BiasGelu (exact erf GELU) → MatMul fc2 → SkipLayerNormalization (residual + fc2 bias
  + the next layer's ln1, or ln_f after the last layer).
Both ONNX Runtime WASM (the CPU kernels) and WebGPU implement these operators. Node names keep the traced graph's
prefixes (/decoder/blocks.N/…, /lm_head/…) so quantize.py keeps the same weights in fp32.

Weights come from a SerpentVLM (`weights_from_model`) or, for a model folder whose checkpoint is gone, from its traced
fp32 decoder (`weights_from_traced_onnx`); both give the same dict, keyed as below, matrices as [in, out].
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .modelio import decoder_names, load_model_io

OPSET = 17
LN_EPS = 1e-5  # nn.LayerNorm's default; SkipLayerNormalization's own default is 1e-12


def weights_from_model(model):
    """SerpentVLM → {name: float32 array} (Linear weights transposed to [in, out])."""
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    w = {"pos": sd["decoder.pos.weight"], "ln_f.g": sd["decoder.ln_f.weight"], "ln_f.b": sd["decoder.ln_f.bias"],
         "lm_head.w": sd["lm_head.weight"].T, "text.w": sd["text_head.weight"].T, "text.b": sd["text_head.bias"],
         "text_norm.mean": sd["text_norm.running_mean"],
         "text_norm.scale": 1.0 / np.sqrt(sd["text_norm.running_var"] + model.text_norm.eps)}
    for i in range(model.cfg.n_layers):
        p = f"decoder.blocks.{i}."
        for ours, theirs in (("ln1", "ln1"), ("ln2", "ln2")):
            w[f"{i}.{ours}.g"], w[f"{i}.{ours}.b"] = sd[p + theirs + ".weight"], sd[p + theirs + ".bias"]
        for ours, theirs in (("qkv", "attn.qkv"), ("proj", "attn.proj"), ("fc1", "mlp.0"), ("fc2", "mlp.2")):
            w[f"{i}.{ours}.w"], w[f"{i}.{ours}.b"] = sd[p + theirs + ".weight"].T, sd[p + theirs + ".bias"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in w.items()}


_TRACED = {  # traced node name (after /decoder/blocks.N/) → (our key, which initializer inputs: weight, bias)
    "ln1/LayerNormalization": ("ln1", ("g", "b")), "ln2/LayerNormalization": ("ln2", ("g", "b")),
    "attn/qkv/MatMul": ("qkv", ("w",)), "attn/qkv/Add": ("qkv", ("b",)),
    "attn/proj/MatMul": ("proj", ("w",)), "attn/proj/Add": ("proj", ("b",)),
    "mlp/mlp.0/MatMul": ("fc1", ("w",)), "mlp/mlp.0/Add": ("fc1", ("b",)),
    "mlp/mlp.2/MatMul": ("fc2", ("w",)), "mlp/mlp.2/Add": ("fc2", ("b",)),
}
_TRACED_TOP = {"/decoder/pos/Gather": ("pos", ("",)), "/decoder/ln_f/LayerNormalization": ("ln_f", ("g", "b")),
               "/lm_head/MatMul": ("lm_head", ("w",)), "/text_head/MatMul": ("text", ("w",)),
               "/text_head/Add": ("text", ("b",)), "/text_norm/Sub": ("text_norm", ("mean",)),
               "/text_norm/Mul": ("text_norm", ("scale",))}


def weights_from_traced_onnx(path):
    """A traced fp32 decoder_model_merged.onnx → the same dict as weights_from_model."""
    graph = onnx.load(str(path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:  # the exporter shares equal weights through Identity, and may inline Constant nodes
        if node.op_type == "Identity" and node.input[0] in inits:
            inits[node.output[0]] = inits[node.input[0]]
        elif node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            inits[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    w = {}
    for node in graph.node:
        values = [inits[i] for i in node.input if i in inits]
        if node.name in _TRACED_TOP:
            key, parts = _TRACED_TOP[node.name]
        elif node.name.startswith("/decoder/blocks."):
            layer, _, rest = node.name[len("/decoder/blocks."):].partition("/")
            if rest not in _TRACED:
                continue
            key, parts = _TRACED[rest]
            key = f"{layer}.{key}"
        else:
            continue
        if len(values) != len(parts):
            raise ValueError(f"{path}: node {node.name} has {len(values)} weight inputs, expected {len(parts)}")
        for part, value in zip(parts, values):
            w[f"{key}.{part}" if part else key] = np.ascontiguousarray(value, dtype=np.float32)
    missing = [k for k in ("pos", "ln_f.g", "lm_head.w", "text.w", "text_norm.scale", "0.qkv.w") if k not in w]
    if missing:
        raise ValueError(f"{path} is not a traced SERPENT decoder (no {', '.join(missing)})")
    return w


class _Graph:
    """Node and initializer lists with unique names."""

    def __init__(self):
        self.nodes, self.inits = [], []

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, outputs, name, domain="", **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, domain=domain, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs


def build_fused_decoder(weights, n_layers, n_heads, head_dim):
    """weights (weights_from_*) → ModelProto of decoder_model_merged with the traced graph's inputs and outputs."""
    io = load_model_io()
    in_names, out_names = decoder_names(io, n_layers)
    embeds_name, beam_name, past_names = in_names[0], in_names[1], in_names[2:]
    logits_name, text_name, present_names = out_names[0], out_names[1], out_names[2:]
    D, V = weights["pos"].shape[1], weights["lm_head.w"].shape[1]
    E = weights["text.w"].shape[1]
    g = _Graph()
    one = g.init("const_one_i64", np.array([1], np.int64))

    # positions P .. P+T-1 (P = the past's length) and GroupQueryAttention's lengths: total = P+T for every row
    past_len = g.node("Shape", [past_names[0]], ["past_len"], "/decoder/past_len", start=2, end=3)  # [1]
    new_len = g.node("Shape", [embeds_name], ["new_len"], "/decoder/new_len", start=1, end=2)  # [1]
    batch = g.node("Shape", [embeds_name], ["batch"], "/decoder/batch", start=0, end=1)  # [1]
    total = g.node("Add", [past_len, new_len], ["total_len"], "/decoder/total_len")  # [1]
    start = g.node("Squeeze", [past_len], ["pos_start"], "/decoder/pos_start")  # []
    stop = g.node("Squeeze", [total], ["pos_stop"], "/decoder/pos_stop")  # []
    positions = g.node("Range", [start, stop, g.init("const_one_scalar_i64", np.array(1, np.int64))], ["positions"],
                       "/decoder/positions")  # [T]
    pos = g.node("Gather", [g.init("decoder.pos.weight", weights["pos"]), positions], ["pos_embeds"],
                 "/decoder/pos/Gather")  # [T,D]
    x = g.node("Add", [embeds_name, pos], ["x0"], "/decoder/add_pos")  # [B,T,D]
    last = g.node("Sub", [total, one], ["last_index"], "/decoder/last_index")  # [1]
    seqlens = g.node("Expand", [g.node("Cast", [last], ["last_index_i32"], "/decoder/last_index_i32",
                                       to=TensorProto.INT32), batch], ["seqlens_k"], "/decoder/seqlens_k")  # [B]
    total_i32 = g.node("Cast", [stop], ["total_len_i32"], "/decoder/total_len_i32", to=TensorProto.INT32)  # []

    h = g.node("LayerNormalization", [x, g.init("0.ln1.g", weights["0.ln1.g"]), g.init("0.ln1.b", weights["0.ln1.b"])],
               ["h0"], "/decoder/blocks.0/ln1/LayerNormalization", axis=-1, epsilon=LN_EPS)  # [B,T,D]
    residual = x
    for i in range(n_layers):
        p = f"/decoder/blocks.{i}/"
        pk, pv = (g.node("Gather", [past_names[2 * i + j], beam_name], [f"past_{i}_{kv}"], p + f"attn/past_{kv}",
                         axis=0) for j, kv in enumerate(("key", "value")))  # [B,H,P,Dh]
        qkv = g.node("MatMul", [h, g.init(f"{i}.qkv.w", weights[f"{i}.qkv.w"])], [f"qkv_{i}_mm"], p + "attn/qkv/MatMul")
        qkv = g.node("Add", [qkv, g.init(f"{i}.qkv.b", weights[f"{i}.qkv.b"])], [f"qkv_{i}"], p + "attn/qkv/Add")
        q, k, v = g.node("Split", [qkv, g.init(f"split_{i}", np.array([D, D, D], np.int64))],
                         [f"q_{i}", f"k_{i}", f"v_{i}"], p + "attn/Split", axis=2)  # [B,T,D] each
        att, _, _ = g.node("GroupQueryAttention", [q, k, v, pk, pv, seqlens, total_i32],
                     [f"att_{i}", present_names[2 * i], present_names[2 * i + 1]], p + "attn/GroupQueryAttention",
                     domain="com.microsoft", num_heads=n_heads, kv_num_heads=n_heads,
                     scale=float(1.0 / np.sqrt(head_dim)))  # [B,T,D]; present [B,H,P+T,Dh]
        proj = g.node("MatMul", [att, g.init(f"{i}.proj.w", weights[f"{i}.proj.w"])], [f"proj_{i}"],
                      p + "attn/proj/MatMul")
        h2, _, _, residual = g.node("SkipLayerNormalization",
                                    [proj, residual, g.init(f"{i}.ln2.g", weights[f"{i}.ln2.g"]),
                                     g.init(f"{i}.ln2.b", weights[f"{i}.ln2.b"]),
                                     g.init(f"{i}.proj.b", weights[f"{i}.proj.b"])],
                                    [f"h2_{i}", "", "", f"x_mid_{i}"], p + "ln2/SkipLayerNormalization",
                                    domain="com.microsoft", epsilon=LN_EPS)
        fc1 = g.node("MatMul", [h2, g.init(f"{i}.fc1.w", weights[f"{i}.fc1.w"])], [f"fc1_{i}"], p + "mlp/mlp.0/MatMul")
        act = g.node("BiasGelu", [fc1, g.init(f"{i}.fc1.b", weights[f"{i}.fc1.b"])], [f"gelu_{i}"],
                     p + "mlp/BiasGelu", domain="com.microsoft")  # [B,T,4D]
        fc2 = g.node("MatMul", [act, g.init(f"{i}.fc2.w", weights[f"{i}.fc2.w"])], [f"fc2_{i}"], p + "mlp/mlp.2/MatMul")
        nxt = f"{i + 1}.ln1" if i + 1 < n_layers else "ln_f"
        name = f"/decoder/blocks.{i + 1}/ln1/SkipLayerNormalization" if i + 1 < n_layers else \
            "/decoder/ln_f/SkipLayerNormalization"
        outs = [f"h_{i + 1}", "", "", f"x_{i + 1}"] if i + 1 < n_layers else ["hidden"]
        res = g.node("SkipLayerNormalization", [fc2, residual, g.init(f"{nxt}.g", weights[f"{nxt}.g"]),
                                                g.init(f"{nxt}.b", weights[f"{nxt}.b"]),
                                                g.init(f"{i}.fc2.b", weights[f"{i}.fc2.b"])],
                     outs, name, domain="com.microsoft", epsilon=LN_EPS)
        h, residual = (res[0], res[3]) if i + 1 < n_layers else (res, None)

    g.node("MatMul", [h, g.init("lm_head.w", weights["lm_head.w"])], [logits_name], "/lm_head/MatMul")  # [B,T,V]
    # text_embeds = (h·W + b − mean) · scale, folded into one MatMul and Add
    scale = weights["text_norm.scale"]
    text = g.node("MatMul", [h, g.init("text.w", weights["text.w"] * scale[None, :])], ["text_mm"], "/text_head/MatMul")
    g.node("Add", [text, g.init("text.b", (weights["text.b"] - weights["text_norm.mean"]) * scale)], [text_name],
           "/text_head/Add")  # [B,T,E]

    H, Dh = n_heads, head_dim
    inputs = [helper.make_tensor_value_info(embeds_name, TensorProto.FLOAT, ["batch", "sequence", D]),
              helper.make_tensor_value_info(beam_name, TensorProto.INT64, ["batch"])]
    inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["past_batch", H, "past_sequence", Dh])
               for n in past_names]
    outputs = [helper.make_tensor_value_info(logits_name, TensorProto.FLOAT, ["batch", "sequence", V]),
               helper.make_tensor_value_info(text_name, TensorProto.FLOAT, ["batch", "sequence", E])]
    outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", H, "total_sequence", Dh])
                for n in present_names]
    graph = helper.make_graph(g.nodes, "serpent_decoder_fused", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              producer_name="serpent training/fused_decoder.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
