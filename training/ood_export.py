"""Exports the out-of-distribution detector (training/ood_detector.py) into a model folder: `onnx/ood_detector.onnx`
(fp32, ~130 kB, the same for every precision) and `manifest.ood.detector` = {path, bytes, sha256, threshold,
evaluation}. Names come from src/engine/modelIO.json. The ONNX file is checked against PyTorch in
onnxruntime-node before the manifest is written.

    npm run export-ood -- --ckpt runs/ood/ood.pt --model public/models/serpent-cxr
    npm run export-ood -- --from-model public/models/serpent-cxr --model /tmp/next/serpent-cxr

The detector reads pixels, not the report model's features, so a retrained report model with the same
preprocessing can take the shipped detector over (`--from-model`) instead of retraining it."""
import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from .manifest import copy_model_file, file_entry, read_manifest_pair, require_same_pixels, write_manifest
from .modelio import load_model_io
from .ood_detector import OodConfig, OodDetector, load_detector
from .ort_node import run_onnx

OPSET = 17
MAX_DIFF = 1e-3


class OodExportError(Exception):
    """The detector could not be exported or does not match its checkpoint."""


def detector_file_name(io):
    return io["files"]["ood"] + ".onnx"


def export_detector_onnx(model, path, image_size):
    io = load_model_io()
    dummy = torch.zeros(2, 1, image_size, image_size)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (dummy,), str(path), opset_version=OPSET, do_constant_folding=True,
                          input_names=[io["ood"]["inputs"]["pixels"]], output_names=[io["ood"]["outputs"]["score"]],
                          dynamic_axes={io["ood"]["inputs"]["pixels"]: {0: "batch"},
                                        io["ood"]["outputs"]["score"]: {0: "batch"}})


def verify_detector(model, path, image_size):
    """Same logits from PyTorch and onnxruntime-node on a batch of 3 (random, flat, gradient)."""
    io = load_model_io()
    rng = np.random.default_rng(0)
    s = image_size
    x = np.stack([rng.standard_normal((1, s, s)), np.full((1, s, s), -1.0),
                  np.broadcast_to(np.linspace(-2, 2, s), (1, s, s))]).astype(np.float32)
    want = model.eval()(torch.from_numpy(x)).detach().numpy()
    got = run_onnx([(path, {io["ood"]["inputs"]["pixels"]: x})])[0][io["ood"]["outputs"]["score"]]
    if got.shape != want.shape or np.abs(got - want).max() > MAX_DIFF:
        raise OodExportError(f"{path}: ONNX logits {got} differ from PyTorch {want}")


def add_detector(model_dir, model, threshold, evaluation=None, verify=True):
    """Writes onnx/ood_detector.onnx into model_dir and its entry into manifest.json → the entry."""
    model_dir = Path(model_dir)
    manifest_path = model_dir / "manifest.json"
    if not manifest_path.exists():
        raise OodExportError(f"{manifest_path} not found; export the report model first (`npm run export`)")
    manifest = json.loads(manifest_path.read_text())
    size = manifest["preprocessing"]["image_size"]
    if model.cfg.image_size != size:
        raise OodExportError(f"the detector takes {model.cfg.image_size} px images but the model folder's are {size} px")
    path = model_dir / "onnx" / detector_file_name(load_model_io())
    export_detector_onnx(model, path, size)
    if verify:
        verify_detector(model, path, size)
    entry = {**file_entry(model_dir, path), "threshold": float(threshold)}
    if evaluation is not None:
        entry["evaluation"] = evaluation
    manifest["ood"]["detector"] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return entry


def copy_detector(src_dir, model_dir):
    """Copies src_dir's detector (file and manifest entry) into model_dir → the entry. Both folders must feed it
    the same pixels: same image size, mean and std."""
    src_manifest, manifest = read_manifest_pair(src_dir, model_dir, OodExportError)
    entry = src_manifest.get("ood", {}).get("detector")
    if entry is None:
        raise OodExportError(f"{src_dir} has no OOD detector to copy; train one with `npm run train-ood`")
    require_same_pixels(src_manifest, manifest, model_dir, OodExportError, "the detector was exported for preprocessing",
                        "train a detector for it with `npm run train-ood`")
    copied = {**entry, **copy_model_file(src_dir, model_dir, entry, OodExportError)}
    manifest["ood"]["detector"] = copied
    write_manifest(model_dir, manifest)
    return copied


def random_detector(image_size, seed=0):
    """Seeded random weights: the engine tests' fixture."""
    torch.manual_seed(seed)
    return OodDetector(OodConfig(image_size=image_size)).eval()


def summary(evaluation):
    """The part of the training report that a reader of the manifest needs."""
    keys = ("threshold", "target_false_alarm", "detected")
    out = {k: evaluation[k] for k in keys if k in evaluation}
    for split in ("val", "test"):
        if split in evaluation:
            out[f"{split}_false_alarm"] = evaluation[split]["false_alarm"]
    out["note"] = ("detected = share of held-out synthetic negatives flagged, per family; false_alarm = share of "
                   "real chest radiographs flagged")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="runs/ood/ood.pt")
    ap.add_argument("--model", default="public/models/serpent-cxr", help="model folder to add the detector to")
    ap.add_argument("--from-model", help="copy the detector of this model folder instead of exporting --ckpt")
    args = ap.parse_args(argv)
    try:
        if args.from_model:
            entry = copy_detector(args.from_model, args.model)
            print(f"copied {args.from_model}/{entry['path']} into {args.model} (threshold {entry['threshold']:.3f})")
            return 0
        if not Path(args.ckpt).exists():
            raise OodExportError(f"{args.ckpt} not found; train it with `npm run train-ood -- --out runs/ood`")
        model, ckpt = load_detector(args.ckpt)
        entry = add_detector(args.model, model, ckpt["threshold"], summary(ckpt["evaluation"]))
    except OodExportError as e:
        print(f"export-ood: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.model}/{entry['path']} ({entry['bytes'] / 1e3:.0f} kB, threshold {entry['threshold']:.3f}); "
          "manifest updated (verified in onnxruntime-node)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
