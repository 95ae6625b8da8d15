"""Writes manifest.json in exactly the shape of `ModelManifest` (src/engine/manifest.ts): file entries with sha256,
OOD statistics of the training image embeddings, decoding defaults, licence notes.

OOD score (the engine computes the same): diag Mahalanobis of the view-averaged image_embeds x,
    score(x) = sqrt( Σ_e (x_e − mean_e)² / var_e ),
threshold = 99th percentile of the training scores."""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from .tokenizer_json import SPECIAL_IDS

LICENCES_PATH = Path(__file__).resolve().parent / "data_licences.json"
FINDINGS_PATH = Path(__file__).resolve().parent.parent / "src" / "text" / "findings.json"
INTENDED_USE = "open-data demo, not for clinical use"
VAR_FLOOR = 1e-6


def default_decoding(max_length, beta=1.0):
    return {"beam": 3, "alpha": 1.0, "beta": float(beta), "repetition_penalty": 1.0, "no_repeat_ngram": 4,
            "min_length": 8, "max_length": int(max_length)}


def file_entry(model_dir, path):
    data = Path(path).read_bytes()
    return {"path": Path(path).relative_to(model_dir).as_posix(), "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def ood_scores(embeds, mean, var):
    """embeds [n,E] → diag-Mahalanobis scores [n]."""
    return np.sqrt((((embeds - mean) ** 2) / var).sum(axis=1))


def ood_stats(embeds):
    """embeds [n,E] training image_embeds (averaged over views) → OodStats."""
    embeds = np.asarray(embeds, dtype=np.float64)
    mean = embeds.mean(axis=0)
    var = np.maximum(embeds.var(axis=0), VAR_FLOOR)
    scores = ood_scores(embeds, mean, var)
    qs = {f"p{q}": float(np.percentile(scores, q)) for q in (50, 90, 95, 99, 100)}
    return {"score": "diag_mahalanobis", "mean": [float(v) for v in mean], "var": [float(v) for v in var],
            "threshold": qs["p99"], "train_quantiles": qs}


def read_manifest_pair(src_dir, model_dir, error):
    """(src_dir's manifest, model_dir's) for copying a part between exported model folders; raises error otherwise."""
    paths = [Path(d) / "manifest.json" for d in (src_dir, model_dir)]
    for path in paths:
        if not path.exists():
            raise error(f"{path} not found; both --from-model and --model must be exported model folders")
    return tuple(json.loads(path.read_text()) for path in paths)


def copy_model_file(src_dir, model_dir, entry, error):
    """Copies the file of a manifest file entry from src_dir into model_dir → model_dir's entry. The donor's bytes are
    checked against the entry's sha256 before anything is written."""
    data = (Path(src_dir) / entry["path"]).read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise error(f"{src_dir}/{entry['path']} does not match its manifest's sha256; re-export that folder")
    path = Path(model_dir) / entry["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return file_entry(model_dir, path)


def preprocessing_mismatch(src_manifest, manifest):
    """(src's, manifest's) pixel preprocessing when two model folders feed their networks different pixels, else None:
    a part copied between folders (OOD detector, pixel-reading towers) needs the same size, mean and std."""
    keys = ("image_size", "pixel_mean", "pixel_std")
    want = {k: src_manifest["preprocessing"][k] for k in keys}
    got = {k: manifest["preprocessing"][k] for k in keys}
    return None if want == got else (want, got)


def require_same_pixels(src_manifest, manifest, model_dir, error, what, remedy):
    """Raises error("<what> <src's preprocessing> but <model_dir> uses <its own>; <remedy>") when a part copied between
    folders would be fed other pixels than it was made for."""
    mismatch = preprocessing_mismatch(src_manifest, manifest)
    if mismatch:
        want, got = mismatch
        raise error(f"{what} {want} but {model_dir} uses {got}; {remedy}")


def default_findings():
    with open(FINDINGS_PATH) as f:
        return [x["name"] for x in json.load(f)]


def licence_text():
    with open(LICENCES_PATH) as f:
        notes = json.load(f)
    return " ".join(v for k, v in notes.items() if k != "comment")


def build_manifest(*, model_dir, model_id, version, created, cfg, params, image_size, pixel_mean, pixel_std,
                   max_length, files, findings, ood, decoding, training=None, evaluation=None, decoder_graph="fused-prefix"):
    """files: {precision: {file key: path}} → the manifest dict (paths made relative to model_dir)."""
    entries = {prec: {key: file_entry(model_dir, p) for key, p in group.items()} for prec, group in files.items()}
    manifest = {
        "format": "serpent-model",
        "format_version": 1,
        "id": model_id,
        "version": version,
        "created": created,
        "preprocessing": {"image_size": int(image_size), "pixel_mean": float(pixel_mean),
                          "pixel_std": float(pixel_std), "grid": [cfg.grid, cfg.grid]},
        "architecture": {"d_model": cfg.d_model, "n_layers": cfg.n_layers, "n_heads": cfg.n_heads,
                         "head_dim": cfg.head_dim, "embed_dim": cfg.embed_dim,
                         "n_image_tokens": cfg.n_image_tokens, "vocab_size": cfg.vocab_size, "params": params,
                         "decoder_graph": decoder_graph},
        "tokenizer": "tokenizer.json",
        "special_ids": dict(SPECIAL_IDS),
        "max_length": int(max_length),
        "decoding": decoding,
        "default_precision": "int8" if "int8" in entries else "fp32",
        "files": entries,
        "findings": list(findings),
        "ood": ood,
        "intended_use": INTENDED_USE,
        "licence": licence_text(),
    }
    if training is not None:
        manifest["training"] = training
    if evaluation is not None:
        manifest["evaluation"] = evaluation
    return manifest


def write_manifest(model_dir, manifest):
    with open(Path(model_dir) / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def read_folder_manifest(model_dir, prog):
    """A model folder's manifest.json for a command-line tool, or None after telling stderr to pass a model folder."""
    path = Path(model_dir) / "manifest.json"
    if not path.exists():
        print(f"{prog}: {path} not found; pass a model folder", file=sys.stderr)
        return None
    return json.loads(path.read_text())
