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

With `shared_prefix` ("fused-prefix" in the manifest) the image prefix's keys and values are extra inputs
(prefix_key_values.*, [1,H,N,Dh]) that every beam row shares, and past/present hold only the report tokens. A first call
(empty prefix, empty past) returns the prefix's cache as present.*; the caller passes it as the prefix from then on.
A cached step then copies, reorders and returns B×(report length) rows of cache instead of B×(N + report length):
in onnxruntime-web the cache crosses the JS/WASM boundary twice a step. Attention is written out (GroupQueryAttention
takes one cache): scores against the prefix (broadcast over rows) and against the report's keys under a causal mask,
one softmax over both, and the two weighted sums added. The fused-prefix graph also outputs new.*, the new tokens' keys
and values ([B,H,T,Dh]), so that a CPU caller can keep the cache itself and fetch only those (src/engine/kvDecoder.ts):
onnxruntime-web copies every fetched output into a freshly allocated array.

Weights come from a SerpentVLM (`weights_from_model`) or, for a model folder whose checkpoint is gone, from its traced
fp32 decoder (`weights_from_traced_onnx`); both give the same dict, keyed as below, matrices as [in, out].
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .modelio import decoder_names, load_model_io, new_kv_names, prefix_names

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


def weights_from_fused_onnx(path):
    """A fused fp32 decoder_model_merged.onnx (either cache layout) → the dict of weights_from_model, with the text
    normalisation already folded into text.w / text.b (so text_norm is the identity)."""
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    if "decoder.pos.weight" not in inits or "0.qkv.w" not in inits:
        raise ValueError(f"{path} is not a fused SERPENT decoder (no decoder.pos.weight / 0.qkv.w initializers)")
    w = {"pos": inits["decoder.pos.weight"], "ln_f.g": inits["ln_f.g"], "ln_f.b": inits["ln_f.b"],
         "lm_head.w": inits["lm_head.w"], "text.w": inits["text.w"], "text.b": inits["text.b"],
         "text_norm.mean": np.zeros(inits["text.b"].shape, np.float32),
         "text_norm.scale": np.ones(inits["text.b"].shape, np.float32)}
    layer = 0
    while f"{layer}.qkv.w" in inits:
        for key in ("ln1.g", "ln1.b", "ln2.g", "ln2.b", "qkv.w", "qkv.b", "proj.w", "proj.b", "fc1.w", "fc1.b", "fc2.w",
                    "fc2.b"):
            w[f"{layer}.{key}"] = inits[f"{layer}.{key}"]
        layer += 1
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in w.items()}


class _Graph:
    """Node and initializer lists with unique names."""

    def __init__(self):
        self.nodes, self.inits, self.init_names = [], [], {}

    def init(self, name, array):
        """Adds an initializer once; a later call with the same name and value (a per-layer constant) reuses it."""
        array = np.asarray(array)
        if name in self.init_names:
            if not np.array_equal(self.init_names[name], array):
                raise ValueError(f"initializer {name} was already added with another value")
            return name
        self.init_names[name] = array
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def node(self, op, inputs, outputs, name, domain="", **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, domain=domain, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs


def qkv_projection(g, weights, i, h, d_model):
    """Layer i's q, k, v [B,T,D] each from its normalised input h [B,T,D]."""
    p = f"/decoder/blocks.{i}/"
    qkv = g.node("MatMul", [h, g.init(f"{i}.qkv.w", weights[f"{i}.qkv.w"])], [f"qkv_{i}_mm"], p + "attn/qkv/MatMul")
    qkv = g.node("Add", [qkv, g.init(f"{i}.qkv.b", weights[f"{i}.qkv.b"])], [f"qkv_{i}"], p + "attn/qkv/Add")
    return g.node("Split", [qkv, g.init(f"split_{i}", np.array([d_model] * 3, np.int64))],
                  [f"q_{i}", f"k_{i}", f"v_{i}"], p + "attn/Split", axis=2)


def mlp_block(g, weights, i, n_layers, att, residual):
    """Layer i after attention [B,T,D]: projection, residual + ln2, the MLP, residual + the next layer's ln1 (ln_f after
    the last) → (the next layer's input h, the residual stream; after the last layer (the final hidden, None))."""
    p = f"/decoder/blocks.{i}/"
    proj = g.node("MatMul", [att, g.init(f"{i}.proj.w", weights[f"{i}.proj.w"])], [f"proj_{i}"], p + "attn/proj/MatMul")
    h2, _, _, residual = g.node("SkipLayerNormalization",
                                [proj, residual, g.init(f"{i}.ln2.g", weights[f"{i}.ln2.g"]),
                                 g.init(f"{i}.ln2.b", weights[f"{i}.ln2.b"]), g.init(f"{i}.proj.b", weights[f"{i}.proj.b"])],
                                [f"h2_{i}", "", "", f"x_mid_{i}"], p + "ln2/SkipLayerNormalization",
                                domain="com.microsoft", epsilon=LN_EPS)
    fc1 = g.node("MatMul", [h2, g.init(f"{i}.fc1.w", weights[f"{i}.fc1.w"])], [f"fc1_{i}"], p + "mlp/mlp.0/MatMul")
    act = g.node("BiasGelu", [fc1, g.init(f"{i}.fc1.b", weights[f"{i}.fc1.b"])], [f"gelu_{i}"], p + "mlp/BiasGelu",
                 domain="com.microsoft")  # [B,T,4D]
    fc2 = g.node("MatMul", [act, g.init(f"{i}.fc2.w", weights[f"{i}.fc2.w"])], [f"fc2_{i}"], p + "mlp/mlp.2/MatMul")
    last = i + 1 == n_layers
    nxt = "ln_f" if last else f"{i + 1}.ln1"
    name = "/decoder/ln_f/SkipLayerNormalization" if last else f"/decoder/blocks.{i + 1}/ln1/SkipLayerNormalization"
    outs = ["hidden"] if last else [f"h_{i + 1}", "", "", f"x_{i + 1}"]
    res = g.node("SkipLayerNormalization", [fc2, residual, g.init(f"{nxt}.g", weights[f"{nxt}.g"]),
                                            g.init(f"{nxt}.b", weights[f"{nxt}.b"]),
                                            g.init(f"{i}.fc2.b", weights[f"{i}.fc2.b"])],
                 outs, name, domain="com.microsoft", epsilon=LN_EPS)
    return (res, None) if last else (res[0], res[3])


def heads_out(g, weights, h, logits_name, text_name):
    """The final hidden h [B,T,D] → logits [B,T,V] and text_embeds [B,T,E]."""
    g.node("MatMul", [h, g.init("lm_head.w", weights["lm_head.w"])], [logits_name], "/lm_head/MatMul")
    # text_embeds = (h·W + b − mean) · scale, folded into one MatMul and Add
    scale = weights["text_norm.scale"]
    text = g.node("MatMul", [h, g.init("text.w", weights["text.w"] * scale[None, :])], ["text_mm"], "/text_head/MatMul")
    g.node("Add", [text, g.init("text.b", (weights["text.b"] - weights["text_norm.mean"]) * scale)], [text_name],
           "/text_head/Add")


def _causal_bias(g, text_past_len, new_len):
    """[T, t+T] additive mask over the report part: row i (position t+i) sees columns j <= t+i, else −1e30."""
    t = g.node("Squeeze", [text_past_len], ["mask_t"], "/decoder/mask/t")  # []
    T = g.node("Squeeze", [new_len], ["mask_T"], "/decoder/mask/T")  # []
    zero = g.init("const_zero_scalar_i64", np.array(0, np.int64))
    step = g.init("const_one_scalar_i64", np.array(1, np.int64))
    rows = g.node("Add", [g.node("Range", [zero, T, step], ["mask_i"], "/decoder/mask/i"), t], ["mask_row_last"],
                  "/decoder/mask/row_last")  # [T]: the last column each row may see
    rows = g.node("Unsqueeze", [rows, g.init("const_axis1_i64", np.array([1], np.int64))], ["mask_rows"],
                  "/decoder/mask/rows")  # [T,1]
    cols = g.node("Range", [zero, g.node("Add", [t, T], ["mask_tT"], "/decoder/mask/tT"), step], ["mask_cols"],
                  "/decoder/mask/cols")  # [t+T]
    future = g.node("Greater", [cols, rows], ["mask_future"], "/decoder/mask/future")  # [T,t+T]
    return g.node("Where", [future, g.init("const_neg_big_f32", np.array(-1e30, np.float32)),
                            g.init("const_zero_f32", np.array(0.0, np.float32))], ["causal_bias"], "/decoder/mask/bias")


def _prefix_attention(g, i, q, k, v, past_k, past_v, prefix_k, prefix_v, present_k, present_v, new_k, new_v, bias,
                      n_heads, head_dim):
    """Causal attention of q [B,T,D] over [prefix ; past ; new] with the prefix shared by every row → [B,T,D]. The new
    tokens' keys and values are the tensors named new_k, new_v ([B,H,T,Dh]), which the graph also outputs."""
    p = f"/decoder/blocks.{i}/attn/"
    split_heads = g.init("const_bthd_shape", np.array([0, 0, n_heads, head_dim], np.int64))

    def heads(x, name, out=None):  # [B,T,D] → [B,H,T,Dh]
        x = g.node("Reshape", [x, split_heads], [f"{name}_{i}_bthd"], p + f"{name}/Reshape")
        return g.node("Transpose", [x], [out or f"{name}_{i}_bhtd"], p + f"{name}/Transpose", perm=[0, 2, 1, 3])

    q = g.node("Mul", [q, g.init("const_attn_scale", np.array(1.0 / np.sqrt(head_dim), np.float32))], [f"qs_{i}"],
               p + "q/scale")
    qh, kh, vh = heads(q, "q"), heads(k, "k", new_k), heads(v, "v", new_v)
    keys = g.node("Concat", [past_k, kh], [present_k], p + "present_key", axis=2)  # [B,H,t+T,Dh]
    values = g.node("Concat", [past_v, vh], [present_v], p + "present_value", axis=2)
    to_kt = {"perm": [0, 1, 3, 2]}
    s_prefix = g.node("MatMul", [qh, g.node("Transpose", [prefix_k], [f"prefix_kt_{i}"], p + "prefix_kt", **to_kt)],
                      [f"scores_prefix_{i}"], p + "scores_prefix")  # [B,H,T,N] (the prefix broadcast over rows)
    s_text = g.node("MatMul", [qh, g.node("Transpose", [keys], [f"kt_{i}"], p + "kt", **to_kt)], [f"scores_text_{i}"],
                    p + "scores_text")  # [B,H,T,t+T]
    s_text = g.node("Add", [s_text, bias], [f"scores_text_masked_{i}"], p + "scores_mask")
    probs = g.node("Softmax", [g.node("Concat", [s_prefix, s_text], [f"scores_{i}"], p + "scores", axis=3)],
                   [f"probs_{i}"], p + "Softmax", axis=-1)
    n_prefix = g.node("Shape", [prefix_k], [f"n_prefix_{i}"], p + "n_prefix", start=2, end=3)  # [1]
    zero, one = g.init("const_zero_i64", np.array([0], np.int64)), g.init("const_one_i64", np.array([1], np.int64))
    axis3 = g.init("const_axis3_i64", np.array([3], np.int64))
    w_prefix = g.node("Slice", [probs, zero, n_prefix, axis3], [f"probs_prefix_{i}"], p + "probs_prefix")  # [B,H,T,N]
    w_text = g.node("Slice", [probs, n_prefix, g.init("const_int64_max", np.array([np.iinfo(np.int64).max], np.int64)),
                              axis3], [f"probs_text_{i}"], p + "probs_text")  # [B,H,T,t+T]
    # One zero weight and one zero value row after the prefix: the sum is unchanged, and on the first call (an empty
    # prefix) the product keeps an inner size of 1; WebGPU's MatMul cannot bind an inner size of 0.
    zero_f = g.init("const_zero_f32", np.array(0.0, np.float32))
    first_w = g.node("Slice", [w_text, zero, one, axis3], [f"probs_first_{i}"], p + "pad_w/Slice")  # [B,H,T,1]
    first_v = g.node("Slice", [vh, g.init("const_zeros2_i64", np.array([0, 0], np.int64)),
                               g.init("const_ones2_i64", np.array([1, 1], np.int64)),
                               g.init("const_axes02_i64", np.array([0, 2], np.int64))], [f"v_first_{i}"],
                     p + "pad_v/Slice")  # [1,H,1,Dh]
    w_prefix = g.node("Concat", [w_prefix, g.node("Mul", [first_w, zero_f], [f"pad_w_{i}"], p + "pad_w")],
                      [f"probs_prefix_pad_{i}"], p + "pad_w/Concat", axis=3)  # [B,H,T,N+1]
    v_prefix = g.node("Concat", [prefix_v, g.node("Mul", [first_v, zero_f], [f"pad_v_{i}"], p + "pad_v")],
                      [f"prefix_v_pad_{i}"], p + "pad_v/Concat", axis=2)  # [1,H,N+1,Dh]
    out = g.node("Add", [g.node("MatMul", [w_prefix, v_prefix], [f"att_prefix_{i}"], p + "att_prefix"),
                         g.node("MatMul", [w_text, values], [f"att_text_{i}"], p + "att_text")], [f"att_h_{i}"],
                 p + "att_sum")  # [B,H,T,Dh]
    out = g.node("Transpose", [out], [f"att_bthd_{i}"], p + "att/Transpose", perm=[0, 2, 1, 3])
    return g.node("Reshape", [out, g.init("const_btd_shape", np.array([0, 0, n_heads * head_dim], np.int64))],
                  [f"att_{i}"], p + "att/Reshape")


def new_kv_outputs(names, n_heads, head_dim):
    """The new.* graph outputs: [B,H,T,Dh] each."""
    return [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", n_heads, "sequence", head_dim])
            for n in names]


def add_new_kv_outputs(model, n_layers, n_heads, head_dim):
    """A fused-prefix decoder built before the new.* outputs existed → the same graph with them (in place; weights and
    every computation untouched): each layer's k/v after the head split (k_{i}_bhtd, v_{i}_bhtd) renamed to
    new.{i}.key/value and listed as outputs. Returns False, changing nothing, when the graph has them already."""
    names = new_kv_names(load_model_io(), n_layers)
    if names[0] in {o.name for o in model.graph.output}:
        return False
    rename = {f"{kv}_{i}_bhtd": names[2 * i + j] for i in range(n_layers) for j, kv in enumerate(("k", "v"))}
    produced = {o for n in model.graph.node for o in n.output}
    missing = sorted(set(rename) - produced)
    if missing:
        raise ValueError(f"not a fused-prefix decoder of {n_layers} layers: no {', '.join(missing)}")
    for node in model.graph.node:
        node.input[:] = [rename.get(x, x) for x in node.input]
        node.output[:] = [rename.get(x, x) for x in node.output]
    model.graph.output.extend(new_kv_outputs(names, n_heads, head_dim))
    return True


def build_fused_decoder(weights, n_layers, n_heads, head_dim, shared_prefix=False):
    """weights (weights_from_*) → ModelProto of decoder_model_merged with the traced graph's inputs and outputs, plus
    the prefix_key_values.* inputs and the new.* outputs (the new tokens' keys and values) when shared_prefix."""
    io = load_model_io()
    in_names, out_names = decoder_names(io, n_layers)
    embeds_name, beam_name, past_names = in_names[0], in_names[1], in_names[2:]
    logits_name, text_name, present_names = out_names[0], out_names[1], out_names[2:]
    prefix = prefix_names(io, n_layers) if shared_prefix else []
    new_kv = new_kv_names(io, n_layers) if shared_prefix else []
    D, V = weights["pos"].shape[1], weights["lm_head.w"].shape[1]
    E = weights["text.w"].shape[1]
    g = _Graph()
    one = g.init("const_one_i64", np.array([1], np.int64))

    # positions P .. P+T-1 (P = the cached length: the prefix's, when shared, plus the past's) and GroupQueryAttention's
    # lengths: total = P+T for every row
    new_len = g.node("Shape", [embeds_name], ["new_len"], "/decoder/new_len", start=1, end=2)  # [1]
    if shared_prefix:
        text_past_len = g.node("Shape", [past_names[0]], ["text_past_len"], "/decoder/text_past_len", start=2, end=3)
        prefix_len = g.node("Shape", [prefix[0]], ["prefix_len"], "/decoder/prefix_len", start=2, end=3)
        past_len = g.node("Add", [prefix_len, text_past_len], ["past_len"], "/decoder/past_len")  # [1]
    else:
        past_len = g.node("Shape", [past_names[0]], ["past_len"], "/decoder/past_len", start=2, end=3)  # [1]
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
    if shared_prefix:
        bias = _causal_bias(g, text_past_len, new_len)
    else:
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
        q, k, v = qkv_projection(g, weights, i, h, D)  # [B,T,D] each
        if shared_prefix:
            att = _prefix_attention(g, i, q, k, v, pk, pv, prefix[2 * i], prefix[2 * i + 1], present_names[2 * i],
                                    present_names[2 * i + 1], new_kv[2 * i], new_kv[2 * i + 1], bias, n_heads,
                                    head_dim)  # [B,T,D]; present [B,H,t+T,Dh]; new [B,H,T,Dh]
        else:
            att, _, _ = g.node("GroupQueryAttention", [q, k, v, pk, pv, seqlens, total_i32],
                               [f"att_{i}", present_names[2 * i], present_names[2 * i + 1]],
                               p + "attn/GroupQueryAttention", domain="com.microsoft", num_heads=n_heads,
                               kv_num_heads=n_heads, scale=float(1.0 / np.sqrt(head_dim)))  # [B,T,D]; present [B,H,P+T,Dh]
        h, residual = mlp_block(g, weights, i, n_layers, att, residual)  # [B,T,D]; None after the last layer
    heads_out(g, weights, h, logits_name, text_name)

    H, Dh = n_heads, head_dim
    inputs = [helper.make_tensor_value_info(embeds_name, TensorProto.FLOAT, ["batch", "sequence", D]),
              helper.make_tensor_value_info(beam_name, TensorProto.INT64, ["batch"])]
    inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["past_batch", H, "past_sequence", Dh])
               for n in past_names]
    inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["prefix_batch", H, "prefix_sequence", Dh])
               for n in prefix]
    outputs = [helper.make_tensor_value_info(logits_name, TensorProto.FLOAT, ["batch", "sequence", V]),
               helper.make_tensor_value_info(text_name, TensorProto.FLOAT, ["batch", "sequence", E])]
    outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", H, "total_sequence", Dh])
                for n in present_names]
    outputs += new_kv_outputs(new_kv, H, Dh)
    graph = helper.make_graph(g.nodes, "serpent_decoder_fused_prefix" if shared_prefix else "serpent_decoder_fused", inputs,
                              outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              producer_name="serpent training/fused_decoder.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
