"""The similarity towers' own eyes: ImageNet MobileNetV2 (frozen) at stride 16 on the model input upsampled to 256 px,
a 16×16 grid of 96-channel features, instead of the report model's 8×8 image tokens.

Why: the towers read the same frozen tokens the report model writes from, so their word maps could not point
(JSRT nodules 2/35 in the pointing game, the centre prior's level), and an 8×8 grid of a 128 px film is coarser than
a nodule. A per-cell linear probe on these features points at 10 of the 35 val + test JSRT nodules, against 3–4 of
35 on the report model's tokens (out of the same 111 train nodules).

    npm run tower-features -- [--corpus corpus] [--out corpus/features-mnv2] [--splits train,val,test]

writes <out>/<split>/image_features{,_noise,_blur}.npy (float16 [M,256,96]; the train split also noisy σ 0.1 and
blurred σ 2 copies, as `npm run image-features` does), the input of `npm run train-similarity -- --features OUT`.
`PixelFeatures` is the same computation as a module; the exporter puts it inside similarity_image.onnx, so the
page feeds the towers the same normalised pixel tensor as the vision encoder."""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .augment import gaussian_blur
from .mobilenet_v2 import MobileNetV2, grey_to_input, load_mobilenet_v2

IMAGE_INPUT = "mobilenet_v2_s16"  # SimilarityConfig.image_input of towers trained on these features
FEATURE_SIZE = 256  # px the 128 px input is upsampled to: stride 16 → a 16×16 grid
TRAIN_VARIANTS = {"": None, "_noise": ("noise", 0.1), "_blur": ("blur", 2.0)}


class PixelFeatures(nn.Module):
    """Normalised pixels [B,1,S,S] (the vision encoder's input) → frozen MobileNetV2 stride-16 features [B,N,96],
    N = (FEATURE_SIZE/16)², row-major over the grid."""

    def __init__(self, net: MobileNetV2, pixel_mean: float, pixel_std: float, size: int = FEATURE_SIZE):
        super().__init__()
        self.net = net.eval()
        for p in self.net.parameters():
            p.requires_grad_(False)
        self.mean, self.std, self.size = float(pixel_mean), float(pixel_std), int(size)

    @property
    def grid(self):
        return self.size // 16

    def forward(self, pixels):
        x01 = pixels * self.std + self.mean  # [B,1,S,S] in [0,1]
        x = F.interpolate(x01, size=(self.size, self.size), mode="bilinear", align_corners=False)
        f = self.net.features(grey_to_input(x), 16)  # [B,96,G,G]
        return f.flatten(2).transpose(1, 2)  # [B,G*G,96]


def describe(features):
    """What a features folder holds; train-similarity copies it into the towers' config, the exporter rebuilds it."""
    return {"image_input": IMAGE_INPUT, "size": features.size, "grid": features.grid,
            "pixel_mean": features.mean, "pixel_std": features.std}


def perturbed(x01, variant, seed):
    """x01 [B,1,S,S] → the train copy named by TRAIN_VARIANTS[variant]."""
    spec = TRAIN_VARIANTS[variant]
    if spec is None:
        return x01
    kind, amount = spec
    if kind == "noise":
        g = torch.Generator().manual_seed(seed)
        return (x01 + amount * torch.randn(x01.shape, generator=g)).clamp(0, 1)
    return gaussian_blur(x01, torch.full((x01.shape[0],), amount)).clamp(0, 1)


@torch.no_grad()
def write_split(features, corpus, out, split, batch=64, log=print, clean_only=False):
    px = np.load(Path(corpus) / split / "pixels.npy", mmap_mode="r")  # [M,S,S] uint8
    (Path(out) / split).mkdir(parents=True, exist_ok=True)
    variants = TRAIN_VARIANTS if split == "train" and not clean_only else {"": None}
    for variant in variants:
        t0, rows = time.time(), []
        for i in range(0, len(px), batch):
            x01 = torch.from_numpy(np.asarray(px[i:i + batch], dtype=np.float32) / 255.0).unsqueeze(1)
            x01 = perturbed(x01, variant, seed=i)
            rows.append(features((x01 - features.mean) / features.std).numpy().astype(np.float16))
        path = Path(out) / split / f"image_features{variant}.npy"
        np.save(path, np.concatenate(rows))
        log(f"{path}: {len(px)} images, {time.time() - t0:.0f} s")
    if split == "train" and clean_only:
        for variant in TRAIN_VARIANTS:
            link = Path(out) / split / f"image_features{variant}.npy"
            if variant and not link.exists():
                link.symlink_to("image_features.npy")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="corpus")
    ap.add_argument("--out", default="corpus/features-mnv2")
    ap.add_argument("--splits", default="train,val,test")
    ap.add_argument("--pixel-mean", type=float, default=0.5)
    ap.add_argument("--pixel-std", type=float, default=0.25)
    ap.add_argument("--clean-only", action="store_true",
                    help="train split without its noisy and blurred copies (they then link to the clean file): a third of the time")
    args = ap.parse_args(argv)
    if not (Path(args.corpus) / "train" / "pixels.npy").exists():
        print(f"error: {args.corpus}/train/pixels.npy not found; build the corpus with `npm run corpus`", file=sys.stderr)
        return 2
    torch.set_num_threads(2)
    features = PixelFeatures(load_mobilenet_v2(), args.pixel_mean, args.pixel_std)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "features.json").write_text(json.dumps(describe(features), indent=2) + "\n")
    for split in args.splits.split(","):
        write_split(features, args.corpus, args.out, split, log=lambda *a: print(*a, flush=True), clean_only=args.clean_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
