"""Exports the similarity towers (training/similarity.py) into a model folder: `onnx/similarity_image.onnx` (the
frozen model's image_features [V,N,D] → sim_patch_embeds [V,N,E], sim_image_embeds [V,E]) and
`onnx/similarity_text.onnx` (input_ids, attention_mask [B,T] → sim_token_embeds [B,T,E], sim_text_embeds [B,E]), fp32
and shared by every precision, plus `manifest.similarity` = {image, text (path, bytes, sha256), embed_dim,
evaluation}. Both files are checked against PyTorch in onnxruntime-node before the manifest is written.

    npm run export-similarity -- --ckpt runs/sim/similarity.pt --model public/models/serpent-cxr"""
import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

from .manifest import file_entry
from .modelio import load_model_io
from .ort_node import run_onnx
from .similarity import SimilarityConfig, SimilarityTowers

OPSET = 17
MAX_DIFF = 1e-3


class SimilarityExportError(Exception):
    """The towers could not be exported, do not fit the model folder, or do not match their checkpoint."""


class _Image(torch.nn.Module):
    def __init__(self, towers):
        super().__init__()
        self.t = towers.image

    def forward(self, feats):
        return self.t(feats)


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


def export_towers(towers, onnx_dir):
    """→ (image path, text path), verified against PyTorch."""
    io, c = load_model_io(), towers.cfg
    si, st = io["similarityImage"], io["similarityText"]
    img_path = Path(onnx_dir) / (io["files"]["similarityImage"] + ".onnx")
    txt_path = Path(onnx_dir) / (io["files"]["similarityText"] + ".onnx")
    img_path.parent.mkdir(parents=True, exist_ok=True)
    feats = torch.randn(2, c.n_image_tokens, c.d_image)
    _export(_Image(towers), (feats,), img_path, [si["inputs"]["imageTokens"]],
            [si["outputs"]["patchEmbeds"], si["outputs"]["imageEmbed"]],
            {si["inputs"]["imageTokens"]: {0: "views"}, si["outputs"]["patchEmbeds"]: {0: "views"},
             si["outputs"]["imageEmbed"]: {0: "views"}})
    ids = torch.randint(5, c.vocab_size, (3, 7))
    mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3, [1] * 6 + [0]])
    _export(_Text(towers), (ids, mask), txt_path, [st["inputs"]["ids"], st["inputs"]["mask"]],
            [st["outputs"]["tokenEmbeds"], st["outputs"]["textEmbed"]],
            {st["inputs"]["ids"]: {0: "batch", 1: "tokens"}, st["inputs"]["mask"]: {0: "batch", 1: "tokens"},
             st["outputs"]["tokenEmbeds"]: {0: "batch", 1: "tokens"}, st["outputs"]["textEmbed"]: {0: "batch"}})
    # verify on other shapes than the tracing ones
    feats = torch.randn(1, c.n_image_tokens, c.d_image)
    ids = torch.randint(5, c.vocab_size, (2, 11))
    mask = torch.tensor([[1] * 11, [1] * 5 + [0] * 6])
    with torch.no_grad():
        want_img, want_txt = towers.image(feats), towers.text(ids, mask)
    got_img, got_txt = run_onnx([(img_path, {si["inputs"]["imageTokens"]: feats.numpy()}),
                                 (txt_path, {st["inputs"]["ids"]: ids.numpy(), st["inputs"]["mask"]: mask.numpy()})])
    pairs = [(got_img[si["outputs"]["patchEmbeds"]], want_img[0]), (got_img[si["outputs"]["imageEmbed"]], want_img[1]),
             (got_txt[st["outputs"]["textEmbed"]], want_txt[1]),
             (got_txt[st["outputs"]["tokenEmbeds"]][0], want_txt[0][0]), (got_txt[st["outputs"]["tokenEmbeds"]][1, :5], want_txt[0][1, :5])]
    for got, want in pairs:
        if got.shape != tuple(want.shape) or np.abs(got - want.numpy()).max() > MAX_DIFF:
            raise SimilarityExportError(f"ONNX output {got.shape} differs from PyTorch {tuple(want.shape)}")
    return img_path, txt_path


def add_towers(model_dir, towers, evaluation=None):
    """Writes both files into model_dir/onnx and `manifest.similarity` → that entry."""
    model_dir = Path(model_dir)
    manifest_path = model_dir / "manifest.json"
    if not manifest_path.exists():
        raise SimilarityExportError(f"{manifest_path} not found; export the report model first (`npm run export`)")
    manifest = json.loads(manifest_path.read_text())
    arch, c = manifest["architecture"], towers.cfg
    if (arch["n_image_tokens"], arch["d_model"]) != (c.n_image_tokens, c.d_image) or arch["vocab_size"] != c.vocab_size:
        raise SimilarityExportError(
            f"the towers read {c.n_image_tokens}×{c.d_image} image tokens and {c.vocab_size} token ids, but the model folder has "
            f"{arch['n_image_tokens']}×{arch['d_model']} and {arch['vocab_size']}: train them on this model's features "
            "(`npm run image-features -- --model DIR`, then `npm run train-similarity`)")
    img_path, txt_path = export_towers(towers, model_dir / "onnx")
    entry = {"image": file_entry(model_dir, img_path), "text": file_entry(model_dir, txt_path), "embed_dim": c.embed_dim}
    if evaluation is not None:
        entry["evaluation"] = evaluation
    manifest["similarity"] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return entry


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default="runs/sim/similarity.pt")
    ap.add_argument("--model", default="public/models/serpent-cxr", help="model folder to add the towers to")
    args = ap.parse_args(argv)
    try:
        if not Path(args.ckpt).exists():
            raise SimilarityExportError(f"{args.ckpt} not found; train it with `npm run train-similarity -- --out runs/sim`")
        towers, ckpt = load_towers(args.ckpt)
        entry = add_towers(args.model, towers, {"val": ckpt["val"], "train_config": ckpt["train_config"]})
    except SimilarityExportError as e:
        print(f"export-similarity: {e}", file=sys.stderr)
        return 2
    kb = (entry["image"]["bytes"] + entry["text"]["bytes"]) / 1e3
    print(f"wrote {args.model}/onnx/similarity_{{image,text}}.onnx ({kb:.0f} kB); manifest updated (verified in onnxruntime-node)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
