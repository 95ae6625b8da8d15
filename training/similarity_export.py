"""Exports the similarity towers (training/similarity.py) into a model folder: `onnx/similarity_image.onnx` (the
frozen model's image_features [V,N,D] → sim_patch_embeds [V,N,E], sim_image_embeds [V,E]) and
`onnx/similarity_text.onnx` (input_ids, attention_mask [B,T] → sim_token_embeds [B,T,E], sim_text_embeds [B,E]), one
file each shared by every precision, plus `manifest.similarity` = {image, text (path, bytes, sha256), embed_dim,
precision, evaluation}. The weights are int8 (per output channel, training/quantize.py; 2.3 MB → 0.7 MB, which keeps
a first visit under its byte budget) unless `--fp32`. Both files are checked against PyTorch in onnxruntime-node
before the manifest is written: fp32 to 1e-3, int8 by the cosine of every output row to PyTorch's (≥ 0.995).

    npm run export-similarity -- --ckpt runs/sim/similarity.pt --model public/models/serpent-cxr
    npm run export-similarity -- --from-model public/models/serpent-cxr --model runs/NEW   # reuse towers that read pixels

Towers with their own eyes read the normalised pixels, not the report model's tokens, so a retrained report model
can keep them: `--from-model` copies both files and `manifest.similarity` (and its `subtype_probe`, when the probe
reads the towers alone) from a folder that has them, after checking the two folders feed them the same pixels and token ids."""
import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch

from .manifest import copy_model_file, file_entry, read_manifest_pair, require_same_pixels, write_manifest
from .modelio import load_model_io
from .ort_node import run_onnx
from .quantize import quantize_graph, requantize_exact
from .mobilenet_v2 import load_mobilenet_v2
from .similarity import SimilarityConfig, SimilarityTowers
from .similarity_mobilenet import PixelFeatures

OPSET = 17
MAX_DIFF = 1e-3
MIN_INT8_COS = 0.995


class SimilarityExportError(Exception):
    """The towers could not be exported, do not fit the model folder, or do not match their checkpoint."""


class _Image(torch.nn.Module):
    def __init__(self, towers):
        super().__init__()
        self.t = towers.image

    def forward(self, feats):
        return self.t(feats)


PIXEL_FEATURES_NODES = "/f/"  # node-name prefix torch.onnx gives _PixelImage.f's operators


class _PixelImage(torch.nn.Module):
    """Towers with their own eyes: normalised pixels [V,1,S,S] → frozen MobileNetV2 features → the image tower."""

    def __init__(self, towers, features):
        super().__init__()
        self.f, self.t = features, towers.image

    def forward(self, pixels):
        return self.t(self.f(pixels))


class _Text(torch.nn.Module):
    def __init__(self, towers):
        super().__init__()
        self.t = towers.text

    def forward(self, ids, mask):
        return self.t(ids, mask)


def load_towers(path):
    ckpt = torch.load(path, map_location="cpu")
    towers = SimilarityTowers(SimilarityConfig(**ckpt["config"]))
    towers.load_state_dict(ckpt["state_dict"])
    return towers.eval(), ckpt


def _export(module, args, path, names_in, names_out, dynamic):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, str(path), opset_version=OPSET, do_constant_folding=True,
                          input_names=names_in, output_names=names_out, dynamic_axes=dynamic)


def _rows_cos(a, b):
    a, b = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def export_towers(towers, onnx_dir, int8=True, pixel_features=None, image_size=128):
    """→ (image path, text path), verified against PyTorch. pixel_features: the towers' own eyes
    (similarity_mobilenet.PixelFeatures) for towers trained on them; the image file then reads pixel_values."""
    io, c = load_model_io(), towers.cfg
    si, st = io["similarityImage"], io["similarityText"]
    img_path = Path(onnx_dir) / (io["files"]["similarityImage"] + ".onnx")
    txt_path = Path(onnx_dir) / (io["files"]["similarityText"] + ".onnx")
    img_path.parent.mkdir(parents=True, exist_ok=True)
    if pixel_features is None:
        image_module, image_in = _Image(towers), si["inputs"]["imageTokens"]
        image_arg = lambda b: torch.randn(b, c.n_image_tokens, c.d_image)  # noqa: E731
    else:
        image_module, image_in = _PixelImage(towers, pixel_features), si["inputs"]["pixels"]
        image_arg = lambda b: torch.randn(b, 1, image_size, image_size)  # noqa: E731
    _export(image_module, (image_arg(2),), img_path, [image_in],
            [si["outputs"]["patchEmbeds"], si["outputs"]["imageEmbed"]],
            {image_in: {0: "views"}, si["outputs"]["patchEmbeds"]: {0: "views"},
             si["outputs"]["imageEmbed"]: {0: "views"}})
    ids = torch.randint(5, c.vocab_size, (3, 7))
    mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3, [1] * 6 + [0]])
    _export(_Text(towers), (ids, mask), txt_path, [st["inputs"]["ids"], st["inputs"]["mask"]],
            [st["outputs"]["tokenEmbeds"], st["outputs"]["textEmbed"]],
            {st["inputs"]["ids"]: {0: "batch", 1: "tokens"}, st["inputs"]["mask"]: {0: "batch", 1: "tokens"},
             st["outputs"]["tokenEmbeds"]: {0: "batch", 1: "tokens"}, st["outputs"]["textEmbed"]: {0: "batch"}})
    if int8:
        for path in (img_path, txt_path):
            own_eyes = path == img_path and pixel_features is not None
            q = quantize_graph(onnx.load(str(path)), "int8", keep_float=(PIXEL_FEATURES_NODES,) if own_eyes else ())
            if own_eyes:  # the ImageNet file's weights are uint8 already: store them as such, exactly
                q = requantize_exact(q, PIXEL_FEATURES_NODES)
            onnx.checker.check_model(q)
            onnx.save(q, str(path))
    # verify on other shapes than the tracing ones
    feats = image_arg(1)
    ids = torch.randint(5, c.vocab_size, (2, 11))
    mask = torch.tensor([[1] * 11, [1] * 5 + [0] * 6])
    with torch.no_grad():
        want_img, want_txt = image_module.eval()(feats), towers.text(ids, mask)
    got_img, got_txt = run_onnx([(img_path, {image_in: feats.numpy()}),
                                 (txt_path, {st["inputs"]["ids"]: ids.numpy(), st["inputs"]["mask"]: mask.numpy()})])
    pairs = [(got_img[si["outputs"]["patchEmbeds"]], want_img[0]), (got_img[si["outputs"]["imageEmbed"]], want_img[1]),
             (got_txt[st["outputs"]["textEmbed"]], want_txt[1]),
             (got_txt[st["outputs"]["tokenEmbeds"]][0], want_txt[0][0]), (got_txt[st["outputs"]["tokenEmbeds"]][1, :5], want_txt[0][1, :5])]
    for got, want in pairs:
        if got.shape != tuple(want.shape):
            raise SimilarityExportError(f"ONNX output {got.shape} has another shape than PyTorch's {tuple(want.shape)}")
        if int8 and _rows_cos(got, want.numpy()).min() < MIN_INT8_COS:
            raise SimilarityExportError(f"int8 ONNX output rows have cosine {_rows_cos(got, want.numpy()).min():.4f} to PyTorch's; "
                                        "export with --fp32")
        if not int8 and np.abs(got - want.numpy()).max() > MAX_DIFF:
            raise SimilarityExportError(f"ONNX output differs from PyTorch by {np.abs(got - want.numpy()).max():.2e}")
    return img_path, txt_path


def add_towers(model_dir, towers, evaluation=None, int8=True, pixel_features=None):
    """Writes both files into model_dir/onnx and `manifest.similarity` → that entry. Towers trained on
    `npm run tower-features` need pixel_features (similarity_mobilenet.PixelFeatures) to put inside the image file."""
    model_dir = Path(model_dir)
    manifest_path = model_dir / "manifest.json"
    if not manifest_path.exists():
        raise SimilarityExportError(f"{manifest_path} not found; export the report model first (`npm run export`)")
    manifest = json.loads(manifest_path.read_text())
    arch, c, pre = manifest["architecture"], towers.cfg, manifest.get("preprocessing", {})
    own_eyes = c.image_input != "image_tokens"
    if own_eyes != (pixel_features is not None):
        raise SimilarityExportError(f"the towers read {c.image_input}; pass the matching pixel features (or none for image tokens)")
    if own_eyes:
        if (pixel_features.mean, pixel_features.std) != (pre["pixel_mean"], pre["pixel_std"]) or pixel_features.grid ** 2 != c.n_image_tokens:
            raise SimilarityExportError(
                f"the towers' features normalise pixels with mean {pixel_features.mean}, std {pixel_features.std} on a "
                f"{pixel_features.grid}² grid, but the model folder uses {pre['pixel_mean']}, {pre['pixel_std']} and the "
                f"towers read {c.n_image_tokens} cells: rebuild the features with `npm run tower-features`")
    elif (arch["n_image_tokens"], arch["d_model"]) != (c.n_image_tokens, c.d_image):
        raise SimilarityExportError(
            f"the towers read {c.n_image_tokens}×{c.d_image} image tokens, but the model folder has "
            f"{arch['n_image_tokens']}×{arch['d_model']}: train them on this model's features "
            "(`npm run image-features -- --model DIR`, then `npm run train-similarity`)")
    if arch["vocab_size"] != c.vocab_size:
        raise SimilarityExportError(
            f"the towers read {c.vocab_size} token ids, but the model folder's vocabulary has {arch['vocab_size']}: "
            "train them on this model's corpus (`npm run train-similarity`)")
    img_path, txt_path = export_towers(towers, model_dir / "onnx", int8, pixel_features, pre.get("image_size", 128))
    entry = {"image": file_entry(model_dir, img_path), "text": file_entry(model_dir, txt_path), "embed_dim": c.embed_dim,
             "precision": "int8" if int8 else "fp32"}
    if own_eyes:
        entry.update(input="pixels", grid=[pixel_features.grid, pixel_features.grid])
    if evaluation is not None:
        entry["evaluation"] = evaluation
    manifest["similarity"] = entry
    if reads_towers(manifest.get("subtype_probe")):
        del manifest["subtype_probe"]  # it read the towers these replace: refit it with `npm run subtype-probe`
    write_manifest(model_dir, manifest)
    return entry


def reads_towers(probe):
    """Whether a subtype probe (manifest.subtype_probe) reads the similarity towers' features."""
    return probe is not None and probe.get("feature") in ("tower_patch_mean", "image_embed+tower_patch_mean")


def copy_towers(src_dir, model_dir):
    """Copies src_dir's pixel-reading towers (files and manifest entry) into model_dir → the entry. Refuses towers on
    image tokens (they read one report model's tokens), other pixels (size, mean, std) or another vocabulary. The
    donor's subtype probe comes along when it reads the towers alone, with the donor's decoding setting subtype_gate;
    one that also reads the vision encoder's p_img is not (refit it: `npm run subtype-probe`)."""
    src_manifest, manifest = read_manifest_pair(src_dir, model_dir, SimilarityExportError)
    entry = src_manifest.get("similarity")
    if entry is None:
        raise SimilarityExportError(f"{src_dir} has no similarity towers to copy; train them with `npm run train-similarity`")
    if entry.get("input") != "pixels":
        raise SimilarityExportError(f"{src_dir}'s towers read its report model's image tokens, which {model_dir} does not "
                                    "write; train towers for it (`npm run image-features`, then `npm run train-similarity`)")
    require_same_pixels(src_manifest, manifest, model_dir, SimilarityExportError, "the towers read pixels preprocessed as",
                        "rebuild their features with `npm run tower-features` and retrain them")
    if src_manifest["architecture"]["vocab_size"] != manifest["architecture"]["vocab_size"]:
        raise SimilarityExportError(f"the towers read {src_manifest['architecture']['vocab_size']} token ids but "
                                    f"{model_dir}'s vocabulary has {manifest['architecture']['vocab_size']}; retrain them")
    copied = {k: v for k, v in entry.items() if k != "subtype_probe"}  # folders before 1.7.0 kept the probe here
    for side in ("image", "text"):
        copied[side] = copy_model_file(src_dir, model_dir, entry[side], SimilarityExportError)
    copied["copied_from"] = {"id": src_manifest["id"], "version": src_manifest["version"]}
    manifest["similarity"] = copied
    # The probe only speaks through the decoding setting subtype_gate. The donor's probe comes along when it reads the
    # towers alone, and with it the donor's gate (session 21's ft01t lost it, and with it 1.6.1's subtype agreement).
    # A probe of this folder's that reads other towers goes, and the gate with it; one on its image reader stays.
    donor_probe = src_manifest.get("subtype_probe", entry.get("subtype_probe"))
    decoding = manifest.setdefault("decoding", {})
    if donor_probe is not None and donor_probe.get("feature") == "tower_patch_mean":
        manifest["subtype_probe"] = donor_probe
        decoding["subtype_gate"] = src_manifest.get("decoding", {}).get("subtype_gate", 0)
    elif reads_towers(manifest.get("subtype_probe")) or "subtype_probe" not in manifest:
        manifest.pop("subtype_probe", None)
        decoding.pop("subtype_gate", None)
    write_manifest(model_dir, manifest)
    return copied


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="runs/sim/similarity.pt")
    ap.add_argument("--model", default="public/models/serpent-cxr", help="model folder to add the towers to")
    ap.add_argument("--fp32", action="store_true", help="keep the towers' weights fp32 (4× the bytes)")
    ap.add_argument("--from-model", help="copy the pixel-reading towers of this model folder instead of exporting --ckpt")
    args = ap.parse_args(argv)
    try:
        if args.from_model:
            copy_towers(args.from_model, args.model)
            probe = json.loads((Path(args.model) / "manifest.json").read_text()).get("subtype_probe")
            print(f"copied the towers of {args.from_model} into {args.model} (subtype probe: "
                  f"{'none, subtype_gate off' if probe is None else 'one on ' + probe['feature']})")
            return 0
        if not Path(args.ckpt).exists():
            raise SimilarityExportError(f"{args.ckpt} not found; train it with `npm run train-similarity -- --out runs/sim`")
        towers, ckpt = load_towers(args.ckpt)
        pixel_features = None
        if towers.cfg.image_input != "image_tokens":
            spec = ckpt["image_features"]  # features.json of the folder the towers were trained on
            pixel_features = PixelFeatures(load_mobilenet_v2(), spec["pixel_mean"], spec["pixel_std"], spec["size"])
        entry = add_towers(args.model, towers, {"val": ckpt["val"], "train_config": ckpt["train_config"]}, int8=not args.fp32,
                           pixel_features=pixel_features)
    except SimilarityExportError as e:
        print(f"export-similarity: {e}", file=sys.stderr)
        return 2
    kb = (entry["image"]["bytes"] + entry["text"]["bytes"]) / 1e3
    print(f"wrote {args.model}/onnx/similarity_{{image,text}}.onnx ({kb:.0f} kB); manifest updated (verified in onnxruntime-node)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
