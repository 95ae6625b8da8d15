"""The mirror check: a small CNN that says whether a frontal chest film is shown mirrored, its left and right swapped
(the heart and the aortic knob on the image's left). A film saved or exported flipped passes every other check,
because it is still a chest radiograph; but then every side the draft names is the wrong one.

The score is antisymmetric by construction: mirror_logit(x) = g(flip x) − g(x), so a film and its mirror image get
opposite scores, and the share of real films it flags is exactly the share of their mirror images it misses at the
negated threshold. It reads the report model's own input (normalised pixels [V,1,S,S]) and returns `mirror_logit`
[V] (> threshold → the page notes it and offers to flip the film). The threshold is the `--false-alarm` quantile of
the val films' scores. A patient with dextrocardia also scores high, which is why the page notes and never withholds.

    npm run mirror-check                  # train on the train split (~3 min on 2 CPU cores), print val and test
    npm run mirror-check -- --write       # … and write onnx/mirror_check.onnx and manifest.mirror_check

manifest.mirror_check = {path, bytes, sha256, threshold, training, evaluation}."""
import argparse
import json
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .augment import augment, degrade, gaussian_blur
from .data import load_meta
from .manifest import write_manifest
from .modelio import load_model_io
from .ood_detector import strided_features
from .ort_node import run_onnx
from .pixel_export import set_file_entry

OPSET = 17
MAX_DIFF = 1e-3


@dataclass
class MirrorCheckConfig:
    image_size: int = 128
    channels: tuple = (16, 32, 64, 64)  # one stride-2 conv each, after a 2× average pool
    epochs: int = 14
    batch_size: int = 64
    lr: float = 4e-3
    weight_decay: float = 1e-4
    seed: int = 0
    false_alarm: float = 0.005  # the share of real val films flagged: sets the threshold


class MirrorCheck(nn.Module):
    def __init__(self, cfg: MirrorCheckConfig):
        super().__init__()
        self.cfg = cfg
        self.features, c_in, side = strided_features(cfg.channels, cfg.image_size)
        self.head = nn.Linear(c_in * side * side, 1)

    def as_given(self, pixels):  # [B,1,S,S] → [B]: how much the film looks the right way round
        return self.head(self.features(pixels).flatten(1)).squeeze(1)

    def forward(self, pixels):  # [B,1,S,S] normalised → [B] mirror_logit (high = shown mirrored)
        return self.as_given(pixels.flip(3)) - self.as_given(pixels)


def load_split(corpus, split):
    """→ uint8 films [N,S,S] and their sources [N]."""
    pixels = np.load(Path(corpus) / split / "pixels.npy")
    with open(Path(corpus) / split / "records.jsonl") as f:
        sources = np.array([json.loads(line)["source"] for line in f])
    return pixels, sources


def scores_of(model, films_u8, mean, std, batch=256, transform=None):
    """films [N,S,S] uint8 → mirror_logit [N]; transform (x01 [B,1,S,S] → same) degrades them first."""
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(films_u8), batch):
            x01 = torch.from_numpy(films_u8[i:i + batch]).float()[:, None] / 255.0
            if transform is not None:
                x01 = transform(x01)
            out.append(model((x01 - mean) / std))
    return torch.cat(out).numpy()


def threshold_for(val_scores, false_alarm):
    """The val scores' (1 − false_alarm) quantile, never below 0 (a film must score more mirrored than not)."""
    return max(0.0, float(np.quantile(val_scores, 1.0 - false_alarm)))


def rates(scores, sources, threshold):
    """Per source and all: the share of real films flagged, and the share of their mirror images caught (−score)."""
    out = {}
    for name in [*sorted(set(sources)), "all"]:
        s = scores if name == "all" else scores[sources == name]
        out[name] = {"n": int(len(s)), "real_flagged": float(np.mean(s > threshold)),
                     "mirrored_caught": float(np.mean(-s > threshold))}
    return out


def noisy(sigma):
    def f(x01):
        g = torch.Generator().manual_seed(1)
        return (x01 + sigma * torch.randn(x01.shape, generator=g)).clamp(0, 1)
    return f


def blurred(sigma):
    return lambda x01: gaussian_blur(x01, torch.full((x01.shape[0],), float(sigma)))


DEGRADED = {"noise_0.1": noisy(0.1), "blur_2": blurred(2.0)}


def train(model, films_u8, cfg, mean, std, log=print):
    """Half of each batch mirrored; the label is 1 for a mirrored film. augment + degrade, as the robust recipe."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr / 2, weight_decay=cfg.weight_decay)
    steps = len(films_u8) // cfg.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.epochs * steps)
    g = torch.Generator().manual_seed(cfg.seed)
    for epoch in range(cfg.epochs):
        t0, total = time.time(), 0.0
        model.train()
        order = torch.randperm(len(films_u8), generator=g).numpy()
        for k in range(steps):
            idx = np.sort(order[k * cfg.batch_size:(k + 1) * cfg.batch_size])
            x01 = degrade(augment(torch.from_numpy(films_u8[idx])[:, None]))
            mirrored = torch.rand(len(idx), generator=g) < 0.5
            x01 = torch.where(mirrored.view(-1, 1, 1, 1), x01.flip(3), x01)
            loss = F.binary_cross_entropy_with_logits(model((x01 - mean) / std), mirrored.float())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        log(f"epoch {epoch + 1}/{cfg.epochs} loss {total / steps:.4f} {time.time() - t0:.0f} s")


def evaluate(model, splits, mean, std, threshold):
    """splits: {name: (films, sources)}, val and test; each clean, and under the eval's noise σ 0.1 and blur σ 2 (real
    films flagged, mirror images caught)."""
    out = {}
    for split, (films, sources) in splits.items():
        out[split] = {"clean": rates(scores_of(model, films, mean, std), sources, threshold)}
        for name, transform in DEGRADED.items():
            out[split][name] = rates(scores_of(model, films, mean, std, transform=transform), sources, threshold)["all"]
    return out


def export_onnx(model, path, image_size):
    names = load_model_io()["mirrorCheck"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(2, 1, image_size, image_size),), str(path), opset_version=OPSET,
                          do_constant_folding=True, input_names=[names["inputs"]["pixels"]],
                          output_names=[names["outputs"]["score"]],
                          dynamic_axes={names["inputs"]["pixels"]: {0: "views"}, names["outputs"]["score"]: {0: "views"}})


def verify_onnx(model, path, x):
    """The file's logits against PyTorch's on pixels x [V,1,S,S] (normalised) → max |Δ|; raises past MAX_DIFF."""
    names = load_model_io()["mirrorCheck"]
    with torch.no_grad():
        want = model.eval()(torch.from_numpy(x)).numpy()
    got = run_onnx([(path, {names["inputs"]["pixels"]: x})])[0][names["outputs"]["score"]]
    diff = float(np.abs(got - want).max())
    if got.shape != want.shape or diff > MAX_DIFF:
        raise RuntimeError(f"{path}: the ONNX mirror logits differ from PyTorch's (shape {got.shape}, max |Δ| {diff:.5f})")
    return diff


def write_mirror_check(model_dir, manifest, model, threshold, verify_x, training=None, evaluation=None):
    """Exports the check into model_dir/onnx, verifies it and sets manifest.mirror_check → (entry, max |Δ|)."""
    model_dir = Path(model_dir)
    path = model_dir / "onnx" / (load_model_io()["files"]["mirrorCheck"] + ".onnx")
    export_onnx(model, path, manifest["preprocessing"]["image_size"])
    diff = verify_onnx(model, path, verify_x)
    entry = set_file_entry(model_dir, manifest, "mirror_check", path, {"threshold": threshold}, training, evaluation)
    write_manifest(model_dir, manifest)
    return entry, diff


def random_mirror_check(model_dir, seed=0, threshold=0.0):
    """A seeded random-weight mirror check written into model_dir (a test fixture) → (entry, max |Δ|)."""
    manifest = json.loads((Path(model_dir) / "manifest.json").read_text())
    size = manifest["preprocessing"]["image_size"]
    torch.manual_seed(seed)
    model = MirrorCheck(MirrorCheckConfig(image_size=size)).eval()
    x = np.random.default_rng(seed).standard_normal((2, 1, size, size)).astype(np.float32)
    return write_mirror_check(model_dir, manifest, model, threshold, x)


def main(argv=None):
    p = argparse.ArgumentParser(description="Train the mirror check on the train split's frontal films.")
    p.add_argument("--corpus", default="corpus")
    p.add_argument("--model", default="public/models/serpent-cxr", help="model folder (--write target)")
    p.add_argument("--epochs", type=int, default=MirrorCheckConfig.epochs)
    p.add_argument("--seed", type=int, default=MirrorCheckConfig.seed)
    p.add_argument("--false-alarm", type=float, default=MirrorCheckConfig.false_alarm)
    p.add_argument("--limit", type=int, default=0, help="train on the first N films only (tests)")
    p.add_argument("--out", default="runs/mirror-check", help="folder for the trained weights (mirror_check.pt)")
    p.add_argument("--resume", action="store_true", help="load <out>/mirror_check.pt trained before instead of training")
    p.add_argument("--write", action="store_true", help="export the ONNX file and set manifest.mirror_check")
    p.add_argument("--random", action="store_true", help="write a seeded random-weight mirror check into --model (a test fixture)")
    args = p.parse_args(argv)
    if args.random:
        entry, _ = random_mirror_check(args.model)
        print(f"wrote a random mirror check: {entry['path']} ({entry['bytes']} bytes)")
        return 0
    torch.set_num_threads(max(2, torch.get_num_threads()))
    meta = load_meta(args.corpus)
    mean, std = meta["pixel_mean"], meta["pixel_std"]
    cfg = MirrorCheckConfig(image_size=meta["image_size"], epochs=args.epochs, seed=args.seed, false_alarm=args.false_alarm)
    model_dir = Path(args.model)
    manifest = json.loads((model_dir / "manifest.json").read_text()) if args.write else None
    pre = manifest["preprocessing"] if manifest else None
    if pre and (pre["image_size"], pre["pixel_mean"], pre["pixel_std"]) != (cfg.image_size, mean, std):
        raise SystemExit(f"{model_dir} reads {pre['image_size']} px films normalised by {pre['pixel_mean']}, {pre['pixel_std']}; "
                         f"the corpus {args.corpus} has {cfg.image_size}, {mean}, {std}: rebuild one of them to match")
    torch.manual_seed(cfg.seed)
    model = MirrorCheck(cfg)
    ckpt = Path(args.out) / "mirror_check.pt"
    if args.resume and ckpt.exists():
        model.load_state_dict(torch.load(ckpt, map_location="cpu")["model"])
        print(f"resumed the trained mirror check from {ckpt}")
    else:
        films, _ = load_split(args.corpus, "train")
        train(model, films[: args.limit] if args.limit else films, cfg, mean, std)
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "config": asdict(cfg)}, ckpt)
    splits = {split: load_split(args.corpus, split) for split in ("val", "test")}
    val_films = splits["val"][0]
    threshold = threshold_for(scores_of(model, val_films, mean, std), cfg.false_alarm)
    evaluation = evaluate(model, splits, mean, std, threshold)
    print(json.dumps({"threshold": threshold, **evaluation}, indent=1))
    if not manifest:
        return 0
    x = ((val_films[:64].astype(np.float32) / 255 - mean) / std)[:, None]
    entry, diff = write_mirror_check(model_dir, manifest, model, threshold, x, training=asdict(cfg), evaluation=evaluation)
    print(f"wrote {entry['path']} ({entry['bytes'] / 1e3:.0f} kB; against PyTorch on {len(x)} val films: max |Δ| {diff:.2e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
