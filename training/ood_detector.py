"""The out-of-distribution detector: a 32 k-parameter CNN that says whether an input looks like the frontal chest
radiographs the report model was trained on. It reads the report model's own input (normalised pixels
[B,1,S,S]) and returns one logit per image, `ood_logit` [B] (> threshold → warn).

Why a separate network: the report model's image embedding does not separate grey non-chest images from
chest radiographs (a grey document scan scored 14.5 against a training p99 of 22.9), because nothing in its
training ever showed it anything else. This one is trained on exactly that contrast: real training-split
radiographs (augmented) against the synthetic families of training/ood_images.py.

    npm run train-ood -- --out runs/ood                       # ~10 min on 2 CPU cores
    npm run train-ood -- --out runs/ood-loo-photo --exclude photo   # leave one family out: does it generalise?

The threshold is the `--fpr` quantile of the *unaugmented* validation radiographs' scores (default 0.5 %), so
the false-alarm rate on real chest radiographs is a choice, measured again on the test split."""
import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .augment import normalise
from .data import load_meta
from .ood_images import FAMILIES, augment_positive, letterbox, negative


@dataclass
class OodConfig:
    image_size: int = 128
    channels: tuple = (8, 16, 32, 32)  # one stride-2 conv each, after a 2× average pool
    hidden: int = 32


def strided_features(channels, image_size):
    """A 2× average pool, then one stride-2 3×3 convolution (BatchNorm, ReLU) per entry of channels → (the stack, its
    output channels, its output side). The detector and the mirror check (training/mirror_check.py) share it."""
    layers, c_in = [nn.AvgPool2d(2)], 1
    for c in channels:
        layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
        c_in = c
    return nn.Sequential(*layers), c_in, image_size // 2 // 2 ** len(channels)


class OodDetector(nn.Module):
    def __init__(self, cfg: OodConfig):
        super().__init__()
        self.cfg = cfg
        self.features, c_in, side = strided_features(cfg.channels, cfg.image_size)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c_in * side * side, cfg.hidden), nn.ReLU(),
                                  nn.Linear(cfg.hidden, 1))

    def forward(self, pixel_values):  # [B,1,S,S] normalised → [B] logit (high = out of distribution)
        return self.head(self.features(pixel_values)).squeeze(1)


def negative_pool(families, n_per_family, chest_pool, size, seed):
    """→ uint8 [n·|families|, S, S] and family index [n·|families|]."""
    rng = np.random.default_rng(seed)
    images, fam = [], []
    for f in families:
        images += [letterbox(negative(rng, f, chest_pool), size) for _ in range(n_per_family)]
        fam += [FAMILIES.index(f)] * n_per_family
    return np.stack(images), np.array(fam)


def as_batch(u8):
    """uint8 numpy [M,S,S] → torch [M,1,S,S] (still uint8 values)."""
    return torch.from_numpy(np.ascontiguousarray(u8)).unsqueeze(1)


def jitter(x01, g):
    """Cheap per-epoch variety for the fixed negative pool: flips, contrast and brightness. x01 [B,1,S,S]."""
    b = x01.shape[0]
    flip = torch.rand(b, generator=g) < 0.5
    x01 = torch.where(flip.view(b, 1, 1, 1), x01.flip(3), x01)
    c = torch.empty(b, 1, 1, 1).uniform_(0.8, 1.2, generator=g)
    s = torch.empty(b, 1, 1, 1).uniform_(-0.06, 0.06, generator=g)
    mu = x01.mean(dim=(2, 3), keepdim=True)
    return ((x01 - mu) * c + mu + s).clamp(0, 1)


@torch.no_grad()
def scores_of(model, u8, mean, std, batch=512):
    model.eval()
    return torch.cat([model(normalise(as_batch(u8[i:i + batch]), mean, std)) for i in range(0, len(u8), batch)]).numpy()


def per_source(records, scores, threshold):
    out = {}
    for src in sorted({r["source"] for r in records}):
        m = np.array([r["source"] == src for r in records])
        out[src] = {"n": int(m.sum()), "flagged": float((scores[m] > threshold).mean())}
    return out


def study_rows(corpus, split):
    """Rows of pixels.npy of each study's first view, with the study records (source per row)."""
    d = Path(corpus) / split
    views = np.load(d / "views.npy")
    records = [json.loads(line) for line in open(d / "records.jsonl")]
    return views[:, 0], records


def evaluate(model, corpus, mean, std, size, threshold, neg_test, fam_test):
    report = {}
    for split in ("val", "test"):
        rows, records = study_rows(corpus, split)
        pixels = np.load(Path(corpus) / split / "pixels.npy", mmap_mode="r")
        s = scores_of(model, np.asarray(pixels[rows]), mean, std)
        report[split] = {"false_alarm": float((s > threshold).mean()), "by_source": per_source(records, s, threshold)}
    s = scores_of(model, neg_test, mean, std)
    report["detected"] = {f: float((s[fam_test == i] > threshold).mean()) for i, f in enumerate(FAMILIES)
                          if (fam_test == i).any()}
    return report


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    meta = load_meta(args.corpus)
    size, mean, std = meta["image_size"], meta["pixel_mean"], meta["pixel_std"]
    train_px = np.load(Path(args.corpus) / "train" / "pixels.npy")
    val_px = np.load(Path(args.corpus) / "val" / "pixels.npy")
    test_px = np.load(Path(args.corpus) / "test" / "pixels.npy")
    if args.limit:
        train_px = train_px[: args.limit]
    families = [f for f in FAMILIES if f not in args.exclude]
    t0 = time.time()
    neg_train, _ = negative_pool(families, args.negatives, train_px, size, args.seed + 1)
    neg_test, fam_test = negative_pool(FAMILIES, args.test_negatives, np.concatenate([val_px, test_px]), size, 10_000 + args.seed)
    print(f"negatives: {len(neg_train)} train ({', '.join(families)}), {len(neg_test)} test, "
          f"{time.time() - t0:.0f} s", flush=True)
    cfg = OodConfig(image_size=size)
    model = OodDetector(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    rng, g = np.random.default_rng(args.seed), torch.Generator().manual_seed(args.seed)
    steps_per_epoch = (len(train_px) + len(neg_train)) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.epochs * steps_per_epoch)
    for epoch in range(args.epochs):
        t_epoch = time.time()
        pos = np.stack([letterbox(augment_positive(rng, im), size) for im in train_px])
        x = np.concatenate([pos, neg_train])
        y = np.concatenate([np.zeros(len(pos)), np.ones(len(neg_train))]).astype(np.float32)
        order = rng.permutation(len(x))
        model.train()
        total = 0.0
        for k in range(steps_per_epoch):
            idx = order[k * args.batch:(k + 1) * args.batch]
            x01 = as_batch(x[idx]).float() / 255.0
            neg = torch.from_numpy(y[idx]).bool()
            x01 = torch.where(neg.view(-1, 1, 1, 1), jitter(x01, g), x01)
            logits = model((x01 - mean) / std)
            loss = F.binary_cross_entropy_with_logits(logits, torch.from_numpy(y[idx]))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        print(f"epoch {epoch + 1}/{args.epochs} loss {total / steps_per_epoch:.4f} {time.time() - t_epoch:.0f} s", flush=True)
    val_rows, _ = study_rows(args.corpus, "val")
    val_scores = scores_of(model, val_px[val_rows], mean, std)
    threshold = float(np.quantile(val_scores, 1.0 - args.fpr))
    report = evaluate(model, args.corpus, mean, std, size, threshold, neg_test, fam_test)
    report.update({"threshold": threshold, "target_false_alarm": args.fpr, "excluded": list(args.exclude),
                   "minutes": (time.time() - t0) / 60})
    print(json.dumps(report, indent=1), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict(), "config": asdict(cfg), "threshold": threshold, "pixel_mean": mean,
                "pixel_std": std, "families": families, "evaluation": report, "args": vars(args)}, out / "ood.pt")
    (out / "ood_eval.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def load_detector(path):
    ckpt = torch.load(path, map_location="cpu")
    cfg = ckpt["config"]
    model = OodDetector(OodConfig(image_size=cfg["image_size"], channels=tuple(cfg["channels"]), hidden=cfg["hidden"]))
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default="corpus")
    p.add_argument("--out", default="runs/ood")
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--negatives", type=int, default=1500, help="training negatives per family")
    p.add_argument("--test-negatives", type=int, default=300, help="held-out negatives per family")
    p.add_argument("--exclude", nargs="*", default=[], choices=FAMILIES, help="families left out of training")
    p.add_argument("--fpr", type=float, default=0.005, help="false-alarm rate on validation radiographs")
    p.add_argument("--limit", type=int, default=0, help="use only the first N training radiographs (smoke runs)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


if __name__ == "__main__":
    train(parse_args())
