"""Shrinks a training checkpoint for the trip back from a lent GPU machine, and restores it here.

A returned file may hold at most 16 MiB; model 2's checkpoint is ~24 MB in fp32. `half` keeps everything the
checkpoint describes itself with (config, corpus meta, epoch, val loss) and stores the model's floating-point
tensors in fp16; `float` turns them back into fp32 so that `npm run export` reads the checkpoint as usual. The
round trip changes each weight by at most fp16's rounding (relative 2^-11).

    python3 -m training.ckpt_fp16 CKPT.pt SMALL.pt            # half
    python3 -m training.ckpt_fp16 --float SMALL.pt CKPT.pt    # back to fp32
"""
import argparse

import torch


def convert(src: str, dst: str, dtype: torch.dtype) -> None:
    ckpt = torch.load(src, map_location="cpu", weights_only=False)
    ckpt["model"] = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in ckpt["model"].items()}
    torch.save(ckpt, dst)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--float", action="store_true", help="fp16 → fp32 (default: fp32 → fp16)")
    args = ap.parse_args()
    convert(args.src, args.dst, torch.float32 if args.float else torch.float16)


if __name__ == "__main__":
    main()
