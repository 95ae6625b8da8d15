"""Packs the corpus into a small lossless archive for a run on a lent GPU machine, and unpacks it there.

Pixels are stored as residuals of a gradient predictor (x[i-1,j] + x[i,j-1] - x[i-1,j-1], mod 256) and
LZMA-compressed, which roughly halves the size of 8-bit radiographs compared with LZMA alone; the other
.npy files are LZMA-compressed as they are, the rest copied. Every compressed stream is cut into parts of at
most --part-mib so that the parts can travel in separate calls (each call carries at most 64 MiB) and be
gathered in one folder there. Lossless: unpack(pack(c)) == c, byte for byte.

    /usr/bin/python3 -m training.transfer pack corpus .gpu/corpus [--splits train,val] [--part-mib 40]
    python3 -m training.transfer unpack GATHERED_DIR /tmp/corpus
"""
import argparse
import lzma
import shutil
from pathlib import Path

import numpy as np


def predictor_residual(pixels: np.ndarray) -> np.ndarray:
    # pixels: uint8 [M,S,S] -> residual uint8 [M,S,S]
    x = pixels.astype(np.int16)
    pred = np.zeros_like(x)
    pred[:, 1:, 1:] = x[:, 1:, :-1] + x[:, :-1, 1:] - x[:, :-1, :-1]
    pred[:, 0, 1:] = x[:, 0, :-1]
    pred[:, 1:, 0] = x[:, :-1, 0]
    return ((x - pred) % 256).astype(np.uint8)


def invert_residual(residual: np.ndarray) -> np.ndarray:
    # residual uint8 [M,S,S] -> pixels uint8 [M,S,S], row by row (each row needs the one above)
    r = residual.astype(np.int16)
    out = np.zeros_like(r)
    m, s, _ = r.shape
    out[:, 0, :] = np.cumsum(r[:, 0, :], axis=1) % 256
    for i in range(1, s):
        # x[i,j] = r[i,j] + x[i,j-1] + x[i-1,j] - x[i-1,j-1]  =>  x[i,:] - x[i-1,:] = cumsum(r[i,:])
        out[:, i, :] = (out[:, i - 1, :] + np.cumsum(r[:, i, :], axis=1)) % 256
    return out.astype(np.uint8)


def write_parts(blob: bytes, stem: Path, part_bytes: int) -> None:
    for k, start in enumerate(range(0, max(len(blob), 1), part_bytes)):
        Path(f"{stem}.{k:03d}").write_bytes(blob[start:start + part_bytes])


def read_parts(stem: Path) -> bytes:
    parts = sorted(stem.parent.glob(stem.name + ".[0-9][0-9][0-9]"))
    if not parts:
        raise FileNotFoundError(f"no parts of {stem} (expected {stem}.000 …)")
    return b"".join(p.read_bytes() for p in parts)


def pack(corpus: Path, dest: Path, splits: list[str], part_mib: float = 40.0) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    part_bytes = int(part_mib * 2**20)
    for name in ("meta.json", "tokenizer.json"):
        shutil.copy(corpus / name, dest / name)
    for split in splits:
        (dest / split).mkdir(exist_ok=True)
        for f in (corpus / split).iterdir():
            if f.name == "pixels.npy":
                px = np.load(f)
                header = f"{px.shape[0]} {px.shape[1]} {px.shape[2]}\n".encode()
                blob = header + lzma.compress(predictor_residual(px).tobytes(), preset=6)
                write_parts(blob, dest / split / "pixels.res.xz", part_bytes)
            elif f.suffix == ".npy":
                write_parts(lzma.compress(f.read_bytes(), preset=6), dest / split / (f.name + ".xz"), part_bytes)
            else:
                shutil.copy(f, dest / split / f.name)
    total = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"packed {corpus} -> {dest}: {total / 2**20:.1f} MiB")


def unpack(src: Path, corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    for name in ("meta.json", "tokenizer.json"):
        shutil.copy(src / name, corpus / name)
    for split_dir in (p for p in src.iterdir() if p.is_dir()):
        out = corpus / split_dir.name
        out.mkdir(exist_ok=True)
        stems = sorted({f.name[:-4] for f in split_dir.glob("*.xz.[0-9][0-9][0-9]")})
        for stem in stems:
            raw = read_parts(split_dir / stem)
            if stem == "pixels.res.xz":
                nl = raw.index(b"\n")
                m, h, w = (int(v) for v in raw[:nl].split())
                res = np.frombuffer(lzma.decompress(raw[nl + 1:]), dtype=np.uint8).reshape(m, h, w)
                np.save(out / "pixels.npy", invert_residual(res))
            else:
                (out / stem[:-3]).write_bytes(lzma.decompress(raw))
        for f in split_dir.iterdir():
            if ".xz." not in f.name:
                shutil.copy(f, out / f.name)
    print(f"unpacked {src} -> {corpus}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("corpus", type=Path)
    p.add_argument("dest", type=Path)
    p.add_argument("--splits", default="train,val")
    p.add_argument("--part-mib", type=float, default=40.0)
    u = sub.add_parser("unpack")
    u.add_argument("src", type=Path)
    u.add_argument("corpus", type=Path)
    args = ap.parse_args()
    if args.cmd == "pack":
        pack(args.corpus, args.dest, args.splits.split(","), args.part_mib)
    else:
        unpack(args.src, args.corpus)


if __name__ == "__main__":
    main()
