"""The lesion map: where on the film a localised finding (a nodule, a mass, an opacity) most likely is.

The towers' word maps come from a contrastive word–region loss on frozen ImageNet features, and they point at a JSRT
nodule about as often as chance allows (docs/RESULTS.md). This network is trained on the one signal that says where a
lesion is, the train split's annotations (JSRT nodule disks, NIH boxes, RSNA opacity boxes), and nothing else:

    map(film) = softmax over the 16×16 cells of head(blocks 6–12(blocks 0–5(up256(film))))

film: the model's 128 px input, upsampled to 16·grid px inside the graph, so that stride 16 gives the report's heatmap
grid (the towers' 16×16: 256 px). Blocks 0–5 (stride 8) stay as ImageNet trained them; their features are computed once per film and flip. Blocks
6–12 and a small head (3×3 conv, ReLU, 1×1 conv) are trained with a cross-entropy between the map and the annotation's
cells (uniform over the cells a nodule disk or box touches), with horizontal flips and one-cell shifts. On this 2-core
CPU: about 2 min for the features and 2 min for 40 epochs over the 168 annotated train films.

    npm run lesion-map -- --model public/models/serpent-cxr [--write]

`--write` exports onnx/lesion_map_int8.onnx (pixels [V,1,S,S] → probabilities [V,256]; the ImageNet blocks as the
TFLite file's uint8, the trained blocks in int8, checked against PyTorch in onnxruntime-node on val films) and sets
manifest.lesion_map = {path, bytes, sha256, grid, findings, training, evaluation}. The engine shows it as the map of a
sentence that asserts one of `findings` (src/engine/lesionMap.ts)."""
import argparse
import copy
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import CorpusError
from .manifest import write_manifest
from .mobilenet_v2 import MobileNetV2, load_mobilenet_v2
from .modelio import load_model_io
from .pixel_export import export_pixel_network, file_and_module_outputs, frozen_trunk, set_file_entry
from .similarity_data import box_targets

FROZEN_BLOCKS = 6  # blocks 0–5: stride 8, ImageNet's
TRAINED_BLOCKS = (6, 13)  # blocks 6–12: stride 16, fine-tuned
GRID = 16  # the towers' heatmap grid; the film is upsampled to 16·GRID px inside the graph (stride 16 → GRID×GRID)
FROZEN_NODES = ("/lesion/stem/", "/lesion/frozen.")  # ONNX node-name prefixes of the ImageNet blocks kept as trained
# Findings whose sentences show this map: those the annotations it learnt from are of (JSRT nodules; NIH boxes of
# atelectasis, infiltrates and pneumonia; RSNA lung opacities).
FINDINGS = ["nodule", "mass", "lung_lesion", "lung_opacity", "consolidation", "pneumonia", "atelectasis", "infiltration"]
EXCEPT = ["covid19_pattern", "edema"]  # diffuse patterns (lung opacities too): a sentence asserting one keeps its words' maps
# Below this peak probability the engine does not show the map. On val (out/exp/lmConf.py) it keeps 10 of the 11 JSRT
# hits on clean films and hides 16 of 19 maps under noise σ 0.1 (none of them hits) and all 19 under blur σ 2.
MIN_PEAK = 0.25
MAX_DIFF = 0.1  # the int8 file's probabilities against PyTorch's fp32 network (a peaked map: cells near 0.3–0.6)
MIN_SAME_PEAK = 0.9  # and the share of films whose peak cell is the same


@dataclass
class LesionMapConfig:
    epochs: int = 40
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-2
    seed: int = 0


class LesionMap(nn.Module):
    """pixels [B,1,S,S], normalised as the vision encoder's input → cell logits [B,grid*grid]."""

    def __init__(self, net, pixel_mean, pixel_std, grid=GRID):
        super().__init__()
        self.grid, self.inner_size = int(grid), 16 * int(grid)
        self.stem = net.stem
        self.frozen = net.blocks[:FROZEN_BLOCKS]
        self.blocks = copy.deepcopy(net.blocks[TRAINED_BLOCKS[0]:TRAINED_BLOCKS[1]])
        channels = self.blocks[-1].project.out_channels
        self.head = nn.Sequential(nn.Conv2d(channels, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 1, 1))
        self.mean, self.std = float(pixel_mean), float(pixel_std)

    def stride8(self, x01):
        """x01 [B,1,S,S] in [0,1] → ImageNet block-5 features [B,32,2·grid,2·grid]."""
        x = F.interpolate(x01, size=(self.inner_size, self.inner_size), mode="bilinear", align_corners=False)
        return frozen_trunk(self.stem, self.frozen, x)

    def top(self, feats):
        for block in self.blocks:
            feats = block(feats)
        return self.head(feats).flatten(1)  # [B,1,grid,grid] → [B,grid*grid]

    def forward(self, pixels):
        """The film's map averaged with its mirror image's map, mirrored back (a nodule is one-sided; the network
        should not prefer a side): [B,1,S,S] → [B,grid*grid]."""
        x01 = pixels * self.std + self.mean
        return self.both(self.stride8(x01), self.stride8(x01.flip(-1)))

    def both(self, feats, mirrored):
        """Cell logits of a film's features and its mirror image's, averaged in the film's orientation."""
        g = self.grid
        return (self.top(feats) + self.top(mirrored).reshape(-1, g, g).flip(-1).flatten(1)) / 2


class ProbabilityExport(nn.Module):
    """What the ONNX file computes: the map as probabilities over the cells."""

    def __init__(self, net):
        super().__init__()
        self.lesion = net.eval()

    def forward(self, pixels):
        return torch.softmax(self.lesion(pixels), dim=1)


def annotated_films(corpus, data_dir, split, grid=GRID):
    """→ uint8 films [A,S,S], cell targets [A,grid*grid] (uniform over touched cells), ids: the split's annotated
    studies (first view)."""
    corpus = Path(corpus)
    if not (corpus / split / "pixels.npy").exists():
        raise CorpusError(f"{corpus}/{split}/pixels.npy not found; build the corpus with `npm run corpus`")
    records = [json.loads(line) for line in (corpus / split / "records.jsonl").read_text().splitlines()]
    first = np.load(corpus / split / "views.npy")[:, 0]
    size = int(np.load(corpus / split / "pixels.npy", mmap_mode="r").shape[-1])
    targets = box_targets(data_dir, [r["id"] for r in records], grid, size, split=split)
    keep = [i for i, r in enumerate(records) if r["id"] in targets]
    if not keep:
        raise CorpusError(f"no annotated {split} films: is {data_dir}/cxr/manifest.jsonl there?")
    pixels = np.load(corpus / split / "pixels.npy", mmap_mode="r")
    ids = [records[i]["id"] for i in keep]
    return np.asarray(pixels[first[keep]]), np.stack([targets[i] for i in ids]).astype(np.float32), ids


def frozen_features(net, films, batch=32):
    """uint8 films [A,S,S] → block-5 features of the films and of their mirror images, [A,32,h,w] each."""
    plain, mirrored = [], []
    with torch.no_grad():
        for i in range(0, len(films), batch):
            x01 = torch.from_numpy(films[i:i + batch]).float().unsqueeze(1) / 255  # [B,1,S,S]
            plain.append(net.stride8(x01))
            mirrored.append(net.stride8(x01.flip(-1)))
    return torch.cat(plain), torch.cat(mirrored)


def train(net, feats, mirrored, targets, cfg, log=print):
    """Cross-entropy between the map and the annotation's cells; a flip and a one-cell shift per film and step."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    grid = net.grid
    y = torch.from_numpy(targets).reshape(-1, grid, grid)
    params = list(net.blocks.parameters()) + list(net.head.parameters())
    opt = torch.optim.AdamW(params, cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * -(-len(feats) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=steps)
    ratio = feats.shape[-1] // grid  # feature cells per map cell
    t0 = time.time()
    for epoch in range(cfg.epochs):
        net.train()
        order = rng.permutation(len(feats))
        for i in range(0, len(order), cfg.batch_size):
            b = order[i:i + cfg.batch_size]
            flip = torch.from_numpy(rng.random(len(b)) < 0.5)
            x = torch.where(flip[:, None, None, None], mirrored[b], feats[b])  # [B,32,h,w]
            t = torch.where(flip[:, None, None], y[b].flip(-1), y[b])  # [B,grid,grid]
            dy, dx = (int(v) for v in rng.integers(-1, 2, 2))
            x = torch.roll(x, (dy * ratio, dx * ratio), (2, 3))
            t = torch.roll(t, (dy, dx), (1, 2)).flatten(1)
            t = t / t.sum(1, keepdim=True)
            loss = -(t * F.log_softmax(net.top(x), 1)).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if epoch % 10 == 9 or epoch == cfg.epochs - 1:
            log(f"epoch {epoch}: loss {loss.item():.4f} ({time.time() - t0:.0f} s)")
    return net.eval()


def pointing(net, feats, mirrored, targets, ids):
    """The eval's rule on the cached features (the map the file computes: the film's and its mirror's averaged): the
    argmax cell touches the annotation → hits per source ({'jsrt': [hits, n], ...})."""
    with torch.no_grad():
        peak = net.both(feats, mirrored).argmax(1).numpy()
    out = {}
    for i, id_ in enumerate(ids):
        source = id_.split("/")[0]
        hit = int(targets[i, peak[i]] > 0)
        out.setdefault(source, [0, 0])
        out[source][0] += hit
        out[source][1] += 1
    return out


def export_onnx(net, path, image_size):
    """pixels [V,1,S,S] → probabilities [V,grid*grid]. The ImageNet blocks keep the TFLite file's exact uint8 weights,
    the trained ones are int8 per output channel."""
    names = load_model_io()["lesionMap"]
    export_pixel_network(ProbabilityExport(net), path, image_size, names["inputs"]["pixels"], names["outputs"]["map"], FROZEN_NODES)


def verify_onnx(net, path, x):
    """The file's map against PyTorch's fp32 on pixels x [V,1,S,S] (normalised) → (max |Δp|, share of same peaks)."""
    names = load_model_io()["lesionMap"]
    got, want = file_and_module_outputs(ProbabilityExport(net), path, x, names["inputs"]["pixels"], names["outputs"]["map"])
    diff, same = float(np.abs(got - want).max()), float((got.argmax(1) == want.argmax(1)).mean())
    if diff > MAX_DIFF or same < MIN_SAME_PEAK:
        raise RuntimeError(f"{path}: ONNX probabilities differ from PyTorch's by {diff:.4f}, the peak cell on {1 - same:.0%} of films")
    return diff, same


def write_lesion_map(model_dir, manifest, net, verify_x, training=None, evaluation=None):
    """Exports the map into model_dir/onnx, checks it on verify_x and sets manifest.lesion_map → (entry, |Δp|, peaks)."""
    model_dir = Path(model_dir)
    path = model_dir / "onnx" / (load_model_io()["files"]["lesionMap"] + "_int8.onnx")
    export_onnx(net, path, manifest["preprocessing"]["image_size"])
    diff, peaks = verify_onnx(net, path, verify_x)
    fields = {"grid": [net.grid, net.grid], "findings": list(FINDINGS), "except": list(EXCEPT), "min_peak": MIN_PEAK}
    entry = set_file_entry(model_dir, manifest, "lesion_map", path, fields, training, evaluation)
    write_manifest(model_dir, manifest)
    return entry, diff, peaks


def random_lesion_map(model_dir, seed=0):
    """A seeded random-weight lesion map on the folder's heatmap grid, written into model_dir: the engine tests' fixture."""
    manifest = json.loads((Path(model_dir) / "manifest.json").read_text())
    pre = manifest["preprocessing"]
    torch.manual_seed(seed)
    net = LesionMap(MobileNetV2(), pre["pixel_mean"], pre["pixel_std"], heatmap_grid(manifest)).eval()
    s = pre["image_size"]
    x = np.random.default_rng(seed).standard_normal((2, 1, s, s)).astype(np.float32)
    return write_lesion_map(model_dir, manifest, net, x)


def heatmap_grid(manifest):
    """The grid the report's maps are drawn on (the towers', else the encoder's; src/engine/manifest.ts heatmapGrid)."""
    rows, cols = (manifest.get("similarity") or {}).get("grid") or manifest["preprocessing"]["grid"]
    if rows != cols:
        raise CorpusError(f"the lesion map needs a square heatmap grid, and this model's is {rows}×{cols}")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description="Train the lesion map on the train split's lesion annotations.")
    p.add_argument("--corpus", default="corpus")
    p.add_argument("--data", default=str(Path(__file__).resolve().parent.parent.parent / "shared" / "data"),
                   help="the data folder with cxr/manifest.jsonl and cxr/rsna_boxes_nih64.jsonl (the annotations)")
    p.add_argument("--model", default="public/models/serpent-cxr", help="model folder (its preprocessing; --write target)")
    p.add_argument("--epochs", type=int, default=LesionMapConfig.epochs)
    p.add_argument("--seed", type=int, default=LesionMapConfig.seed)
    p.add_argument("--tflite", default=None, help="MobileNetV2 weights (default ../shared/data/pretrained/)")
    p.add_argument("--out", default="runs/lesion-map", help="folder for the trained weights (lesion_map.pt)")
    p.add_argument("--resume", action="store_true", help="load <out>/lesion_map.pt trained before instead of training")
    p.add_argument("--write", action="store_true", help="export the ONNX file and set manifest.lesion_map")
    p.add_argument("--random", action="store_true", help="write a seeded random-weight lesion map into --model (a test fixture)")
    args = p.parse_args(argv)
    if args.random:
        entry, _, _ = random_lesion_map(args.model)
        print(f"wrote a random lesion map: {entry['path']} ({entry['bytes']} bytes)")
        return 0
    torch.set_num_threads(max(2, torch.get_num_threads()))
    cfg = LesionMapConfig(epochs=args.epochs, seed=args.seed)
    model_dir = Path(args.model)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    pre = manifest["preprocessing"]
    torch.manual_seed(cfg.seed)
    grid = heatmap_grid(manifest)
    net = LesionMap(load_mobilenet_v2(args.tflite), pre["pixel_mean"], pre["pixel_std"], grid).eval()
    t0 = time.time()
    splits = {s: annotated_films(args.corpus, args.data, s, grid) for s in ("train", "val")}
    feats = {s: frozen_features(net, films) for s, (films, _, _) in splits.items()}
    print(f"features of {', '.join(f'{len(v[2])} {s}' for s, v in splits.items())} annotated films ({time.time() - t0:.0f} s)")
    ckpt = Path(args.out) / "lesion_map.pt"
    if args.resume and ckpt.exists():
        net.load_state_dict(torch.load(ckpt, map_location="cpu"))
        print(f"resumed the trained lesion map from {ckpt}")
    else:
        train(net, *feats["train"], splits["train"][1], cfg)
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        torch.save(net.state_dict(), ckpt)
    hits = {s: pointing(net, *feats[s], splits[s][1], splits[s][2]) for s in ("train", "val")}
    evaluation = {"rule": "the argmax cell touches the annotation",
                  **{s: {src: {"hits": h, "n": n} for src, (h, n) in v.items()} for s, v in hits.items()}}
    print(json.dumps(evaluation))
    if not args.write:
        return 0
    films = splits["val"][0].astype(np.float32) / 255
    x = ((films - pre["pixel_mean"]) / pre["pixel_std"])[:, None]
    entry, diff, peaks = write_lesion_map(model_dir, manifest, net, x,
                                          training={**asdict(cfg), "frozen_blocks": FROZEN_BLOCKS, "inner_size": net.inner_size},
                                          evaluation=evaluation)
    print(f"wrote {entry['path']} ({entry['bytes'] / 1e6:.2f} MB; against PyTorch's fp32 on {len(x)} val films: "
          f"max |Δp| {diff:.4f}, same peak {peaks:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
