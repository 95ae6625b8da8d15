"""Fine-tunes a model folder's report decoder on its own encoder's image tokens, with SERPENT's loss.

    npm run image-features -- --model DIR --out FEATURES --splits train,val
    npm run decoder-tune -- --model DIR --features FEATURES --out OUT --version X.Y.Z

Why: the shipped decoder was trained (serpent-cxr 1.1.1, on a GPU) on the image tokens of the encoder it came with.
Since then only the encoder has moved (`npm run robust-distill`: noise and blur, and optionally the finding term), so
the decoder reads tokens it never saw in training, and whatever the encoder learnt about the findings reaches the
draft only as far as the old decoder happens to follow it. Here the encoder stays frozen and the decoder catches up:
  - the image tokens are read once (`npm run image-features`: the frozen encoder on the corpus pixels, views averaged
    per study as in training), so a step costs only the decoder;
  - loss = CE + λ · (1 − cos(p_img, p_txt)), training/model.py's, with p_img from the folder's own image
    normalisation and p_txt through the decoder's text head (its normalisation already folded in);
  - the token embeddings stay as they are (embed_tokens files unchanged); the best val CE's weights are kept.

Needs a fused decoder (`decoder_graph` fused or fused-prefix; `python -m training.fuse_model` rewrites a traced one):
its fp32 file holds the weights, as the exporter built them. Writes a copy of the folder with the new decoder in every
precision (the same graph, new numbers), the static decoder rewritten where the folder had one, the version, fresh
sha256s and `training.decoder_tune` (config, per-epoch val CE). Drops the old `evaluation`: run `npm run eval` next.
"""
import dataclasses
import functools
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

from .decoder_calls import first_feeds, shares_prefix
from .finding_reader import study_tokens
from .folder_tune import copy_folder, parse_config, record_run, run_command
from .fused_decoder import build_fused_decoder, weights_from_fused_onnx
from .manifest import file_entry
from .model import Decoder, ModelConfig
from .modelio import decoder_names, load_model_io
from .ort_node import run_onnx
from .quantize import quantize_graph
from .static_decoder import write_static_decoders

TOLERANCE = 1e-4  # max |logit difference|, the written fp32 decoder against the tuned module


class TuneError(Exception):
    """The model folder, features or corpus are missing or not what this command expects."""


@dataclasses.dataclass
class TuneConfig:
    model: str = "public/models/serpent-cxr"
    features: str = ""  # `npm run image-features` of this model (train and val)
    corpus: str = "corpus"
    out: str = ""
    version: str = ""
    epochs: int = 3
    batch_size: int = 32
    lr: float = 1e-4  # peak; the GPU run that made the decoder peaked at 1.2e-3 (batch 128)
    warmup_steps: int = 100
    weight_decay: float = 0.01
    lam: float = 0.5  # λ of the refine term, as the shipped model was trained
    degraded_share: float = 0.0  # of each batch's studies read from the noisy or blurred token copies instead
    dropout: float = 0.1
    time_budget_min: float = 60.0
    max_steps: int = 0  # tests: stop after this many steps
    seed: int = 0


def token_embeddings(embed_path):
    """embed_tokens.onnx → its Gather's table [V,D]."""
    graph = onnx.load(str(embed_path)).graph
    gather = next(n for n in graph.node if n.op_type == "Gather")
    return next(numpy_helper.to_array(i) for i in graph.initializer if i.name == gather.input[0])


def image_norm(vision_path):
    """The encoder's patch_embeds = (image_features − mean) · scale → (mean [D], scale [D]) float32."""
    graph = onnx.load(str(vision_path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}

    def constant(name):  # an initializer, or one the exporter passed through Identity or wrote as a Constant node
        node = producer.get(name)
        if name in inits or node is None:
            return inits.get(name)
        if node.op_type == "Identity":
            return constant(node.input[0])
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            return numpy_helper.to_array(node.attribute[0].t)
        return None

    node = producer[load_model_io()["vision"]["outputs"]["patchEmbeds"]]
    while node.op_type == "Cast":
        node = producer[node.input[0]]
    sub = producer.get(node.input[0])
    mean = constant(sub.input[1]) if sub is not None and sub.op_type == "Sub" else None
    scale = constant(node.input[1]) if node.op_type == "Mul" else None
    if mean is None or scale is None:
        raise TuneError(f"{vision_path}: patch_embeds is not (image_features − mean) · scale; re-export the encoder")
    d = mean.shape[-1]
    return np.array(mean, np.float32).reshape(d), np.array(np.broadcast_to(scale, (d,)), np.float32)


class TunableDecoder(nn.Module):
    """The decoder half of SerpentVLM (decoder, lm_head, text_head) built from a fused decoder's weights; the token
    embeddings and the image normalisation are frozen buffers."""

    def __init__(self, weights, tok, norm_mean, norm_scale, arch, special_ids, dropout=0.1):
        super().__init__()
        n_pos, d = weights["pos"].shape
        self.cfg = ModelConfig(vocab_size=tok.shape[0], d_model=d, n_layers=arch["n_layers"],
                               n_heads=arch["n_heads"], dropout=dropout, max_text_len=n_pos - arch["n_image_tokens"],
                               image_size=16 * int(round(math.sqrt(arch["n_image_tokens"]))),
                               pad_id=special_ids["pad"], bos_id=special_ids["bos"], eos_id=special_ids["eos"])
        self.decoder = Decoder(self.cfg)
        del self.decoder.tok  # embeddings: the frozen buffer below
        self.lm_head = nn.Linear(d, tok.shape[0], bias=False)
        self.text_head = nn.Linear(d, weights["text.w"].shape[1])
        self.register_buffer("tok", torch.from_numpy(np.array(tok, np.float32)))
        self.register_buffer("norm_mean", torch.from_numpy(np.array(norm_mean, np.float32)))
        self.register_buffer("norm_scale", torch.from_numpy(np.array(norm_scale, np.float32)))
        if np.abs(weights["text_norm.mean"]).max() > 0 or np.abs(weights["text_norm.scale"] - 1).max() > 0:
            raise TuneError("the decoder's text normalisation is not folded into its text head")
        self.load_weights(weights)

    @torch.no_grad()
    def load_weights(self, w):
        t = lambda a: torch.from_numpy(np.array(a, np.float32))  # noqa: E731
        self.decoder.pos.weight.copy_(t(w["pos"]))
        self.decoder.ln_f.weight.copy_(t(w["ln_f.g"]))
        self.decoder.ln_f.bias.copy_(t(w["ln_f.b"]))
        self.lm_head.weight.copy_(t(w["lm_head.w"]).T)
        self.text_head.weight.copy_(t(w["text.w"]).T)
        self.text_head.bias.copy_(t(w["text.b"]))
        for i, block in enumerate(self.decoder.blocks):
            for ours, mod in (("ln1", block.ln1), ("ln2", block.ln2)):
                mod.weight.copy_(t(w[f"{i}.{ours}.g"]))
                mod.bias.copy_(t(w[f"{i}.{ours}.b"]))
            for ours, mod in (("qkv", block.attn.qkv), ("proj", block.attn.proj), ("fc1", block.mlp[0]),
                              ("fc2", block.mlp[2])):
                mod.weight.copy_(t(w[f"{i}.{ours}.w"]).T)
                mod.bias.copy_(t(w[f"{i}.{ours}.b"]))

    def weights(self):
        """→ the dict of fused_decoder.weights_from_fused_onnx (matrices [in, out], text normalisation identity)."""
        a = lambda p: p.detach().float().cpu().numpy()  # noqa: E731
        e = self.text_head.bias.shape[0]
        w = {"pos": a(self.decoder.pos.weight), "ln_f.g": a(self.decoder.ln_f.weight),
             "ln_f.b": a(self.decoder.ln_f.bias), "lm_head.w": a(self.lm_head.weight).T,
             "text.w": a(self.text_head.weight).T, "text.b": a(self.text_head.bias),
             "text_norm.mean": np.zeros(e, np.float32), "text_norm.scale": np.ones(e, np.float32)}
        for i, block in enumerate(self.decoder.blocks):
            w[f"{i}.ln1.g"], w[f"{i}.ln1.b"] = a(block.ln1.weight), a(block.ln1.bias)
            w[f"{i}.ln2.g"], w[f"{i}.ln2.b"] = a(block.ln2.weight), a(block.ln2.bias)
            for ours, mod in (("qkv", block.attn.qkv), ("proj", block.attn.proj), ("fc1", block.mlp[0]),
                              ("fc2", block.mlp[2])):
                w[f"{i}.{ours}.w"], w[f"{i}.{ours}.b"] = a(mod.weight).T, a(mod.bias)
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in w.items()}

    def text_states(self, img, inp):
        """img [B,N,D] image tokens, inp [B,T] input token ids → the decoder's states over the text [B,T,D]."""
        h, _ = self.decoder(torch.cat([img, F.embedding(inp, self.tok)], dim=1))  # [B,N+T,D]
        return h[:, img.shape[1]:]

    def forward(self, img, tokens):
        """img [B,N,D] image tokens, tokens [B,L] ([BOS]…[EOS] then PAD) → (ce, refine)."""
        c = self.cfg
        inp, tgt = tokens[:, :-1], tokens[:, 1:]  # [B,L-1]
        h = self.text_states(img, inp)  # [B,L-1,D]
        logits = self.lm_head(h)  # [B,L-1,V]
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=c.pad_id)
        mask = ((inp != c.bos_id) & (inp != c.pad_id) & (inp != c.eos_id)).float().unsqueeze(-1)  # [B,L-1,1]
        p_txt = (self.text_head(h) * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # [B,E]
        p_img = ((img - self.norm_mean) * self.norm_scale).mean(1)  # [B,E]
        refine = (1.0 - F.cosine_similarity(p_img, p_txt, dim=-1)).mean()
        return ce, refine


def load_folder(model_dir, dropout=0.1):
    """→ (TunableDecoder, manifest) from a model folder's fp32 files."""
    model_dir = Path(model_dir)
    mpath = model_dir / "manifest.json"
    if not mpath.exists():
        raise TuneError(f"{mpath} not found; pass --model DIR, a model folder written by `npm run export`")
    manifest = json.loads(mpath.read_text())
    arch = manifest["architecture"]
    if arch.get("decoder_graph", "traced") == "traced":
        raise TuneError(f"{model_dir} has a traced decoder; run `python -m training.fuse_model --model {model_dir}` "
                        "first")
    io = load_model_io()
    fp32 = manifest["files"].get("fp32", {})
    paths = {k: fp32.get(io["files"][k], {}).get("path") for k in ("decoder", "embed", "vision")}
    missing = [k for k, p in paths.items() if not p or not (model_dir / p).exists()]
    if missing:
        raise TuneError(f"{model_dir} lacks the fp32 {', '.join(missing)} file(s) this command reads")
    tok = token_embeddings(model_dir / paths["embed"])
    mean, scale = image_norm(model_dir / paths["vision"])
    weights = weights_from_fused_onnx(model_dir / paths["decoder"])
    return TunableDecoder(weights, tok, mean, scale, arch, manifest["special_ids"], dropout), manifest


def load_split(corpus, features, split):
    """→ (image tokens [S,N,D] float32, views averaged per study; report tokens [S,K,L] int64; valid [S,K])."""
    path = Path(features) / split / "image_features.npy"
    if not path.exists():
        raise TuneError(f"{path} not found; run `npm run image-features -- --model MODEL --out {features} "
                        f"--splits {split}` first")
    d = Path(corpus) / split
    if not (d / "tokens.npy").exists():
        raise TuneError(f"{d}/tokens.npy not found; build the corpus with `npm run corpus`")
    img = study_tokens(path, np.load(d / "views.npy"))  # views: [S,2] image rows, -1 = none
    tokens = np.load(d / "tokens.npy").astype(np.int64)  # [S,K,L]
    return img, torch.from_numpy(tokens), tokens[:, :, 0] != 0


def load_degraded(corpus, features):
    """The train split's noisy and blurred token copies (`npm run image-features` writes them) → [2,S,N,D]."""
    views = np.load(Path(corpus) / "train" / "views.npy")
    copies = []
    for variant in ("_noise", "_blur"):
        path = Path(features) / "train" / f"image_features{variant}.npy"
        if not path.exists():
            raise TuneError(f"{path} not found; --degraded-share needs the copies `npm run image-features -- --splits "
                            "train` writes")
        copies.append(study_tokens(path, views))
    return torch.stack(copies)


def _batch_tokens(tokens, rows, picks):
    t = tokens[rows, picks]  # [B,L]
    return t[:, : int((t != 0).sum(1).max())]


def report_batch(tokens, valid, rows, rng):
    """One reference report per study of rows, drawn among its valid ones → [B,L] trimmed to the longest."""
    picks = torch.from_numpy(np.array([rng.choice(np.flatnonzero(valid[r])) for r in rows.numpy()]))
    return _batch_tokens(tokens, rows, picks)


class RunClock:
    """A tuning run's steps and minutes against its budget (cfg.max_steps, cfg.time_budget_min), its per-step train
    numbers (logged as running means every `every` steps) and its history rows."""

    def __init__(self, cfg, log, every):
        self.cfg, self.log, self.every = cfg, log, every
        self.start, self.step, self.numbers = time.time(), 0, {}

    def minutes(self):
        return (time.time() - self.start) / 60

    def tick(self, epoch, **numbers):
        """Counts a step and keeps its numbers → whether the run is out of steps or time."""
        self.step += 1
        for k, v in numbers.items():
            self.numbers.setdefault(k, []).append(float(v))
        if self.step % self.every == 0:
            means = " ".join(f"{k} {np.mean(v[-self.every:]):.4f}" for k, v in self.numbers.items())
            self.log(f"  epoch {epoch} step {self.step} {means} {self.minutes():.1f} min")
        return self.spent()

    def spent(self):
        return bool(self.cfg.max_steps and self.step >= self.cfg.max_steps) or self.minutes() > self.cfg.time_budget_min

    def row(self, epoch, **numbers):
        """The epoch's history row: its train means (train_<name>) and numbers; starts the next epoch's means."""
        means = {f"train_{k}": float(np.mean(v)) for k, v in self.numbers.items()}
        self.numbers = {}
        return {"epoch": epoch, "step": self.step, "minutes": round(self.minutes(), 2), **means, **numbers}


class Optimiser:
    """AdamW on the module's trainable parameters, linear warm-up then cosine decay over the run, gradients clipped
    at norm 1 (cfg: lr, weight_decay, warmup_steps, epochs, max_steps)."""

    def __init__(self, module, cfg, steps_per_epoch):
        self.params = [p for p in module.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(self.params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        total = cfg.max_steps or cfg.epochs * steps_per_epoch
        warm = min(cfg.warmup_steps, max(1, total // 10))
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))

    def step(self, loss):
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.sched.step()


@torch.no_grad()
def val_loss(module, img, tokens, batch=64):
    """Mean CE and refine over the split's first report per study (deterministic)."""
    module.eval()
    ce, refine, n = 0.0, 0.0, 0
    for i in range(0, len(img), batch):
        rows = torch.arange(i, min(i + batch, len(img)))
        c, r = module(img[rows], _batch_tokens(tokens, rows, torch.zeros_like(rows)))
        ce, refine, n = ce + float(c) * len(rows), refine + float(r) * len(rows), n + len(rows)
    return {"val_ce": ce / n, "val_refine": refine / n}


def train(cfg, log=functools.partial(print, flush=True)):
    """→ (module with the best val CE's weights, manifest, history)."""
    torch.manual_seed(cfg.seed)
    module, manifest = load_folder(cfg.model, cfg.dropout)
    train_img, train_tok, train_valid = load_split(cfg.corpus, cfg.features, "train")
    val_img, val_tok, _ = load_split(cfg.corpus, cfg.features, "val")
    degraded = load_degraded(cfg.corpus, cfg.features) if cfg.degraded_share > 0 else None  # [2,S,N,D]
    if train_img.shape[-1] != module.cfg.d_model or train_img.shape[1] != manifest["architecture"]["n_image_tokens"]:
        raise TuneError(f"the features are {tuple(train_img.shape[1:])}, the decoder reads "
                        f"{manifest['architecture']['n_image_tokens']} tokens of {module.cfg.d_model}; run "
                        f"`npm run image-features -- --model {cfg.model}`")
    optimiser = Optimiser(module, cfg, math.ceil(len(train_img) / cfg.batch_size))
    history = [{"epoch": 0, "step": 0, "minutes": 0.0, **val_loss(module, val_img, val_tok)}]
    log(f"decoder-tune: before {history[0]}")
    best = (history[0]["val_ce"], {k: v.detach().clone() for k, v in module.state_dict().items()})
    rng = np.random.default_rng(cfg.seed)
    clock = RunClock(cfg, log, every=50)
    for epoch in range(1, cfg.epochs + 1):
        module.train()
        order = rng.permutation(len(train_img))
        for i in range(0, len(order), cfg.batch_size):
            rows = torch.from_numpy(order[i:i + cfg.batch_size])
            reports = report_batch(train_tok, train_valid, rows, rng)  # [B,L]
            img = train_img[rows]  # [B,N,D]
            if degraded is not None:  # a share of the studies through a noisy or blurred film (clean reports)
                swap = torch.from_numpy(rng.random(len(rows)) < cfg.degraded_share)
                which = torch.from_numpy(rng.integers(0, 2, len(rows)))
                img = torch.where(swap[:, None, None], degraded[which, rows], img)
            ce, refine = module(img, reports)
            optimiser.step(ce + cfg.lam * refine)
            if clock.tick(epoch, ce=ce, refine=refine):
                break
        row = clock.row(epoch, **val_loss(module, val_img, val_tok))
        history.append(row)
        log(f"decoder-tune: {row}")
        if row["val_ce"] < best[0]:
            best = (row["val_ce"], {k: v.detach().clone() for k, v in module.state_dict().items()})
        if clock.spent():
            break
    module.load_state_dict(best[1])
    module.eval()
    return module, manifest, history


@torch.no_grad()
def max_logit_difference(module, fp32_path, arch, seed=0):
    """The written fp32 decoder's first call (random image tokens + BOS, empty cache) against the module's logits at
    BOS → max |Δ|."""
    io = load_model_io()
    rng = np.random.default_rng(seed)
    img = torch.from_numpy(rng.standard_normal((2, arch["n_image_tokens"], module.cfg.d_model)).astype(np.float32))
    prefix = torch.cat([img, module.tok[module.cfg.bos_id].expand(2, 1, -1)], dim=1)  # [2,N+1,D]
    h, _ = module.decoder(prefix)
    ours = module.lm_head(h[:, -1]).numpy()  # [2,V]
    out, = run_onnx([(str(fp32_path), first_feeds(io, arch, arch["decoder_graph"], prefix.numpy()))])
    theirs = out[decoder_names(io, arch["n_layers"])[1][0]][:, -1]
    return float(np.abs(ours - theirs).max())


def write_folder(cfg, module, manifest, history, run_key="decoder_tune", extra=None):
    """Copies the model folder to cfg.out with the tuned decoder in every precision → the manifest (the run recorded
    under training[run_key], with extra's entries beside its config and history)."""
    out = copy_folder(cfg.model, cfg.out, TuneError)
    io = load_model_io()
    arch = manifest["architecture"]
    key = io["files"]["decoder"]
    before = manifest["files"]["fp32"][key]["sha256"]
    fused = build_fused_decoder(module.weights(), arch["n_layers"], arch["n_heads"], arch["head_dim"],
                                shared_prefix=shares_prefix(arch["decoder_graph"]))
    for precision, entries in manifest["files"].items():
        path = out / entries[key]["path"]
        onnx.save(fused if precision == "fp32" else quantize_graph(fused, precision), str(path))
        entries[key] = file_entry(out, path)
    difference = max_logit_difference(module, out / manifest["files"]["fp32"][key]["path"], arch)
    if difference > TOLERANCE:
        raise TuneError(f"the written fp32 decoder's logits differ from the tuned module's by {difference:.2e}")
    static = [p for p, entries in manifest["files"].items() if entries.get(io["files"]["decoderStatic"])]
    if static:
        manifest, _ = write_static_decoders(out, manifest, static)
    return record_run(out, manifest, cfg, run_key, {"sha256_decoder_fp32": before}, history, extra)


def main(argv=None):
    cfg = parse_config(TuneConfig, argv, __doc__)
    missing = "" if cfg.out and cfg.features else ("--features DIR (`npm run image-features` of --model) and --out DIR "
                                                   "(a new model folder)")
    return run_command("decoder-tune", cfg, missing, lambda c: write_folder(c, *train(c)), TuneError,
                       f"npm run eval -- --model {cfg.out} --split val --results none")


if __name__ == "__main__":
    sys.exit(main())
