"""Reads the corpus written by `npm run corpus` (docs/CONTRACTS.md) and forms training batches.

A batch: pixels [M,1,S,S] uint8 (every view of the batch's studies), view_idx [B,2] rows into pixels
(second −1 for one view), tokens [B,L'] one of the K reports per study, trimmed to the batch's longest report."""
import json
from pathlib import Path

import numpy as np
import torch


class CorpusError(Exception):
    """The corpus folder is missing or not in the CONTRACTS format."""


def load_meta(corpus_dir):
    path = Path(corpus_dir) / "meta.json"
    if not path.exists():
        raise CorpusError(f"{path} not found; build the corpus with `npm run corpus` (or pass --corpus DIR)")
    meta = json.loads(path.read_text())
    if meta.get("format") != "serpent-corpus":
        raise CorpusError(f"{path}: format is {meta.get('format')!r}, expected 'serpent-corpus'")
    return meta


def vocab_size(corpus_dir):
    tok = json.loads((Path(corpus_dir) / "tokenizer.json").read_text())
    return max(tok["model"]["vocab"].values()) + 1


def id_to_token(corpus_dir):
    tok = json.loads((Path(corpus_dir) / "tokenizer.json").read_text())
    return {i: t for t, i in tok["model"]["vocab"].items()}


class CorpusSplit(torch.utils.data.Dataset):
    """One split; items are study indices (the collate function does the gathering)."""

    def __init__(self, corpus_dir, split, limit=None, bos_id=1):
        d = Path(corpus_dir) / split
        if not (d / "pixels.npy").exists():
            raise CorpusError(f"{d}/pixels.npy not found; rebuild the corpus with `npm run corpus`")
        self.pixels = np.load(d / "pixels.npy", mmap_mode="r")  # [M,S,S] uint8
        self.views = np.load(d / "views.npy")  # [N,2]
        self.tokens = np.load(d / "tokens.npy", mmap_mode="r")  # [N,K,L]
        n = len(self.views) if limit is None else min(limit, len(self.views))
        self.views = self.views[:n]
        self.valid = np.asarray(self.tokens[:n, :, 0] == bos_id)  # [N,K] reports that exist
        if not self.valid.any(axis=1).all():
            raise CorpusError(f"{d}/tokens.npy: some study has no report starting with [BOS]")

    def __len__(self):
        return len(self.views)

    def __getitem__(self, i):
        return i

    def collate(self, indices, random_report=True):
        """study indices → dict(pixels uint8 [M,1,S,S], view_idx long [B,2], tokens long [B,L'])."""
        idx = np.asarray(indices)
        v = self.views[idx]  # [B,2]
        rows = np.unique(v[v >= 0])
        remap = np.full(int(rows.max()) + 1, -1, dtype=np.int64)
        remap[rows] = np.arange(len(rows))
        view_idx = np.where(v >= 0, remap[np.maximum(v, 0)], -1)
        choice = []
        for i in idx:
            ks = np.flatnonzero(self.valid[i])
            choice.append(ks[int(torch.randint(len(ks), (1,)))] if random_report else ks[0])
        tokens = np.asarray(self.tokens[idx, np.asarray(choice)])  # [B,L]
        length = int((tokens != 0).sum(axis=1).max())
        return {"pixels": torch.from_numpy(np.asarray(self.pixels[rows])).unsqueeze(1),
                "view_idx": torch.from_numpy(view_idx),
                "tokens": torch.from_numpy(tokens[:, :length].astype(np.int64))}


def make_loader(split, batch_size, shuffle, random_report, sampler=None, workers=0, seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    return torch.utils.data.DataLoader(
        split, batch_size=batch_size, shuffle=shuffle and sampler is None, sampler=sampler, num_workers=workers,
        collate_fn=lambda b: split.collate(b, random_report), drop_last=False, generator=g,
        persistent_workers=workers > 0, multiprocessing_context="fork" if workers > 0 else None)
