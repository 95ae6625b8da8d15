"""Synthetic stand-ins for the real data: a tokenizer from a small sentence bank, label-driven reports and images.
Used by `export --random-tiny` (engine test fixture) and by the tests' synthetic corpus; never by real training."""
import json
from pathlib import Path

import numpy as np

from .tokenizer_json import build_tokenizer_json, encode_words, SPECIAL_IDS

BANK_PATH = Path(__file__).resolve().parent / "synthetic_reports.json"


def load_bank():
    with open(BANK_PATH) as f:
        return json.load(f)


def bank_words(bank):
    texts = list(bank["normal"]["findings"]) + list(bank["normal"]["impression"]) + list(bank["impression"].values())
    for sentences in bank["positive"].values():
        texts += sentences
    words = []
    for t in texts:
        for w in t.replace(".", " .").replace(",", " ,").split():
            if w not in words:
                words.append(w)
    return words


def synthetic_tokenizer(bank=None):
    return build_tokenizer_json(bank_words(bank or load_bank()))


def synthetic_report(bank, positives, rng):
    """positives: finding names → {findings, impression} text composed from the bank."""
    if not positives:
        f = list(rng.choice(bank["normal"]["findings"], size=3, replace=False))
        return {"findings": " ".join(f), "impression": str(rng.choice(bank["normal"]["impression"]))}
    f = [str(rng.choice(bank["positive"][p])) for p in positives]
    f.append(str(rng.choice(bank["normal"]["findings"][:3])))
    return {"findings": " ".join(f), "impression": " ".join(bank["impression"][p] for p in positives)}


def encode_report(tok, report, max_length):
    """→ int32 [max_length]: [BOS] findings [SEP] impression [EOS] then PAD (truncated to fit, EOS kept)."""
    ids = encode_words(tok, report["findings"]) + [SPECIAL_IDS["sep"]] + encode_words(tok, report["impression"])
    ids = [SPECIAL_IDS["bos"]] + ids[: max_length - 2] + [SPECIAL_IDS["eos"]]
    out = np.zeros(max_length, dtype=np.int32)
    out[: len(ids)] = ids
    return out


def synthetic_image(positives, rng, size):
    """A chest-like grey uint8 image [S,S] whose blobs depend on the positive findings (learnable signal)."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = 60 + 40 * np.exp(-(((xx - 0.3) / 0.15) ** 2 + ((yy - 0.5) / 0.3) ** 2))
    img += 40 * np.exp(-(((xx - 0.7) / 0.15) ** 2 + ((yy - 0.5) / 0.3) ** 2))
    if "Cardiomegaly" in positives:
        img += 90 * np.exp(-(((xx - 0.5) / 0.18) ** 2 + ((yy - 0.65) / 0.15) ** 2))
    if "Pleural Effusion" in positives:
        img += 80 * (yy > 0.8)
    if "Pneumonia" in positives:
        img += 70 * np.exp(-(((xx - 0.3) / 0.08) ** 2 + ((yy - 0.7) / 0.08) ** 2))
    if "Nodule" in positives:
        img += 120 * np.exp(-(((xx - 0.7) / 0.03) ** 2 + ((yy - 0.3) / 0.03) ** 2))
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)
