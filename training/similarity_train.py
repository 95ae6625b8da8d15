"""`npm run train-similarity -- --out runs/sim`: trains the similarity towers (training/similarity.py) on the frozen
report model's image tokens and the corpus reports; a few minutes on 2 CPU cores.

Each epoch: every train study once, one of its K reports at random, its image tokens clean or (with probability
`--aug`) from the noisy or blurred copy. Validation: the AUROC of cos(p_img, p_txt) for a study's own report against
reports of studies with other content keys (other findings or locations), and the mean cosine of each; the best
epoch by that AUROC is kept in `<out>/similarity.pt` with its config and metrics (a checkpoint that describes itself).

    npm run image-features                          # once: corpus/features/<split>/image_features*.npy
    npm run train-similarity -- --out runs/sim [--epochs 4] [--lambda-local 0.5] [--lambda-box 0.5]
        [--hard-negatives out/cands-train.jsonl --lambda-hard 1]   # the report model's own candidates as hard cases
"""
import argparse
import json
import os
import time
from dataclasses import dataclass, asdict
from pathlib import Path

import numpy as np
import torch

from .data import load_meta, vocab_size
from .similarity import SimilarityConfig, SimilarityTowers, similarity_loss, text_inputs
from .similarity_data import FINDING_WORD, ModelCandidates, SimilaritySplit, box_targets, finding_word_mask

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@dataclass
class TrainConfig:
    corpus: str = "corpus"
    features: str = "corpus/features"
    out: str = "runs/sim"
    epochs: int = 4
    batch_size: int = 192
    lr: float = 1e-3
    weight_decay: float = 0.01
    lambda_pair: float = 0.5  # SERPENT's pair term, 1 − cos(p_img, p_txt)
    lambda_local: float = 0.5
    lambda_box: float = 0.5
    hard_negatives: str = ""  # the report model's candidates on train studies (JSONL from sweep-rerank --candidates)
    lambda_hard: float = 1.0
    local_batch: int = 32  # studies per batch in the O(B²) word–region term
    aug: float = 0.5  # share of studies read from a degraded (noise / blur) copy of their image tokens
    negatives_per_image: int = 5  # for the validation AUROC
    seed: int = 0
    limit: int = 0  # train studies (0 = all; tests use a few)
    data_dir: str = str(DATA_DIR)  # for the localisation targets (JSRT nodules, NIH and RSNA boxes); absent → none


@torch.no_grad()
def embed_split(towers, split, cfg, batch=256):
    """→ p_img [S,E], p_txt [S,E] (first report of each study), both L2-normalised."""
    towers.eval()
    pi, pt = [], []
    for i0 in range(0, len(split), batch):
        idx = np.arange(i0, min(len(split), i0 + batch))
        ids, mask = text_inputs(split.reports(idx), cfg)
        pi.append(towers.image(split.feats(idx))[1])
        pt.append(towers.text(ids, mask)[1])
    norm = torch.nn.functional.normalize
    return norm(torch.cat(pi), dim=-1), norm(torch.cat(pt), dim=-1)


def auroc(pos, neg):
    """Probability that a positive scores above a negative (ties count half)."""
    pos, neg = np.asarray(pos), np.asarray(neg)
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    allv = np.concatenate([pos, neg])[order]
    i = 0
    while i < len(allv):  # average ranks over ties
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def discrimination(p_img, p_txt, key, negatives, seed=0):
    """Own report vs `negatives` reports of studies with another content key, per image → metrics."""
    rng = np.random.default_rng(seed)
    cos = (p_img @ p_txt.T).numpy()  # [S,S]
    own, other = [], []
    for i in range(len(key)):
        cand = np.flatnonzero(key != key[i])
        if len(cand) == 0:
            continue
        own.append(cos[i, i])
        other.extend(cos[i, rng.choice(cand, size=min(negatives, len(cand)), replace=False)])
    return {"auroc": auroc(own, other), "mean_cos_own": float(np.mean(own)), "mean_cos_other": float(np.mean(other)),
            "images": len(own), "negatives": len(other)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for k, v in asdict(TrainConfig()).items():
        ap.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    tc = TrainConfig(**vars(ap.parse_args(argv)))
    print(json.dumps(asdict(tc)))
    torch.manual_seed(tc.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = np.random.default_rng(tc.seed)
    meta = load_meta(tc.corpus)
    train = SimilaritySplit(tc.corpus, tc.features, "train", variants=("", "_noise", "_blur"))
    val = SimilaritySplit(tc.corpus, tc.features, "val")
    N, D = train.features[0].shape[1:]
    described = Path(tc.features) / "features.json"  # written by `npm run tower-features` (absent: the model's tokens)
    image_features = json.loads(described.read_text()) if described.exists() else {"image_input": "image_tokens"}
    image_input = image_features["image_input"]
    cfg = SimilarityConfig(d_image=D, n_image_tokens=N, vocab_size=vocab_size(tc.corpus), image_input=image_input,
                           max_text_len=int(meta["max_length"]), **{k: meta["special_ids"][k[:-3]] for k in ("pad_id", "bos_id", "eos_id")})
    towers = SimilarityTowers(cfg)
    vocab = json.loads((Path(tc.corpus) / "tokenizer.json").read_text())["model"]["vocab"]
    finding_ids = {i for t, i in vocab.items() if FINDING_WORD.search(t)}
    boundary_ids = {i for t, i in vocab.items() if t == "."} | {meta["special_ids"]["sep"]}
    hard = ModelCandidates(tc.hard_negatives, train.ids, cfg.bos_id, cfg.pad_id, train.tokens.shape[-1]) if tc.hard_negatives else None
    if hard is not None:
        print(f"{len(hard)} train studies with a wrong candidate of the report model's own ({tc.hard_negatives})")
    grid = int(round(N ** 0.5))
    targets = box_targets(tc.data_dir, train.ids, grid, int(meta["image_size"]))
    print(f"train {len(train)} studies, {len(set(train.key))} content keys; {len(targets)} with localisation targets; "
          f"{sum(p.numel() for p in towers.image.parameters())} image + {sum(p.numel() for p in towers.text.parameters())} text parameters")
    opt = torch.optim.AdamW(towers.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    n_train = len(train) if tc.limit == 0 else min(tc.limit, len(train))
    steps = tc.epochs * ((n_train + tc.batch_size - 1) // tc.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=tc.lr, total_steps=steps, pct_start=0.1)
    best, history, t0 = None, [], time.time()
    Path(tc.out).mkdir(parents=True, exist_ok=True)
    for epoch in range(tc.epochs):
        towers.train()
        order = rng.permutation(n_train)
        sums = {}
        for s in range(0, n_train, tc.batch_size):
            idx = order[s:s + tc.batch_size]
            variant = np.where(rng.random(len(idx)) < tc.aug, rng.integers(1, 3, len(idx)), 0)
            ids, mask = text_inputs(train.reports(idx, rng), cfg)
            keys = train.key[idx]
            positives = torch.from_numpy(keys[:, None] == keys[None, :])
            tgt = np.zeros((len(idx), N), np.float32)
            has = np.array([train.ids[i] in targets for i in idx])
            for j, i in enumerate(idx):
                if has[j]:
                    tgt[j] = targets[train.ids[i]]
            word_box = finding_word_mask(ids, mask, finding_ids, boundary_ids) * torch.from_numpy(has[:, None].astype(np.float32))
            cands = hard.batch(idx) if hard is not None else None
            cands = (*text_inputs(cands[0], cfg), cands[1], cands[2]) if cands is not None else None
            out = similarity_loss(towers, train.feats(idx, variant), ids, mask, positives, word_box, torch.from_numpy(tgt),
                                  tc.lambda_pair, tc.lambda_local, tc.lambda_box, tc.local_batch, cands, tc.lambda_hard)
            opt.zero_grad(set_to_none=True)
            out["loss"].backward()
            torch.nn.utils.clip_grad_norm_(towers.parameters(), 1.0)
            opt.step()
            sched.step()
            for k, v in out.items():
                sums[k] = sums.get(k, 0.0) + float(v) * len(idx)
        stats = {k: v / n_train for k, v in sums.items()}
        p_img, p_txt = embed_split(towers, val, cfg)
        m = discrimination(p_img, p_txt, val.key, tc.negatives_per_image)
        history.append({"epoch": epoch + 1, **stats, **{f"val_{k}": v for k, v in m.items()}})
        print(f"epoch {epoch + 1}/{tc.epochs} loss {stats['loss']:.3f} (global {stats['global']:.3f} pair {stats['pair']:.3f} "
              f"local {stats['local']:.3f} box {stats['box']:.3f} hard {stats['hard']:.3f}) | val AUROC {m['auroc']:.4f} cos own {m['mean_cos_own']:.3f} "
              f"other {m['mean_cos_other']:.3f} | {time.time() - t0:.0f} s", flush=True)
        if best is None or m["auroc"] > best["auroc"]:
            best = {**m, "epoch": epoch + 1}
            torch.save({"config": cfg.to_dict(), "train_config": asdict(tc), "state_dict": towers.state_dict(),
                        "val": best, "frozen_model_features": str(Path(tc.features).resolve()), "image_features": image_features},
                       Path(tc.out) / "similarity.pt")
    (Path(tc.out) / "history.json").write_text(json.dumps(history, indent=1))
    print(f"best val AUROC {best['auroc']:.4f} at epoch {best['epoch']} → {tc.out}/similarity.pt ({time.time() - t0:.0f} s)")
    return best


if __name__ == "__main__":
    main()
