"""Pieces of the training loop kept out of train.py: optimiser, LR schedule, one evaluation pass, text samples,
throughput probe, progress lines."""
import math
import time

import torch

from .augment import augment_and_normalise, normalise

EVAL_KEYS = ("loss", "ce", "refine", "sim", "sim_other")


def make_optimizer(model, lr, weight_decay=0.05):
    """AdamW; decay only on matrices/convolutions (not norms, biases, position tables' gains)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and "pos" not in name else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))


def lr_at(step, total, peak, warmup, floor=0.05):
    """Linear warm-up then cosine decay to floor·peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t)))


def to_device(batch, device, mean, std, train, recipe="standard"):
    pixels = batch["pixels"].to(device, non_blocking=True)
    x = augment_and_normalise(pixels, mean, std, recipe) if train else normalise(pixels, mean, std)
    return x, batch["view_idx"].to(device), batch["tokens"].to(device)


def autocast(device):
    """bf16 (or fp16) autocast on CUDA; a no-op context on CPU."""
    if device.type != "cuda":
        return torch.autocast(device_type="cpu", enabled=False)
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.autocast(device_type="cuda", dtype=dtype)


@torch.no_grad()
def evaluate(model, loader, device, mean, std, lam):
    """→ sums over the loader: {'n', 'loss', 'ce', 'refine', 'sim'} (weighted by studies)."""
    model.eval()
    tot = {k: 0.0 for k in ("n",) + EVAL_KEYS}
    for batch in loader:
        x, vi, tok = to_device(batch, device, mean, std, train=False)
        with autocast(device):
            out = model(x, vi, tok, lam=lam)
        b = tok.shape[0]
        tot["n"] += b
        for k in EVAL_KEYS:
            tot[k] += float(out[k]) * b
    model.train()
    return tot


def decode_ids(ids, id_to_token):
    """Token ids → readable text ([SEP] shown as ' | ')."""
    words = [("|" if id_to_token.get(i) == "[SEP]" else id_to_token.get(i, "?")) for i in ids]
    return " ".join(words).replace(" .", ".").replace(" ,", ",")


@torch.no_grad()
def sample_reports(model, split, device, mean, std, id_to_token, n=2):
    """Greedy decode of the first n studies of split → list of (generated, reference) strings."""
    model.eval()
    batch = split.collate(list(range(min(n, len(split)))), random_report=False)
    x, vi, tok = to_device(batch, device, mean, std, train=False)
    gen = model.generate_greedy(x, vi)
    model.train()
    refs = [[int(t) for t in row[1:] if int(t) not in (0, 2)] for row in tok.cpu()]
    return [(decode_ids(g, id_to_token), decode_ids(r, id_to_token)) for g, r in zip(gen, refs)]


def probe_throughput(model, opt, split, batch_size, device, mean, std, lam, steps=4):
    """Samples/s of full training steps (fwd+bwd+update) on real batches; weights and optimiser restored."""
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    opt_state = opt.state_dict()
    n = min(len(split), batch_size)
    batch = split.collate(list(range(n)))
    times = []
    for _ in range(steps + 1):
        t0 = time.time()
        x, vi, tok = to_device(batch, device, mean, std, train=True)
        with autocast(device):
            loss = model(x, vi, tok, lam=lam)["loss"]
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.time() - t0)
    model.load_state_dict(state)
    opt.load_state_dict(opt_state)
    return n / (sum(times[1:]) / steps)


def fmt_eta(seconds):
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m{seconds % 60:02d}s"


def probe_epoch_overhead(model, val_split, batch_size, device, mean, std, lam, id_to_token):
    """Seconds that one epoch's validation pass and greedy samples take (measured on a slice, scaled)."""
    n = min(len(val_split), batch_size)
    t0 = time.time()
    loader = [val_split.collate(list(range(n)), random_report=False)]
    evaluate(model, loader, device, mean, std, lam)
    val_s = (time.time() - t0) * len(val_split) / n
    t0 = time.time()
    sample_reports(model, val_split, device, mean, std, id_to_token)
    return val_s + (time.time() - t0)
