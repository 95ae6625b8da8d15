"""The image reader: a second reading of the film with its own eyes, for the subtype gate and the finding votes.

The linear reader (training/finding_reader.py) reads the report model's own image tokens, so where the model misreads
a film it tends to misread it too. This one is an ImageNet MobileNetV2 (../shared/data/pretrained/, the same network
the similarity towers see through) fine-tuned as a multi-label classifier on the train split's labels:

    P(f | film) = σ(head(mean over cells of MobileNetV2(film)))     film: the model's 128 px input, grey → RGB

Blocks 0–12 (stride 16) stay as ImageNet trained them; their features are computed once and cached. Blocks 13–16,
the last 1×1 conv and a linear head over the findings are trained (BCE, AdamW, one-cycle; shifts of one feature cell
as augmentation). On this 2-core CPU: 8 min for the features, about 25 s an epoch.

    npm run image-reader -- --model public/models/serpent-cxr [--cache runs/image-reader] [--write]

`--write` exports onnx/image_reader_int8.onnx (the whole network, pixels → probabilities; the ImageNet blocks as the
TFLite file's uint8, the trained top in int8; checked against PyTorch in onnxruntime-node on val films) and sets
manifest.image_reader = {path, bytes, sha256, findings, training, evaluation}. The engine runs it beside the OOD
detector (src/engine/onnxModel.ts). Its P(consolidation) can feed the pneumonia-subtype gate (`npm run subtype-probe
-- --feature image_reader`); with `--finding-reader` the finding votes read it too (finding_reader = {feature
"image_reader"}), in place of a linear reader."""
import argparse
import copy
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import CorpusError
from .finding_reader import micro_f1, study_labels
from .manifest import FINDINGS_PATH, write_manifest
from .mobilenet_v2 import STRIDE16_BLOCKS, MobileNetV2, load_mobilenet_v2
from .modelio import load_model_io
from .pixel_export import export_pixel_network, file_and_module_outputs, frozen_trunk, set_file_entry

MAX_DIFF = 5e-2  # the file against PyTorch's fp32 network, on probabilities of real films
FROZEN_NODES = ("/reader/stem/", "/reader/frozen.")  # ONNX node-name prefixes of the ImageNet blocks kept as trained


@dataclass
class ImageReaderConfig:
    epochs: int = 8
    batch_size: int = 64
    lr_body: float = 5e-4
    lr_head: float = 3e-3
    weight_decay: float = 1e-3
    dropout: float = 0.2
    seed: int = 0


class ImageReader(nn.Module):
    """pixels [B,1,S,S], normalised as the vision encoder's input → logits [B,F]. `top` runs from stride-16 features."""

    def __init__(self, net, n_findings, pixel_mean, pixel_std, dropout=0.2):
        super().__init__()
        self.stem = net.stem
        self.frozen = net.blocks[:STRIDE16_BLOCKS]
        self.blocks = copy.deepcopy(net.blocks[STRIDE16_BLOCKS:])
        self.last = copy.deepcopy(net.last)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(1280, n_findings)
        self.mean, self.std = float(pixel_mean), float(pixel_std)

    def stride16(self, x01):
        """x01 [B,1,S,S] in [0,1] → ImageNet MobileNetV2's block-12 features [B,96,S/16,S/16]."""
        return frozen_trunk(self.stem, self.frozen, x01)

    def top(self, feats):
        for block in self.blocks:
            feats = block(feats)
        return self.head(self.drop(self.last(feats).mean(dim=(2, 3))))  # [B,1280] → [B,F]

    def forward(self, pixels):
        return self.top(self.stride16(pixels * self.std + self.mean))


class ProbabilityExport(nn.Module):
    """What the ONNX file computes: sigmoid of the logits."""

    def __init__(self, reader):
        super().__init__()
        self.reader = reader.eval()

    def forward(self, pixels):
        return torch.sigmoid(self.reader(pixels))


def load_split(corpus, split):
    """→ each study's first view as uint8 [S,H,W], its labels [S,F] (without 'No Finding'), its records."""
    corpus = Path(corpus)
    if not (corpus / split / "pixels.npy").exists():
        raise CorpusError(f"{corpus}/{split}/pixels.npy not found; build the corpus with `npm run corpus`")
    pixels = np.load(corpus / split / "pixels.npy", mmap_mode="r")
    first = np.load(corpus / split / "views.npy")[:, 0]
    labels = study_labels(corpus, split)
    records = [json.loads(line) for line in (corpus / split / "records.jsonl").read_text().splitlines()]
    return np.asarray(pixels[first]), labels, records


def stride16_features(reader, pixels, cache_path, log=print, batch=64):
    """Block-12 features [S,96,h,w] (fp16) of uint8 films, cached at cache_path."""
    if cache_path is not None and Path(cache_path).exists():
        return np.load(cache_path)
    s = pixels.shape[-1] // 16
    out = np.zeros((len(pixels), 96, s, s), np.float16)
    t0 = time.time()
    with torch.no_grad():
        for i in range(0, len(pixels), batch):
            x01 = torch.from_numpy(pixels[i:i + batch]).float().unsqueeze(1) / 255  # [B,1,S,S]
            out[i:i + batch] = reader.stride16(x01).numpy().astype(np.float16)
            if i % (batch * 40) == 0:
                log(f"  features {i}/{len(pixels)} ({time.time() - t0:.0f} s)")
    if cache_path is not None:
        Path(cache_path).parent.mkdir(parents=True, exist_ok=True)
        np.save(cache_path, out)
    return out


def train_top(reader, feats, labels, cfg, log=print):
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    body = list(reader.blocks.parameters()) + list(reader.last.parameters())
    opt = torch.optim.AdamW([{"params": body, "lr": cfg.lr_body}, {"params": reader.head.parameters(), "lr": cfg.lr_head}],
                            weight_decay=cfg.weight_decay)
    steps = cfg.epochs * math.ceil(len(feats) / cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[cfg.lr_body, cfg.lr_head], total_steps=steps, pct_start=0.1)
    t0 = time.time()
    for epoch in range(cfg.epochs):
        reader.train()
        order = rng.permutation(len(feats))
        for i in range(0, len(order), cfg.batch_size):
            b = order[i:i + cfg.batch_size]
            x = torch.from_numpy(feats[b].astype(np.float32))  # [B,96,h,w]
            dy, dx = rng.integers(-1, 2, 2)
            x = torch.roll(x, shifts=(int(dy), int(dx)), dims=(2, 3))  # a one-cell shift of the film
            loss = F.binary_cross_entropy_with_logits(reader.top(x), torch.from_numpy(labels[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        log(f"epoch {epoch}: loss {loss.item():.4f} ({time.time() - t0:.0f} s)")
    return reader.eval()


def probabilities(reader, feats, batch=256):
    with torch.no_grad():
        return torch.cat([torch.sigmoid(reader.top(torch.from_numpy(feats[i:i + batch].astype(np.float32))))
                          for i in range(0, len(feats), batch)]).numpy()


def evaluate(probs, labels, records, findings):
    """Val micro-F1 and hallucination at P > ½, per source, and bacterial-vs-viral from P(consolidation)."""
    pred = torch.from_numpy((probs > 0.5).astype(np.float32))
    labels = torch.from_numpy(labels)
    sources = np.array([r["source"] for r in records])
    out = {"split": "val", "threshold": 0.5, "n": len(probs)}
    out["micro_f1"], out["hallucination_rate"] = micro_f1(pred, labels)
    for s in sorted(set(sources)):
        m = torch.from_numpy(sources == s)
        f1, hall = micro_f1(pred[m], labels[m])
        out[s] = {"n": int((sources == s).sum()), "micro_f1": round(f1, 4), "hallucination_rate": round(hall, 4)}
    typed = [(i, "bacteria" in r["id"]) for i, r in enumerate(records) if "bacteria" in r["id"] or "virus" in r["id"]]
    if typed and "consolidation" in findings:
        p = probs[[i for i, _ in typed], findings.index("consolidation")]
        bacterial = np.array([b for _, b in typed])
        out["bacterial_vs_viral"] = {"n": len(typed), "accuracy": round(float(((p > 0.5) == bacterial).mean()), 4)}
    return out


def export_onnx(reader, path, image_size):
    """pixels [V,1,S,S] → probabilities [V,F]. The frozen ImageNet blocks keep the exact uint8 weights of the TFLite
    file (a DequantizeLinear each); the trained top is int8 per output channel. Storing the whole network as
    per-channel int8 instead moved a probability by up to 0.22 on val films; this way by 0.04 (2.4 MB either way)."""
    names = load_model_io()["imageReader"]
    export_pixel_network(ProbabilityExport(reader), path, image_size, names["inputs"]["pixels"], names["outputs"]["probabilities"],
                         FROZEN_NODES)


def verify_onnx(reader, path, x):
    """The file's probabilities against PyTorch's fp32 on pixels x [V,1,S,S] (normalised) → the largest |ΔP|."""
    names = load_model_io()["imageReader"]
    got, want = file_and_module_outputs(ProbabilityExport(reader), path, x, names["inputs"]["pixels"], names["outputs"]["probabilities"])
    diff = float(np.abs(got - want).max())
    if diff > MAX_DIFF:
        raise RuntimeError(f"{path}: ONNX probabilities differ from PyTorch's by {diff:.4f}")
    return diff


def write_reader(model_dir, manifest, reader, findings, verify_x, training=None, evaluation=None, finding_reader=False):
    """Exports the reader into model_dir/onnx, checks it on verify_x and sets manifest.image_reader (and, with
    finding_reader, points manifest.finding_reader at it) → (entry, |ΔP|)."""
    model_dir = Path(model_dir)
    path = model_dir / "onnx" / (load_model_io()["files"]["imageReader"] + "_int8.onnx")
    export_onnx(reader, path, manifest["preprocessing"]["image_size"])
    diff = verify_onnx(reader, path, verify_x)
    entry = set_file_entry(model_dir, manifest, "image_reader", path, {"findings": list(findings)}, training, evaluation)
    if finding_reader:
        manifest["finding_reader"] = {"feature": "image_reader"}
    write_manifest(model_dir, manifest)
    return entry, diff


def random_reader(model_dir, seed=0):
    """A seeded random-weight reader over every finding, written into model_dir: the engine tests' fixture."""
    manifest = json.loads((Path(model_dir) / "manifest.json").read_text())
    pre = manifest["preprocessing"]
    findings = [f["key"] for f in json.loads(FINDINGS_PATH.read_text()) if f["key"] != "no_finding"]
    torch.manual_seed(seed)
    reader = ImageReader(MobileNetV2(), len(findings), pre["pixel_mean"], pre["pixel_std"]).eval()
    s = pre["image_size"]
    x = np.random.default_rng(seed).standard_normal((2, 1, s, s)).astype(np.float32)
    return write_reader(model_dir, manifest, reader, findings, x, finding_reader=True)


def main(argv=None):
    p = argparse.ArgumentParser(description="Fine-tune an ImageNet MobileNetV2 as the finding reader.")
    p.add_argument("--corpus", default="corpus")
    p.add_argument("--model", default="public/models/serpent-cxr", help="model folder (its preprocessing; --write target)")
    p.add_argument("--cache", default="runs/image-reader", help="folder for the cached stride-16 features")
    p.add_argument("--epochs", type=int, default=ImageReaderConfig.epochs)
    p.add_argument("--tflite", default=None, help="MobileNetV2 weights (default ../shared/data/pretrained/)")
    p.add_argument("--write", action="store_true", help="export the ONNX file and set manifest.image_reader")
    p.add_argument("--finding-reader", action="store_true", help="with --write: the finding votes read it too, in place of a linear reader")
    p.add_argument("--random", action="store_true", help="write a seeded random-weight reader into --model (a test fixture)")
    p.add_argument("--resume", action="store_true", help="load the reader trained before (<cache>/image_reader.pt) instead of training")
    args = p.parse_args(argv)
    if args.random:
        entry, _ = random_reader(args.model)
        print(f"wrote a random image reader: {entry['path']} ({entry['bytes']} bytes)")
        return 0
    torch.set_num_threads(max(2, torch.get_num_threads()))
    cfg = ImageReaderConfig(epochs=args.epochs)
    model_dir = Path(args.model)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    pre = manifest["preprocessing"]
    meta = json.loads((Path(args.corpus) / "meta.json").read_text())
    if meta["image_size"] != pre["image_size"]:
        raise CorpusError(f"the corpus is {meta['image_size']} px but {model_dir} reads {pre['image_size']} px")
    findings = meta["finding_keys"][1:]
    torch.manual_seed(cfg.seed)
    reader = ImageReader(load_mobilenet_v2(args.tflite), len(findings), pre["pixel_mean"], pre["pixel_std"], cfg.dropout)
    reader.eval()
    train_px, train_labels, _ = load_split(args.corpus, "train")
    val_px, val_labels, val_records = load_split(args.corpus, "val")
    cache = Path(args.cache)
    train_feats = stride16_features(reader, train_px, cache / f"train_s16_{pre['image_size']}.npy")
    val_feats = stride16_features(reader, val_px, cache / f"val_s16_{pre['image_size']}.npy")
    ckpt = cache / "image_reader.pt"
    if args.resume and ckpt.exists():
        reader.load_state_dict(torch.load(ckpt, map_location="cpu"))
        print(f"resumed the trained reader from {ckpt}")
    else:
        train_top(reader, train_feats, train_labels, cfg)
        torch.save(reader.state_dict(), ckpt)
    evaluation = evaluate(probabilities(reader, val_feats), val_labels, val_records, findings)
    print(json.dumps(evaluation, indent=1))
    if not args.write:
        return 0
    films = val_px[:: max(1, len(val_px) // 64)][:64].astype(np.float32) / 255  # 64 val films across the sources
    entry, diff = write_reader(model_dir, manifest, reader, findings, ((films - pre["pixel_mean"]) / pre["pixel_std"])[:, None],
                               training={**asdict(cfg), "frozen_blocks": STRIDE16_BLOCKS}, evaluation=evaluation,
                               finding_reader=args.finding_reader)
    print(f"wrote {entry['path']} ({entry['bytes'] / 1e6:.2f} MB; against PyTorch's fp32 on 64 val films: max |ΔP| {diff:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
