"""A decoder step of fixed shapes for WebGPU graph capture, built from the same weights as the fused decoder.

onnxruntime-web's WebGPU provider can record one session run's GPU commands and replay them (`enableGraphCapture`),
so a decoder step costs one submission instead of one dispatch per kernel. Replay needs every input and output at the
same shape and in the same GPU buffer on every run, so this graph keeps a cache of fixed length, as web-llm does:

  inputs   inputs_embeds [B,1,D]; beam_idx [B] int32; cache_position [1] int32 (the slot of the new token: image
           prefix + BOS + report tokens so far); past_key_values.{i}.key/value [B,H,S,Dh], S = the model's positions
  outputs  logits [B,1,V]; text_embeds [B,1,E]; present.{i}.key/value [B,H,S,Dh]

Per layer: Gather ×2 (beam_idx over the past) → the new key and value written into slot cache_position (Where over a
one-hot of the slots, a fixed shape whatever the position) → attention over all S slots under a mask that hides the
slots after cache_position → the fused decoder's projection, SkipLayerNormalization, BiasGelu and heads. Slots after
cache_position are never read, so a caller may leave anything there.

The image prefix is not this graph's job: the engine runs the fused-prefix decoder's first call (shapes that change
with the image count are not replayable anyway) and copies its present.* into slots 0..N of row 0.

  python -m training.static_decoder --model public/models/serpent-cxr
  [--precisions int8,q4,fp32]
writes onnx/decoder_static{_int8,_q4,}.onnx beside the decoder of each precision (default: the manifest's default, the
one the page downloads), checked against it in onnxruntime-node (max |Δ logits| over a prefix call and cached steps with
reordered beams), and lists them as files.<precision>.decoder_static with architecture.static_cache_length.
"""
import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from .decoder_calls import first_feeds, next_feeds
from .fuse_model import SESSION, TOLERANCE  # as fuse_model checks a rewritten decoder
from .fused_decoder import LN_EPS, OPSET, _Graph, heads_out, mlp_block, qkv_projection, weights_from_fused_onnx
from .manifest import file_entry, read_folder_manifest, write_manifest
from .modelio import decoder_names, load_model_io, onnx_file_name
from .ort_node import run_onnx
from .quantize import quantize_graph



class StaticDecoderError(RuntimeError):
    """The folder has no fused-prefix decoder to build from, or the static graph disagrees with it."""


def static_names(io, n_layers):
    """→ (input names, output names) of decoder_static in graph order."""
    in_names, out_names = decoder_names(io, n_layers)
    return in_names[:2] + [io["decoder"]["inputs"]["cachePosition"]] + in_names[2:], out_names


def _attention(g, i, q, k, v, pk, pv, write, bias, n_heads, head_dim, present_k, present_v):
    """q, k, v [B,1,D] of the new token; pk, pv [B,H,S,Dh] reordered past → attention output [B,1,D]; present.*
    [B,H,S,Dh] = the past with slot cache_position replaced by k, v."""
    p = f"/decoder/blocks.{i}/attn/"
    split_heads = g.init("const_bthd_shape", np.array([0, 0, n_heads, head_dim], np.int64))

    def heads(x, name):  # [B,1,D] → [B,H,1,Dh]
        x = g.node("Reshape", [x, split_heads], [f"{name}_{i}_bthd"], p + f"{name}/Reshape")
        return g.node("Transpose", [x], [f"{name}_{i}_bhtd"], p + f"{name}/Transpose", perm=[0, 2, 1, 3])

    q = g.node("Mul", [q, g.init("const_attn_scale", np.array(1.0 / np.sqrt(head_dim), np.float32))], [f"qs_{i}"],
               p + "q/scale")
    keys = g.node("Where", [write, heads(k, "k"), pk], [present_k], p + "present_key")  # [B,H,S,Dh]
    values = g.node("Where", [write, heads(v, "v"), pv], [present_v], p + "present_value")  # [B,H,S,Dh]
    scores = g.node("MatMul", [heads(q, "q"), g.node("Transpose", [keys], [f"kt_{i}"], p + "kt", perm=[0, 1, 3, 2])],
                    [f"scores_{i}"], p + "scores")  # [B,H,1,S]
    probs = g.node("Softmax", [g.node("Add", [scores, bias], [f"scores_masked_{i}"], p + "scores_mask")],
                   [f"probs_{i}"], p + "Softmax", axis=-1)
    out = g.node("MatMul", [probs, values], [f"att_h_{i}"], p + "att")  # [B,H,1,Dh]
    out = g.node("Transpose", [out], [f"att_bthd_{i}"], p + "att/Transpose", perm=[0, 2, 1, 3])
    return g.node("Reshape", [out, g.init("const_btd_shape", np.array([0, 0, n_heads * head_dim], np.int64))],
                  [f"att_{i}"], p + "att/Reshape")


def build_static_decoder(weights, n_layers, n_heads, head_dim):
    """weights (fused_decoder.weights_from_*) → ModelProto of decoder_static; the cache holds S = the positional
    table's rows."""
    io = load_model_io()
    in_names, out_names = static_names(io, n_layers)
    embeds_name, beam_name, position_name, past_names = in_names[0], in_names[1], in_names[2], in_names[3:]
    logits_name, text_name, present_names = out_names[0], out_names[1], out_names[2:]
    S, D = weights["pos"].shape
    V, E = weights["lm_head.w"].shape[1], weights["text.w"].shape[1]
    H, Dh = n_heads, head_dim
    g = _Graph()
    slots = g.init("const_slots_i32", np.arange(S, dtype=np.int32))  # [S]
    pos = g.node("Gather", [g.init("decoder.pos.weight", weights["pos"]), position_name], ["pos_embeds"],
                 "/decoder/pos/Gather")  # [1,D]
    x = g.node("Add", [embeds_name, pos], ["x0"], "/decoder/add_pos")  # [B,1,D]
    write = g.node("Reshape", [g.node("Equal", [slots, position_name], ["slot_new"], "/decoder/slot_new"),
                               g.init("const_slot_write_shape", np.array([1, 1, S, 1], np.int64))], ["slot_write"],
                   "/decoder/slot_write")  # [1,1,S,1] bool: the new token's slot
    future = g.node("Greater", [slots, position_name], ["slot_future"], "/decoder/slot_future")  # [S]
    bias = g.node("Reshape", [g.node("Where", [future, g.init("const_neg_big_f32", np.array(-1e30, np.float32)),
                                               g.init("const_zero_f32", np.array(0.0, np.float32))], ["slot_bias"],
                                     "/decoder/mask/bias"),
                              g.init("const_slot_bias_shape", np.array([1, 1, 1, S], np.int64))], ["causal_bias"],
                  "/decoder/mask/reshape")  # [1,1,1,S]
    h = g.node("LayerNormalization", [x, g.init("0.ln1.g", weights["0.ln1.g"]), g.init("0.ln1.b", weights["0.ln1.b"])],
               ["h0"], "/decoder/blocks.0/ln1/LayerNormalization", axis=-1, epsilon=LN_EPS)  # [B,1,D]
    residual = x
    for i in range(n_layers):
        p = f"/decoder/blocks.{i}/"
        pk, pv = (g.node("Gather", [past_names[2 * i + j], beam_name], [f"past_{i}_{kv}"], p + f"attn/past_{kv}",
                         axis=0) for j, kv in enumerate(("key", "value")))  # [B,H,S,Dh]
        q, k, v = qkv_projection(g, weights, i, h, D)  # [B,1,D] each
        att = _attention(g, i, q, k, v, pk, pv, write, bias, H, Dh, present_names[2 * i], present_names[2 * i + 1])
        h, residual = mlp_block(g, weights, i, n_layers, att, residual)
    heads_out(g, weights, h, logits_name, text_name)

    inputs = [helper.make_tensor_value_info(embeds_name, TensorProto.FLOAT, ["batch", 1, D]),
              helper.make_tensor_value_info(beam_name, TensorProto.INT32, ["batch"]),
              helper.make_tensor_value_info(position_name, TensorProto.INT32, [1])]
    inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["past_batch", H, S, Dh]) for n in past_names]
    outputs = [helper.make_tensor_value_info(logits_name, TensorProto.FLOAT, ["batch", 1, V]),
               helper.make_tensor_value_info(text_name, TensorProto.FLOAT, ["batch", 1, E])]
    outputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", H, S, Dh]) for n in present_names]
    model = helper.make_model(helper.make_graph(g.nodes, "serpent_decoder_static", inputs, outputs, g.inits),
                              opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
                              producer_name="serpent training/static_decoder.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def static_from_prefix_call(io, arch, first_out, rows, length):
    """The static cache [rows,H,S,Dh] per past input, as the engine fills it after the fused-prefix decoder's first
    call: that call's present.* (the prefix, N+1 slots) in row 0, zeros elsewhere."""
    _, out_names = decoder_names(io, arch["n_layers"])
    caches = []
    for name in out_names[2:]:
        prefix = first_out[name]  # [1,H,N+1,Dh]
        cache = np.zeros((rows, arch["n_heads"], length, arch["head_dim"]), np.float32)
        cache[0, :, :prefix.shape[2]] = prefix[0]
        caches.append(cache)
    return caches


def max_logit_difference(fused_path, static_path, arch, length, seed=0, steps=((0, 0, 0), (2, 0, 1), (1, 1, 0))):
    """The fused-prefix decoder and the static one on the same prefix call and cached 3-row steps (the second and third
    with their beams reordered) → max |Δ logits| and |Δ text_embeds|."""
    io = load_model_io()
    in_names, out_names = decoder_names(io, arch["n_layers"])
    s_in, _ = static_names(io, arch["n_layers"])
    rng = np.random.default_rng(seed)
    D, N = arch["d_model"], arch["n_image_tokens"] + 1
    first = run_onnx([(fused_path, first_feeds(io, arch, "fused-prefix", rng.standard_normal((1, N, D)).astype(
        np.float32)), SESSION)])[0]
    static_past = static_from_prefix_call(io, arch, first, len(steps[0]), length)
    last, worst = None, 0.0
    for t, beams in enumerate(steps):
        embeds = rng.standard_normal((len(beams), 1, D)).astype(np.float32)
        feeds = {s_in[0]: embeds, s_in[1]: np.asarray(beams, np.int32), s_in[2]: np.array([N + t], np.int32)}
        feeds.update(dict(zip(s_in[3:], static_past)))
        fused, static = run_onnx([(fused_path, next_feeds(io, arch, "fused-prefix", embeds, beams, first, last),
                                   SESSION), (static_path, feeds, SESSION)])
        for name in out_names[:2]:
            worst = max(worst, float(np.abs(fused[name] - static[name]).max()))
        last, static_past = fused, [static[n] for n in out_names[2:]]
    return worst


def write_static_decoders(model_dir, manifest, precisions=None):
    """→ (the updated manifest, {precision: max |Δ|}) for `precisions` (default: the manifest's default precision, the
    one the page downloads); nothing is written unless every one agrees."""
    model_dir = Path(model_dir)
    arch = manifest["architecture"]
    if arch.get("decoder_graph") != "fused-prefix":
        raise StaticDecoderError(f"{model_dir} has a {arch.get('decoder_graph', 'traced')} decoder; the static step "
                                 "continues a fused-prefix decoder's first call. Run `python -m training.fuse_model "
                                 f"--model {model_dir}` first.")
    fp32 = manifest["files"].get("fp32", {}).get("decoder_model_merged")
    if not fp32:
        raise StaticDecoderError(f"{model_dir}/manifest.json lists no fp32 decoder to take the weights from")
    weights = weights_from_fused_onnx(model_dir / fp32["path"])
    static = build_static_decoder(weights, arch["n_layers"], arch["n_heads"], arch["head_dim"])
    length = weights["pos"].shape[0]  # the cache's slots: every position the model has
    io = load_model_io()
    differences, written = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for precision in precisions or [manifest["default_precision"]]:
            entries = manifest["files"].get(precision)
            if not entries:
                raise StaticDecoderError(f"{model_dir} has no {precision} files (it has {', '.join(manifest['files'])})")
            graph = static if precision == "fp32" else quantize_graph(static, precision)
            new = Path(tmp) / onnx_file_name(io, "decoderStatic", precision)
            onnx.save(graph, str(new))
            fused = model_dir / entries["decoder_model_merged"]["path"]
            differences[precision] = max_logit_difference(str(fused), str(new), arch, length)
            if differences[precision] > TOLERANCE[precision]:
                raise StaticDecoderError(f"{precision}: the static decoder differs from {fused.name} by "
                                         f"{differences[precision]:.2e} (allowed {TOLERANCE[precision]:.0e}); nothing "
                                         "was written")
            written[precision] = (new.read_bytes(), fused.parent / new.name)
    for precision, (data, path) in written.items():
        path.write_bytes(data)
        manifest["files"][precision]["decoder_static"] = file_entry(model_dir, path)
    arch["static_cache_length"] = int(length)
    return manifest, differences


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model folder, e.g. public/models/serpent-cxr")
    ap.add_argument("--precisions", default=None,
                    help="comma-separated precisions to write (default: the manifest's default precision)")
    args = ap.parse_args(argv)
    model_dir = Path(args.model)
    manifest = read_folder_manifest(model_dir, "static_decoder")
    if manifest is None:
        return 2
    try:
        manifest, differences = write_static_decoders(model_dir, manifest,
                                                        args.precisions.split(",") if args.precisions else None)
    except StaticDecoderError as err:
        print(f"static_decoder: {err}", file=sys.stderr)
        return 1
    write_manifest(model_dir, manifest)
    for precision, diff in differences.items():
        print(f"{precision}: max |Δ logits, text_embeds| fused-prefix → static {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
