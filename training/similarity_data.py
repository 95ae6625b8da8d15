"""What the similarity towers train on: the frozen image tokens (`npm run image-features`), the corpus reports, which
studies state the same findings (content keys), and weak localisation targets on the patch grid (train split only).

Content key of a study = its findings plus their location (side, lobe, bilateral): two studies with the same key
have reports that say the same thing in other words, so the contrastive loss treats them as positives."""
import json
import re
from pathlib import Path

import numpy as np
import torch

from .data import CorpusError

JSRT_MM_PER_PX_2048 = 0.175
# words of a sentence that names an annotated finding (matched against the tokenizer's vocabulary)
FINDING_WORD = re.compile(r"nodul|mass|opaci|consolid|infiltrat|effusion|atelecta|pneumothorax|lesion|pneumonia|airspace")


def content_key(record):
    return json.dumps([sorted(record["findings"]), record.get("location", [])], sort_keys=True)


def _cells_for_box(x0, y0, x1, y1, grid, size):
    """Box in tensor px → [grid*grid] 0/1 cells that the box overlaps."""
    cell = size / grid
    out = np.zeros((grid, grid), np.float32)
    for r in range(grid):
        for c in range(grid):
            if x1 > c * cell and x0 < (c + 1) * cell and y1 > r * cell and y0 < (r + 1) * cell:
                out[r, c] = 1
    return out.reshape(-1)


def _cells_for_disk(cx, cy, radius, grid, size):
    cell = size / grid
    out = np.zeros((grid, grid), np.float32)
    for r in range(grid):
        for c in range(grid):
            nx = min(max(cx, c * cell), (c + 1) * cell)
            ny = min(max(cy, r * cell), (r + 1) * cell)
            if (nx - cx) ** 2 + (ny - cy) ** 2 <= radius ** 2:
                out[r, c] = 1
    return out.reshape(-1)


def box_targets(data_dir, ids, grid, size, split="train"):
    """ids of `split` → {id: [grid*grid] cell weights summing to 1} from JSRT nodules, NIH boxes and RSNA boxes.
    Assumes square originals (all four sources are), so annotation px map to tensor px by one scale."""
    data_dir = Path(data_dir)
    wanted = set(ids)
    cells = {}
    if not (data_dir / "cxr" / "manifest.jsonl").exists():
        return cells

    def add(i, m):
        cells[i] = np.maximum(cells.get(i, np.zeros_like(m)), m)

    for line in (data_dir / "cxr" / "manifest.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r["id"] not in wanted or r.get("split") != split or r["width"] != r["height"]:
            continue
        if r.get("nodule"):
            n, s = r["nodule"], size / 2048
            radius = max(n["size_mm"] / JSRT_MM_PER_PX_2048 / 2 * s, 1.0)
            add(r["id"], _cells_for_disk(n["x"] * s, n["y"] * s, radius, grid, size))
        for b in r.get("boxes") or []:
            s = size / 1024
            add(r["id"], _cells_for_box(b["x"] * s, b["y"] * s, (b["x"] + b["w"]) * s, (b["y"] + b["h"]) * s, grid, size))
    rsna = data_dir / "cxr" / "rsna_boxes_nih64.jsonl"
    if rsna.exists():
        for line in rsna.read_text().splitlines():
            r = json.loads(line)
            if r["id"] not in wanted or r.get("split") != split:
                continue
            for b in r["boxes"]:
                s = size / 1024
                add(r["id"], _cells_for_box(b["x"] * s, b["y"] * s, (b["x"] + b["w"]) * s, (b["y"] + b["h"]) * s, grid, size))
    return {i: m / m.sum() for i, m in cells.items() if m.sum() > 0}


def finding_word_mask(ids, mask, finding_ids, boundary_ids):
    """ids/mask [B,T] → [B,T] 1 for every word of a sentence (split at '.' and [SEP]) holding a finding word."""
    out = torch.zeros_like(mask, dtype=torch.float32)
    for b in range(ids.shape[0]):
        start = 0
        row = ids[b].tolist()
        n = int(mask[b].sum())
        for t in range(n + 1):
            if t == n or row[t] in boundary_ids:
                if any(x in finding_ids for x in row[start:t]):
                    out[b, start:t] = 1
                start = t + 1
    return out


class SimilaritySplit:
    """One split: features [M,N,D] per variant (mmap), per-study view rows, K reports, content keys, targets."""

    def __init__(self, corpus_dir, features_dir, split, variants=("",)):
        d, fd = Path(corpus_dir) / split, Path(features_dir) / split
        paths = [fd / f"image_features{v}.npy" for v in variants]
        for p in paths:
            if not p.exists():
                raise CorpusError(f"{p} not found; run `npm run image-features` first")
        self.features = [np.load(p, mmap_mode="r") for p in paths]
        self.views = np.load(d / "views.npy")
        self.tokens = np.load(d / "tokens.npy")  # [S,K,L]
        self.records = [json.loads(l) for l in (d / "records.jsonl").read_text().splitlines()]
        self.ids = [r["id"] for r in self.records]
        keys = [content_key(r) for r in self.records]
        uniq = {k: i for i, k in enumerate(sorted(set(keys)))}
        self.key = np.array([uniq[k] for k in keys])
        self.valid = self.tokens[:, :, 0] == 1  # reports that exist ([BOS] first)

    def __len__(self):
        return len(self.views)

    def feats(self, idx, variant=None):
        """study indices → [B,N,D] float32, views averaged; variant per study (index into the variants) or clean."""
        out = []
        for j, i in enumerate(idx):
            arr = self.features[0 if variant is None else int(variant[j])]
            rows = [r for r in self.views[i] if r >= 0]
            out.append(np.mean([arr[r] for r in rows], axis=0))
        return torch.from_numpy(np.stack(out).astype(np.float32))

    def reports(self, idx, rng=None):
        """→ [B,L] token rows, a random valid report per study (rng given) or the first."""
        rows = []
        for i in idx:
            ks = np.flatnonzero(self.valid[i])
            rows.append(self.tokens[i, ks[rng.integers(len(ks))] if rng is not None else ks[0]])
        return torch.from_numpy(np.stack(rows).astype(np.int64))


class ModelCandidates:
    """The report model's own candidates on train studies (`npm run sweep-rerank -- --split train --candidates F`):
    per study, token rows [BOS] ids… (the ids end with [EOS]) and whether their findings match the labels
    (`errors` = 0). Only studies with at least one wrong candidate are kept: the others teach the judge nothing."""

    def __init__(self, path, ids, bos_id, pad_id, max_len, max_per_study=5):
        index = {i: n for n, i in enumerate(ids)}
        self.rows, self.right = {}, {}
        for line in Path(path).read_text().splitlines():
            r = json.loads(line)
            n = index.get(r["id"])
            if n is None:
                continue
            cands = r["cands"][:max_per_study]
            if all(c["errors"] == 0 for c in cands):
                continue
            rows = np.full((len(cands), max_len), pad_id, np.int64)
            for k, c in enumerate(cands):
                seq = [bos_id] + c["tokenIds"][:max_len - 1]
                rows[k, :len(seq)] = seq
            self.rows[n] = rows
            self.right[n] = np.array([c["errors"] == 0 for c in cands])
        if not self.rows:
            raise CorpusError(f"{path}: no train study with a wrong candidate; write it with "
                              "`npm run sweep-rerank -- --split train --candidates FILE`")

    def __len__(self):
        return len(self.rows)

    def batch(self, idx):
        """study indices of a batch → (token rows [M,L], owner [M] = position in the batch, right [M]) or None."""
        rows, owner, right = [], [], []
        for j, n in enumerate(idx):
            if int(n) in self.rows:
                rows.append(self.rows[int(n)])
                owner.extend([j] * len(self.rows[int(n)]))
                right.append(self.right[int(n)])
        if not rows:
            return None
        return (torch.from_numpy(np.concatenate(rows)), torch.tensor(owner, dtype=torch.long),
                torch.from_numpy(np.concatenate(right)))
