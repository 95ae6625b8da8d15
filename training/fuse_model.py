"""Rewrites a model folder's decoder files (fp32, int8, q4) as a fused graph of fused_decoder.py ("fused-prefix" by
default, or "fused"), from the weights in its fp32 decoder (traced or fused), so a committed model gets the faster graph
without its checkpoint. The new files are checked against the old ones in onnxruntime-node (a prefix call and two
cached steps with reordered beams, each in its own graph's calling convention) before they replace them; the manifest
gets the new sizes and hashes, `architecture.decoder_graph` and a patch version.

  python -m training.fuse_model --model public/models/serpent-cxr [--graph fused-prefix|fused]
"""
import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

from .decoder_calls import first_feeds, next_feeds, shares_prefix
from .fused_decoder import build_fused_decoder, weights_from_fused_onnx, weights_from_traced_onnx
from .manifest import file_entry, read_folder_manifest, write_manifest
from .modelio import decoder_names, load_model_io
from .ort_node import run_onnx
from .quantize import quantize_graph

TOLERANCE = {"fp32": 1e-4, "int8": 1e-3, "q4": 1e-3}  # max |logit difference|, old graph against new
# As the engine runs int8 (src/engine/sessions.ts): weights dequantised once, fp32 compute. Without it the CPU provider
# rewrites DequantizeLinear+MatMul into MatMulNBits that quantises activations, and only where its pattern matches.
SESSION = {"extra": {"session": {"disable_quant_qdq": "1", "qdq_matmulnbits_accuracy_level": "1"}}}


class FuseError(RuntimeError):
    """The folder cannot be fused (already fused, no fp32 decoder) or the fused files disagree with the old ones."""


def _bump_patch(version):
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return version
    return f"{parts[0]}.{parts[1]}.{int(parts[2]) + 1}"


def max_logit_difference(old_path, new_path, arch, seed=0, old_graph="traced", new_graph="fused"):
    """Both decoders on a prefix (one row, empty cache, as the engine starts a search) and two cached 3-row steps,
    the second with its beams reordered → max |Δ logits|."""
    io = load_model_io()
    _, out_names = decoder_names(io, arch["n_layers"])
    rng = np.random.default_rng(seed)
    D = arch["d_model"]
    prefix = rng.standard_normal((1, arch["n_image_tokens"] + 1, D)).astype(np.float32)
    firsts = run_onnx([(old_path, first_feeds(io, arch, old_graph, prefix), SESSION),
                       (new_path, first_feeds(io, arch, new_graph, prefix), SESSION)])
    calls, lasts = [firsts], [None, None]
    for beams in ([0, 0, 0], [2, 0, 1]):
        step = rng.standard_normal((3, 1, D)).astype(np.float32)
        lasts = run_onnx([(path, next_feeds(io, arch, graph, step, beams, first, last), SESSION)
                          for path, graph, first, last in zip((old_path, new_path), (old_graph, new_graph), firsts,
                                                              lasts)])
        calls.append(lasts)
    worst = 0.0
    for old, new in calls:
        for name in out_names[:2]:
            if old[name].shape != new[name].shape:
                raise FuseError(f"{name}: shape {new[name].shape} from the {new_graph} graph, {old[name].shape} before")
        worst = max(worst, float(np.abs(old[out_names[0]] - new[out_names[0]]).max()))
    return worst


def _weights(model_dir, arch, fp32_path):
    if arch.get("decoder_graph", "traced") == "traced":
        return weights_from_traced_onnx(model_dir / fp32_path)
    return weights_from_fused_onnx(model_dir / fp32_path)


def replace_decoders(model_dir, manifest, written):
    """written: {precision: (checked new file, the folder's decoder_model_merged)} → the new files in place, their sizes
    and hashes in the manifest. Called only once every precision has passed its check."""
    for precision, (new, old) in written.items():
        old.write_bytes(new.read_bytes())
        manifest["files"][precision]["decoder_model_merged"] = file_entry(model_dir, old)


def fuse_model_folder(model_dir, manifest, graph="fused-prefix"):
    """→ (the updated manifest, {precision: max |Δ logits|}); files are replaced only when every precision agrees."""
    model_dir = Path(model_dir)
    arch = manifest["architecture"]
    old_graph = arch.get("decoder_graph", "traced")
    if graph not in ("fused", "fused-prefix"):
        raise FuseError(f"the target graph must be fused or fused-prefix, not {graph!r}")
    if old_graph == graph:
        raise FuseError(f"{model_dir} already has the {graph} decoder")
    fp32 = manifest["files"].get("fp32", {}).get("decoder_model_merged")
    if not fp32:
        raise FuseError(f"{model_dir}/manifest.json lists no fp32 decoder to take the weights from")
    fused = build_fused_decoder(_weights(model_dir, arch, fp32["path"]), arch["n_layers"], arch["n_heads"],
                                arch["head_dim"], shared_prefix=shares_prefix(graph))
    graphs = {"fp32": fused, "int8": quantize_graph(fused, "int8"), "q4": quantize_graph(fused, "q4")}
    differences = {}
    with tempfile.TemporaryDirectory() as tmp:
        written = {}
        for precision, entries in manifest["files"].items():
            old = model_dir / entries["decoder_model_merged"]["path"]
            new = Path(tmp) / old.name
            onnx.save(graphs[precision], str(new))
            differences[precision] = max_logit_difference(str(old), str(new), arch, old_graph=old_graph,
                                                          new_graph=graph)
            if differences[precision] > TOLERANCE[precision]:
                raise FuseError(f"{precision}: the {graph} decoder's logits differ by {differences[precision]:.2e} "
                                f"(allowed {TOLERANCE[precision]:.0e}); the folder was left as it was")
            written[precision] = (new, old)
        replace_decoders(model_dir, manifest, written)
    arch["decoder_graph"] = graph
    manifest["version"] = _bump_patch(manifest["version"])
    return manifest, differences


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model folder, e.g. public/models/serpent-cxr")
    ap.add_argument("--graph", default="fused-prefix", choices=("fused-prefix", "fused"),
                    help="the decoder graph to write (default fused-prefix: the image prefix's cache shared by all rows)")
    args = ap.parse_args(argv)
    model_dir = Path(args.model)
    manifest = read_folder_manifest(model_dir, "fuse_model")
    if manifest is None:
        return 2
    try:
        manifest, differences = fuse_model_folder(model_dir, manifest, args.graph)
    except FuseError as err:
        print(f"fuse_model: {err}", file=sys.stderr)
        return 1
    write_manifest(model_dir, manifest)
    for precision, diff in differences.items():
        print(f"{precision}: max |Δ logits| old → {args.graph} {diff:.2e}")
    print(f"{model_dir}: decoder rewritten as {args.graph}, version {manifest['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
