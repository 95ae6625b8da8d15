"""Writes a small synthetic corpus in exactly the docs/CONTRACTS.md format (meta.json, tokenizer.json,
<split>/{pixels,views,tokens,labels}.npy, records.jsonl): the tests' stand-in for `npm run corpus`."""
import json
from pathlib import Path

import numpy as np

from training.synthetic import encode_report, load_bank, synthetic_image, synthetic_report, synthetic_tokenizer
from training.tokenizer_json import SPECIAL_IDS


def write_synthetic_corpus(root, sizes=None, image_size=128, max_length=40, reports_per_image=3, seed=0,
                           two_view_every=4):
    """sizes: {split: studies}; every `two_view_every`-th study has two views. → root Path."""
    root = Path(root)
    sizes = sizes or {"train": 48, "val": 16, "test": 8}
    bank = load_bank()
    tok = synthetic_tokenizer(bank)
    rng = np.random.default_rng(seed)
    findings = bank["findings"]
    root.mkdir(parents=True, exist_ok=True)
    for split, n in sizes.items():
        pixels, views, tokens, labels, records = [], [], [], [], []
        for i in range(n):
            positives = sorted(rng.choice(findings[1:], size=int(rng.integers(0, 3)), replace=False).tolist())
            rows = [len(pixels)]
            pixels.append(synthetic_image(positives, rng, image_size))
            if two_view_every and i % two_view_every == two_view_every - 1:
                rows.append(len(pixels))
                pixels.append(synthetic_image(positives, rng, image_size))
            views.append(rows + [-1] * (2 - len(rows)))
            reports = [synthetic_report(bank, positives, rng) for _ in range(reports_per_image)]
            tokens.append([encode_report(tok, r, max_length) for r in reports])
            names = positives or ["No Finding"]
            labels.append([1 if f in names else 0 for f in findings])
            records.append({"id": f"synthetic/{split}{i}", "source": "synthetic", "labels": names,
                            "findings": names,
                            "reports": [dict(r, text=r["findings"] + " " + r["impression"]) for r in reports]})
        d = root / split
        d.mkdir(exist_ok=True)
        np.save(d / "pixels.npy", np.stack(pixels).astype(np.uint8))
        np.save(d / "views.npy", np.array(views, dtype=np.int32))
        np.save(d / "tokens.npy", np.array(tokens, dtype=np.int32))
        np.save(d / "labels.npy", np.array(labels, dtype=np.uint8))
        (d / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    meta = {"format": "serpent-corpus", "version": 1, "image_size": image_size, "pixel_mean": 0.45,
            "pixel_std": 0.25, "findings": findings, "special_ids": dict(SPECIAL_IDS), "max_length": max_length,
            "reports_per_image": reports_per_image, "splits": dict(sizes), "seed": seed,
            "sources": {"synthetic": {k: v for k, v in sizes.items()}}}
    (root / "meta.json").write_text(json.dumps(meta, indent=1))
    (root / "tokenizer.json").write_text(json.dumps(tok))
    return root
