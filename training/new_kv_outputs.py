"""Adds the new.* outputs (each layer's keys and values of the tokens fed in this call, [B,H,T,Dh]) to a model folder's
fused-prefix decoder files, so the engine can keep the report's cache itself on CPU backends and fetch only those
instead of present.* (src/engine/kvDecoder.ts). Weights and computations stay as they are: the tensors are renamed and
listed as outputs (fused_decoder.add_new_kv_outputs). Each rewritten file is checked in onnxruntime-node against the
old one, a prefix call and two cached 3-row steps with reordered beams: the logits and present.* agree, and new.* is
present.*'s last position. The manifest gets the new sizes and hashes and a patch version.

  python -m training.new_kv_outputs --model public/models/serpent-cxr
"""
import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

from .decoder_calls import first_feeds, next_feeds
from .fuse_model import SESSION, TOLERANCE, _bump_patch, replace_decoders
from .fused_decoder import add_new_kv_outputs
from .manifest import read_folder_manifest, write_manifest
from .modelio import decoder_names, load_model_io, new_kv_names
from .ort_node import run_onnx


class NewKvError(RuntimeError):
    """The folder's decoder is not fused-prefix, or the rewritten file disagrees with the old one."""


def check_new_kv(old_path, new_path, arch, seed=0):
    """→ (max |Δ logits|, max |Δ present|, max |new − present's last position|) over a prefix call and two steps."""
    io = load_model_io()
    _, out_names = decoder_names(io, arch["n_layers"])
    present, new = out_names[2:], new_kv_names(io, arch["n_layers"])
    rng = np.random.default_rng(seed)
    D = arch["d_model"]
    prefix = rng.standard_normal((1, arch["n_image_tokens"] + 1, D)).astype(np.float32)
    feeds = first_feeds(io, arch, "fused-prefix", prefix)
    firsts = run_onnx([(old_path, feeds, SESSION), (new_path, feeds, SESSION)])
    calls, lasts = [], [None, None]
    for beams in ([0, 0, 0], [2, 0, 1]):
        step = rng.standard_normal((3, 1, D)).astype(np.float32)
        lasts = run_onnx([(path, next_feeds(io, arch, "fused-prefix", step, beams, first, last), SESSION)
                          for path, first, last in zip((old_path, new_path), firsts, lasts)])
        calls.append(lasts)
    d_logits = d_present = d_new = 0.0
    for old, rewritten in [firsts, *calls]:
        d_logits = max(d_logits, float(np.abs(old[out_names[0]] - rewritten[out_names[0]]).max()))
        for p in present:
            d_present = max(d_present, float(np.abs(old[p] - rewritten[p]).max()))
    for _, rewritten in calls:  # a step feeds one token per row: new.* is present.*'s last position
        for p, n in zip(present, new):
            if rewritten[n].shape != rewritten[p][:, :, -1:, :].shape:
                raise NewKvError(f"{n}: shape {rewritten[n].shape}, expected {rewritten[p][:, :, -1:, :].shape}")
            d_new = max(d_new, float(np.abs(rewritten[n] - rewritten[p][:, :, -1:, :]).max()))
    return d_logits, d_present, d_new


def add_to_folder(model_dir, manifest):
    """→ (the updated manifest, {precision: the three differences}); files are replaced only when every one agrees."""
    model_dir = Path(model_dir)
    arch = manifest["architecture"]
    if arch.get("decoder_graph") != "fused-prefix":
        raise NewKvError(f"{model_dir} has a {arch.get('decoder_graph', 'traced')} decoder; run "
                         "`python -m training.fuse_model --model DIR` first (new.* is a fused-prefix output)")
    checks, written = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for precision, entries in manifest["files"].items():
            old = model_dir / entries["decoder_model_merged"]["path"]
            model = onnx.load(str(old))
            if not add_new_kv_outputs(model, arch["n_layers"], arch["n_heads"], arch["head_dim"]):
                continue
            new = Path(tmp) / old.name
            onnx.save(model, str(new))
            checks[precision] = check_new_kv(str(old), str(new), arch)
            worst = max(checks[precision])
            if worst > TOLERANCE[precision]:
                raise NewKvError(f"{precision}: the rewritten decoder differs by {worst:.2e} (allowed "
                                 f"{TOLERANCE[precision]:.0e}); the folder was left as it was")
            written[precision] = (new, old)
        replace_decoders(model_dir, manifest, written)
    if written:
        manifest["version"] = _bump_patch(manifest["version"])
    return manifest, checks


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="model folder, e.g. public/models/serpent-cxr")
    args = ap.parse_args(argv)
    model_dir = Path(args.model)
    manifest = read_folder_manifest(model_dir, "new_kv_outputs")
    if manifest is None:
        return 2
    try:
        manifest, checks = add_to_folder(model_dir, manifest)
    except NewKvError as err:
        print(f"new_kv_outputs: {err}", file=sys.stderr)
        return 1
    if not checks:
        print(f"{model_dir}: the decoders already output new.*; nothing changed")
        return 0
    write_manifest(model_dir, manifest)
    for precision, (d_logits, d_present, d_new) in checks.items():
        print(f"{precision}: max |Δ logits| {d_logits:.2e}, |Δ present| {d_present:.2e}, |new − present[-1]| {d_new:.2e}")
    print(f"{model_dir}: new.* added to {', '.join(checks)}, version {manifest['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
