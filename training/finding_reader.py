"""The finding reader: a second reading of the film for the self-refinement's finding votes.

The report model's candidates are its only reading of the film, and where they disagree the votes can only count
them. The reader is a linear multi-label head on the same frozen image tokens the decoder writes from, trained with
per-finding binary cross-entropy on the train split's labels (the corpus findings, parents included):

    P(f | film) = σ(w_f · LN(mean_n x_n) + b_f)      x_n: the vision encoder's image tokens [N,D], views averaged

A discriminative head weighs each finding directly, where the caption loss spends most of its signal on phrasing.
The engine mixes it into the votes (src/engine/rerank.ts): p_f = (1 − w)·(share of draws asserting f) + w·P(f | film).

    npm run image-features -- --model public/models/serpent-cxr --out runs/features --splits train,val
    npm run finding-reader -- --features runs/features --model public/models/serpent-cxr [--degraded] [--write]

It writes manifest.finding_reader = {feature, findings (labeler keys), weights [F][D], bias [F], evaluation}, with the
LayerNorm's gain and shift folded into the weights, so the engine standardises the mean token and takes one dot
product per finding. Deterministic for a seed (one thread). `--degraded` also trains on the train split's noisy and
blurred copies; on 1.5.0's tokens that helped degraded films and cost clean ones, so the shipped reader is clean-only
(docs/RESULTS.md, "serpent-cxr 1.6.0")."""
import argparse
import json
import sys
import time
from dataclasses import dataclass, asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import CorpusError
from .manifest import FINDINGS_PATH

FEATURE = "image_tokens_mean"  # what the engine feeds it: the mean of the decoder prefix's tokens, standardised
LN_EPS = 1e-5


@dataclass
class ReaderConfig:
    epochs: int = 40
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-2
    seed: int = 0
    degraded: bool = False  # trained on the noisy and blurred train copies too


class FindingReader(nn.Module):
    def __init__(self, d, n_findings):
        super().__init__()
        self.norm = nn.LayerNorm(d, eps=LN_EPS)
        self.out = nn.Linear(d, n_findings)

    def forward(self, tokens):
        """tokens [B,N,D] → logits [B,F]."""
        return self.out(self.norm(tokens.mean(1)))

    def folded(self):
        """(weights [F,D], bias [F]) on the standardised mean token: W·diag(g), b + W·β."""
        w, g, beta = self.out.weight.detach(), self.norm.weight.detach(), self.norm.bias.detach()
        return (w * g).numpy(), (self.out.bias.detach() + w @ beta).numpy()


def finding_keys(names):
    """The corpus's finding names ('Lung Opacity') → the labeler's keys ('lung_opacity')."""
    by_name = {f["name"]: f["key"] for f in json.loads(FINDINGS_PATH.read_text())}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise CorpusError(f"corpus findings {missing} are not in {FINDINGS_PATH}; rebuild the corpus with `npm run corpus`")
    return [by_name[n] for n in names]


def study_labels(corpus, split):
    """→ [S,F] float32: each study's finding labels without the corpus's first column, 'No Finding'."""
    return np.load(Path(corpus) / split / "labels.npy").astype(np.float32)[:, 1:]


def study_tokens(path, views):
    """image_features [M,N,D] per image (`npm run image-features`) → [S,N,D] float32, each study's views averaged."""
    feats = np.load(path, mmap_mode="r")
    return torch.from_numpy(np.stack([np.mean([feats[r] for r in row if r >= 0], axis=0) for row in views])
                            .astype(np.float32))


def load_split(corpus, features, split, variant=""):
    """→ tokens [S,N,D] float32 (views averaged), labels [S,F] float32 without 'No Finding', sources [S].
    variant: "" (clean) or a degraded copy `npm run image-features` writes for the train split ("_noise", "_blur")."""
    path = Path(features) / split / f"image_features{variant}.npy"
    if not path.exists():
        raise CorpusError(f"{path} not found; run `npm run image-features -- --out {features} --splits {split}` first")
    tokens = study_tokens(path, np.load(Path(corpus) / split / "views.npy"))  # views: [S,V] image rows, -1 = none
    labels = study_labels(corpus, split)
    sources = [json.loads(l)["source"] for l in (Path(corpus) / split / "records.jsonl").read_text().splitlines()]
    return tokens, torch.from_numpy(labels), np.array(sources)


def train_reader(tokens, labels, cfg=ReaderConfig(), log=print):
    torch.manual_seed(cfg.seed)
    reader = FindingReader(tokens.shape[-1], labels.shape[1])
    opt = torch.optim.AdamW(reader.parameters(), cfg.lr, weight_decay=cfg.weight_decay)
    for epoch in range(cfg.epochs):
        reader.train()
        order, total = torch.randperm(len(tokens)), 0.0
        for i in range(0, len(tokens), cfg.batch_size):
            b = order[i:i + cfg.batch_size]
            loss = F.binary_cross_entropy_with_logits(reader(tokens[b]), labels[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(b)
        if epoch % 10 == 9 or epoch == cfg.epochs - 1:
            log(f"epoch {epoch + 1}: train BCE {total / len(tokens):.4f}")
    return reader.eval()


def micro_f1(pred, truth):
    """pred/truth [S,F] 0/1 → (micro-F1, share of studies with a finding the labels lack)."""
    tp, fp, fn = (pred * truth).sum(), (pred * (1 - truth)).sum(), ((1 - pred) * truth).sum()
    return float(2 * tp / max(1.0, float(2 * tp + fp + fn))), float(((pred * (1 - truth)).sum(1) > 0).float().mean())


def evaluate(reader, tokens, labels, sources):
    with torch.no_grad():
        pred = (torch.sigmoid(reader(tokens)) > 0.5).float()
    out = {"n": len(tokens)}
    out["micro_f1"], out["hallucination_rate"] = micro_f1(pred, labels)
    for s in sorted(set(sources)):
        m = torch.from_numpy(sources == s)
        f1, hall = micro_f1(pred[m], labels[m])
        out[s] = {"n": int(m.sum()), "micro_f1": round(f1, 4), "hallucination_rate": round(hall, 4)}
    return out


def manifest_entry(reader, findings, cfg, evaluation):
    w, b = reader.folded()
    return {"feature": FEATURE, "findings": findings, "weights": [[round(float(x), 6) for x in row] for row in w],
            "bias": [round(float(x), 6) for x in b], "training": asdict(cfg), "evaluation": evaluation}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--features", required=True, help="folder of `npm run image-features` (train and val splits)")
    ap.add_argument("--corpus", default="corpus")
    ap.add_argument("--model", default="public/models/serpent-cxr", help="model folder whose manifest gets the reader")
    ap.add_argument("--write", action="store_true", help="write manifest.finding_reader (else only report)")
    ap.add_argument("--epochs", type=int, default=ReaderConfig.epochs)
    ap.add_argument("--seed", type=int, default=ReaderConfig.seed)
    ap.add_argument("--degraded", action="store_true",
                    help="also train on the train split's noisy (σ 0.1) and blurred (σ 2) copies, as the towers do")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    cfg = ReaderConfig(epochs=args.epochs, seed=args.seed, degraded=args.degraded)
    t0 = time.time()
    if not (Path(args.corpus) / "meta.json").exists():
        print(f"error: {args.corpus}/meta.json not found; build the corpus with `npm run corpus`", file=sys.stderr)
        return 2
    try:
        meta = json.loads((Path(args.corpus) / "meta.json").read_text())
        findings = finding_keys(meta["findings"][1:])
        train = load_split(args.corpus, args.features, "train")
        if args.degraded:
            copies = [train] + [load_split(args.corpus, args.features, "train", v) for v in ("_noise", "_blur")]
            train = (torch.cat([c[0] for c in copies]), torch.cat([c[1] for c in copies]), np.concatenate([c[2] for c in copies]))
        val = load_split(args.corpus, args.features, "val")
    except (CorpusError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    manifest_path = Path(args.model) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    d = manifest["architecture"]["d_model"]
    if train[0].shape[-1] != d:
        print(f"error: the features are {train[0].shape[-1]} wide but {args.model}'s image tokens are {d}; "
              f"run `npm run image-features -- --model {args.model}`", file=sys.stderr)
        return 2
    reader = train_reader(train[0], train[1], cfg, log=lambda *a: print(*a, flush=True))
    evaluation = {"split": "val", "threshold": 0.5, **evaluate(reader, *val)}
    print(json.dumps(evaluation, indent=1))
    print(f"{time.time() - t0:.0f} s")
    if args.write:
        manifest["finding_reader"] = manifest_entry(reader, findings, cfg, evaluation)
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        print(f"wrote finding_reader into {manifest_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
