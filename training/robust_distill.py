"""Makes a shipped model's vision encoder survive ordinary film degradations by distilling it from itself.

    npm run robust-distill -- --model public/models/serpent-cxr --out /tmp/next/serpent-cxr --version 1.2.0

Why: serpent-cxr 1.1's report collapses under noise σ 0.1 or blur σ 2 (eval robustness grid), and retraining the whole
model with degradations (`npm run train -- --augment robust`) cost clean accuracy on this CPU budget.
Here only the encoder moves, and its target is its own clean output:
- teacher: the model's fp32 vision encoder, frozen, on the (standard-)augmented clean image;
- student: a copy of it (training/onnx_torch.py; the exporter folded BatchNorm, so the graph holds the weights), on
  the same image with blur, noise, gamma and contrast (training/augment.degrade) on `degraded_share` of the batch;
- loss: MSE of image_features, the decoder's image prefix, against the teacher's;
- optionally (`--finding-weight λ`) + λ · BCE of a linear finding head on the student's mean token (the finding
  reader's form, training/finding_reader.py) against the train split's labels. The caption loss that trained the
  encoder spends most of its signal on phrasing; this term nudges the tokens towards the findings themselves, while
  the MSE keeps them where the decoder expects them.
The decoder, embeddings and similarity towers see features close to those they were trained on, so they are kept;
the clean share of each batch holds the clean features in place. The finding reader in the manifest read the old
tokens, so the written folder drops it: re-run `npm run image-features` and `npm run finding-reader -- --write`.

Writes a copy of the model folder with the new vision encoder (fp32, int8, q4; same graph, new numbers), the OOD
Mahalanobis stats recomputed on the new embeddings, the version, fresh sha256s, and `training.robust_distill` (the
config and per-epoch val feature errors). Drops the old `evaluation` (it described the old encoder): run
`npm run eval -- --model OUT` next."""
import dataclasses
import functools
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F

from .augment import augment, degrade, gaussian_blur
from .export import study_embeds
from .folder_tune import copy_folder, parse_config, record_run, run_command
from .finding_reader import FindingReader, ReaderConfig, study_labels
from .manifest import file_entry, ood_stats
from .modelio import load_model_io
from .onnx_torch import OnnxModule, upstream_initializers
from .quantize import quantize_model_files


VISION_IO = load_model_io()["vision"]  # input/output names, read once (features() runs twice per training step)


class DistillError(Exception):
    """The model folder or corpus is missing or not what this command expects."""


@dataclasses.dataclass
class DistillConfig:
    model: str = "public/models/serpent-cxr"
    corpus: str = "corpus"
    out: str = ""
    version: str = ""
    epochs: int = 8  # what made serpent-cxr 1.2.0 (27 min on 2 cores)
    batch_size: int = 64
    lr: float = 2e-4
    degraded_share: float = 0.5  # of each batch; the rest is the clean image
    p: float = 0.6  # each degradation's probability on a degraded image
    blur: float = 3.0  # σ ≤ px of the model input (eval grid: 1, 2)
    noise: float = 0.2  # σ ≤ of the [0,1] range (eval grid: 0.05, 0.1, 0.2)
    val_n: int = 256
    time_budget_min: float = 60.0
    max_steps: int = 0  # tests: stop after this many steps
    seed: int = 0
    finding_weight: float = 0.0  # λ of the finding term (0: off, as 1.2.0 was made; 1: a screen, docs/RESULTS.md)
    finding_lr: float = 3e-3  # the finding head's learning rate (the encoder keeps lr)


def load_encoder(model_dir):
    """→ (onnx ModelProto of the fp32 vision encoder, its path, manifest)."""
    model_dir = Path(model_dir)
    mpath = model_dir / "manifest.json"
    if not mpath.exists():
        raise DistillError(f"{mpath} not found; pass --model DIR, a model folder written by `npm run export`")
    manifest = json.loads(mpath.read_text())
    io = load_model_io()
    entry = manifest["files"].get("fp32", {}).get(io["files"]["vision"])
    if not entry or not (model_dir / entry["path"]).exists():
        raise DistillError(f"{model_dir} has no fp32 vision encoder; distillation needs the fp32 file")
    return onnx.load(str(model_dir / entry["path"])), model_dir / entry["path"], manifest


def normalise01(x, manifest):
    pre = manifest["preprocessing"]
    return (x - pre["pixel_mean"]) / pre["pixel_std"]


def encode(module, x, output):
    """Normalised pixels [B,1,S,S] → the encoder output named by modelIO.json's vision.outputs[output]."""
    return module(**{VISION_IO["inputs"]["pixels"]: x})[VISION_IO["outputs"][output]]


def features(module, x01, manifest):
    """x01 [B,1,S,S] in [0,1] → image_features [B,N,D]."""
    return encode(module, normalise01(x01, manifest), "imageTokens")


def val_probes(pixels_u8, seed=0):
    """Fixed [0,1] val images and their eval-grid perturbations: {name: [n,1,S,S]}."""
    x = torch.from_numpy(np.asarray(pixels_u8, dtype=np.float32) / 255.0).unsqueeze(1)
    g = torch.Generator().manual_seed(seed)
    n = x.shape[0]
    return {"clean": x,
            "noise_0.1": (x + 0.1 * torch.randn(x.shape, generator=g)).clamp(0, 1),
            "blur_2": gaussian_blur(x, torch.full((n,), 2.0)).clamp(0, 1)}


@torch.no_grad()
def val_errors(student, teacher_clean, probes, manifest, batch=64):
    """→ {probe: mean squared error of the student's features against the teacher's clean ones}."""
    out = {}
    for name, x in probes.items():
        err = [((features(student, x[i:i + batch], manifest) - teacher_clean[i:i + batch]) ** 2).mean(dim=(1, 2))
               for i in range(0, len(x), batch)]
        out[name] = float(torch.cat(err).mean())
    return out


def image_labels(corpus, n_images):
    """→ [M,F] float32: each train image's study labels without 'No Finding' (views share their study's)."""
    views = np.load(Path(corpus) / "train" / "views.npy")  # [S,V] image rows, -1 = none
    labels = study_labels(corpus, "train")  # [S,F]
    out = np.zeros((n_images, labels.shape[1]), np.float32)
    for study, rows in enumerate(views):
        out[rows[rows >= 0]] = labels[study]
    return out


def train(cfg, log=functools.partial(print, flush=True)):
    """→ (student OnnxModule, teacher OnnxModule, encoder ModelProto, manifest, history)."""
    torch.manual_seed(cfg.seed)
    proto, _, manifest = load_encoder(cfg.model)
    corpus = Path(cfg.corpus)
    if not (corpus / "train" / "pixels.npy").exists():
        raise DistillError(f"{corpus}/train/pixels.npy not found; build the corpus with `npm run corpus`")
    train_px = np.load(corpus / "train" / "pixels.npy")  # [M,S,S] uint8
    val_px = np.load(corpus / "val" / "pixels.npy", mmap_mode="r")
    size = manifest["preprocessing"]["image_size"]
    if train_px.shape[1:] != (size, size):
        raise DistillError(f"corpus images are {train_px.shape[1:]}, the model takes {size}×{size}")
    trainable = upstream_initializers(proto.graph, VISION_IO["outputs"]["imageTokens"])
    teacher = OnnxModule(proto).eval()
    student = OnnxModule(proto, trainable)
    groups = [{"params": student.parameters(), "lr": cfg.lr}]
    head = labels = None
    if cfg.finding_weight > 0:
        labels = torch.from_numpy(image_labels(corpus, len(train_px)))  # [M,F]
        head = FindingReader(manifest["architecture"]["d_model"], labels.shape[1])
        groups.append({"params": head.parameters(), "lr": cfg.finding_lr, "weight_decay": ReaderConfig.weight_decay})
    opt = torch.optim.AdamW(groups, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(train_px) / cfg.batch_size)
    total = cfg.epochs * steps_per_epoch if not cfg.max_steps else cfg.max_steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    probes = val_probes(val_px[np.random.default_rng(cfg.seed).permutation(len(val_px))[:cfg.val_n]])
    with torch.no_grad():
        teacher_clean = torch.cat([features(teacher, probes["clean"][i:i + 64], manifest)
                                   for i in range(0, cfg.val_n, 64)])
    history = [{"epoch": 0, "step": 0, "minutes": 0.0, **val_errors(student, teacher_clean, probes, manifest)}]
    log(f"robust-distill: before {history[0]}")
    best = (math.inf, None)
    rng = np.random.default_rng(cfg.seed)
    start, step = time.time(), 0
    for epoch in range(1, cfg.epochs + 1):
        order = rng.permutation(len(train_px))
        student.train()
        losses, finding_losses = [], []
        for i in range(0, len(order), cfg.batch_size):
            batch = np.sort(order[i:i + cfg.batch_size])
            pixels = torch.from_numpy(train_px[batch]).unsqueeze(1)  # [B,1,S,S]
            x = augment(pixels)  # [B,1,S,S] in [0,1]
            k = int(round(cfg.degraded_share * len(x)))
            x_in = torch.cat([x[: len(x) - k], degrade(x[len(x) - k:], p=cfg.p, blur=cfg.blur, noise=cfg.noise)])
            with torch.no_grad():
                target = features(teacher, x, manifest)  # [B,N,D]
            feats = features(student, x_in, manifest)  # [B,N,D]
            loss = ((feats - target) ** 2).mean()
            if head is not None:
                finding = F.binary_cross_entropy_with_logits(head(feats), labels[batch])
                finding_losses.append(float(finding))
                loss = loss + cfg.finding_weight * finding
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss))
            step += 1
            if step % 20 == 0:
                log(f"  epoch {epoch} step {step} loss {np.mean(losses[-20:]):.5f} {(time.time() - start) / 60:.1f} min")
            if (cfg.max_steps and step >= cfg.max_steps) or (time.time() - start) / 60 > cfg.time_budget_min:
                break
        student.eval()
        row = {"epoch": epoch, "step": step, "minutes": (time.time() - start) / 60, "train_loss": float(np.mean(losses)),
               **({"train_finding_bce": float(np.mean(finding_losses))} if finding_losses else {}),
               **val_errors(student, teacher_clean, probes, manifest)}
        history.append(row)
        log(f"robust-distill: {row}")
        score = row["clean"] + row["noise_0.1"] + row["blur_2"]
        if score < best[0]:
            best = (score, {k: v.detach().clone() for k, v in student.state_dict().items()})
        if (cfg.max_steps and step >= cfg.max_steps) or (time.time() - start) / 60 > cfg.time_budget_min:
            break
    if best[1] is not None:
        student.load_state_dict(best[1])
    return student, proto, manifest, history


def write_folder(cfg, student, proto, manifest, history):
    """Copies the model folder to cfg.out with the student's encoder and an updated manifest → the manifest."""
    out = copy_folder(cfg.model, cfg.out, DistillError)  # the source folder is the teacher
    io = load_model_io()
    key = io["files"]["vision"]
    fp32_path = out / manifest["files"]["fp32"][key]["path"]
    teacher_sha = manifest["files"]["fp32"][key]["sha256"]
    onnx.save(student.write_back(proto), str(fp32_path))
    quantized = quantize_model_files({key: fp32_path}, fp32_path.parent)
    manifest["files"]["fp32"][key] = file_entry(out, fp32_path)
    for prec, files in quantized.items():
        if prec in manifest["files"]:
            manifest["files"][prec][key] = file_entry(out, files[key])
    corpus = Path(cfg.corpus)
    views = np.load(corpus / "train" / "views.npy")
    pick = np.sort(np.random.default_rng(0).permutation(len(views))[:2000])  # as export.py picks
    pixels = np.load(corpus / "train" / "pixels.npy", mmap_mode="r")
    pre = manifest["preprocessing"]
    stats = ood_stats(study_embeds(lambda x: encode(student.eval(), x, "imageEmbed"), pixels, views[pick],
                                   pre["pixel_mean"], pre["pixel_std"]))
    detector = manifest.get("ood", {}).get("detector")
    manifest["ood"] = {**stats, **({"detector": detector} if detector else {})}
    manifest.pop("finding_reader", None)  # it read the old encoder's tokens
    return record_run(out, manifest, cfg, "robust_distill", {"sha256_vision_fp32": teacher_sha}, history)


def main(argv=None):
    cfg = parse_config(DistillConfig, argv, __doc__)
    return run_command("robust-distill", cfg, "" if cfg.out else "--out DIR (a new model folder)",
                       lambda c: write_folder(c, *train(c)), DistillError,
                       f"npm run image-features -- --model {cfg.out} --out FEATURES --splits train,val && "
                       f"npm run finding-reader -- --features FEATURES --model {cfg.out} --write, then "
                       f"npm run eval -- --model {cfg.out} --split val --results none")


if __name__ == "__main__":
    sys.exit(main())
