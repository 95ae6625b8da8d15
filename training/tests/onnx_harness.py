"""Test helpers: a briefly trained tiny model on the synthetic corpus, and greedy decoding of a model folder in
onnxruntime-node through the engine's step decoder (tools/parity/greedyOnnx.ts)."""
import base64
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

from training.augment import normalise
from training.data import CorpusSplit, load_meta, vocab_size
from training.export import TINY_CONFIG
from training.model import ModelConfig, SerpentVLM

REPO = Path(__file__).resolve().parents[2]
# The engine's own step decoder, run through tsx (a devDependency, so `npm ci` provides it).
GREEDY_SCRIPT = REPO / "tools" / "parity" / "greedyOnnx.ts"


def train_tiny(corpus, steps=120, batch=16, seed=0):
    """A tiny model fitted for a few steps (no augmentation) so its distributions are peaked, like a real one."""
    torch.manual_seed(seed)
    meta = load_meta(corpus)
    cfg = ModelConfig(vocab_size=vocab_size(corpus), image_size=meta["image_size"],
                      **dict(TINY_CONFIG, max_text_len=meta["max_length"]))
    model = SerpentVLM(cfg)
    split = CorpusSplit(corpus, "train")
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    g = np.random.default_rng(seed)
    for _ in range(steps):
        b = split.collate(g.choice(len(split), size=min(batch, len(split)), replace=False).tolist())
        out = model(normalise(b["pixels"], meta["pixel_mean"], meta["pixel_std"]), b["view_idx"], b["tokens"])
        opt.zero_grad()
        out["loss"].backward()
        opt.step()
    return model.eval(), meta


def greedy_onnx(model_dir, precision, pixels, max_len):
    """pixels f32 [n,1,S,S] normalised → list of token-id lists from the ONNX files."""
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        req, resp = Path(tmp) / "req.json", Path(tmp) / "resp.json"
        req.write_text(json.dumps({"dir": str(model_dir), "precision": precision, "maxLen": max_len,
                                   "pixels": {"dims": list(pixels.shape),
                                              "b64": base64.b64encode(pixels.tobytes()).decode()}}))
        proc = subprocess.run(["node", "--import", "tsx", str(GREEDY_SCRIPT), str(req), str(resp)], cwd=REPO,
                              capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr)
        return json.loads(resp.read_text())["ids"]
