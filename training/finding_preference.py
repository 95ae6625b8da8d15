"""Tunes a model folder's report decoder towards drafts whose findings are right: direct preference optimisation (DPO,
Rafailov et al., NeurIPS 2023) on the model's own candidates, ranked by the labeler against the study's labels.

    npm run sweep-rerank -- --split train --per-source 1400 --configs 1x1:0+s4@1,1x1:0 --betas 0 \
        --vote-thresholds 0 --candidates CANDS.jsonl --out SWEEP.json      # the model's own drafts, labelled
    npm run finding-preference -- --model DIR --features FEATURES --candidates CANDS.jsonl --out OUT --version X.Y.Z

Why: the caption loss scores tokens, and most of a report's tokens are phrasing. Tuning the decoder with it
(`npm run decoder-tune`) fitted the reports better and made drafts that assert more false findings (docs/RESULTS.md,
"A decoder tuned to its encoder's tokens"). This loss scores what a draft asserts. For each train study the saved
candidates (greedy + samples, the engine's own search) carry the labeler's findings, ranked against the labels by
false findings first, then missed ones (`--rank errors`: their sum). A pair is (better, worse): every candidate
ranked below the study's best candidates, against one of those best. With `--reference-pairs true`, where even the
best candidates are wrong, one of the study's reference reports is also the better one against each of them; on
1.6.1 that taught the decoder to assert findings everywhere (most such studies are unreadable NIH 64 px films), so
the default pairs drafts only (docs/RESULTS.md, "The decoder tuned on what its drafts assert").
With the frozen starting decoder as reference π_ref and s(y) = log π(y | film) − log π_ref(y | film), summed over the
report's tokens:

    loss = −log σ(β · (s(y_better) − s(y_worse)))  +  α · (CE + λ · (1 − cos(p_img, p_txt)))

The second term is the model's own loss on a batch of reference reports: an anchor that keeps the phrasing and
SERPENT's pair term where they were. Train split only; val pairs (`--val-candidates`) are only measured. The encoder,
token embeddings and the finding reader (it reads image tokens) are unchanged. Writes the folder as decoder-tune does
(every precision, the static decoder, verified) with `training.finding_preference` (config, history, pair counts).
"""
import dataclasses
import functools
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .decoder_tune import Optimiser, RunClock, TuneError, load_folder, load_split, report_batch, val_loss, write_folder
from .folder_tune import parse_config, run_command
from .manifest import FINDINGS_PATH


@dataclasses.dataclass
class PreferenceConfig:
    model: str = "public/models/serpent-cxr"
    features: str = ""  # `npm run image-features` of this model (train and val)
    candidates: str = ""  # `npm run sweep-rerank -- --split train --candidates FILE` of this model
    val_candidates: str = ""  # the same on val: pairs only measured (preference accuracy), never trained on
    config: str = "1x1:0+s4@1"  # which saved search's candidates make the pairs
    corpus: str = "corpus"
    out: str = ""
    version: str = ""
    epochs: int = 2
    batch_size: int = 16  # pairs per step; the anchor batch has as many reference reports
    lr: float = 5e-5
    warmup_steps: int = 20
    weight_decay: float = 0.0
    beta: float = 0.1  # DPO's β: how far the log-ratio may move before the pair counts as learnt
    anchor: float = 1.0  # α: weight of the model's own loss on reference reports
    lam: float = 0.5  # λ of the refine term in the anchor, as the shipped model was trained
    rank: str = "false_first"  # false_first: false findings, then missed ones; errors: false + missed findings
    reference_pairs: bool = False  # where every draft is wrong, the reference report against the best of them
    max_pairs_per_study: int = 4
    time_budget_min: float = 60.0
    max_steps: int = 0  # tests: stop after this many steps
    seed: int = 0


def study_index(corpus, split):
    """→ {study id: row} in the corpus split (the rows of tokens.npy and of the features, views averaged)."""
    path = Path(corpus) / split / "records.jsonl"
    if not path.exists():
        raise TuneError(f"{path} not found; build the corpus with `npm run corpus`")
    return {json.loads(line)["id"]: i for i, line in enumerate(path.read_text().splitlines()) if line.strip()}


@functools.lru_cache(maxsize=1)
def _parents():
    return {f["key"]: f.get("parent") for f in json.loads(FINDINGS_PATH.read_text())}


def closed_findings(keys):
    """Finding keys with their ancestors (src/text/findings.json's parents), no_finding dropped: as the eval closes
    them (tools/sweep/scoring.ts findingErrors)."""
    out = set()
    for k in keys:
        while k:
            out.add(k)
            k = _parents().get(k)
    return out - {"no_finding"}


RANKS = {"errors": lambda false, missed: (false + missed,), "false_first": lambda false, missed: (false, missed)}


def read_candidates(path, config, rank="errors"):
    """The saved sweep candidates of one search configuration → [(study id, [(token ids, rank key)])], each text
    once; a smaller key is a better draft."""
    if not path or not Path(path).exists():
        raise TuneError(f"candidates file {path!r} not found; write it with `npm run sweep-rerank -- --split train "
                        f"--configs {config},1x1:0 --betas 0 --vote-thresholds 0 --candidates FILE`")
    studies = []
    for line in Path(path).read_text().splitlines():
        case = json.loads(line) if line.strip() else None
        if not case or case["config"] != config:
            continue
        seen, cands, truth = set(), [], closed_findings(case["truth"])
        for c in case["cands"]:
            if c["text"] not in seen and c["tokenIds"]:
                seen.add(c["text"])
                asserted = set(c["findings"]) - {"no_finding"}
                cands.append((tuple(c["tokenIds"]), RANKS[rank](len(asserted - truth), len(truth - asserted))))
        studies.append((case["id"], cands))
    if not studies:
        raise TuneError(f"{path} holds no candidates of the search {config}; pass --config as saved")
    return studies


def build_pairs(studies, index, tokens, valid, max_per_study, rng, max_len=None, reference=True):
    """→ list of (row, better token ids, worse token ids). tokens [S,K,L] are the reference reports ([BOS]…[EOS]);
    candidates longer than max_len − 1 tokens (no room for BOS in the decoder's positions) are left out. reference:
    where even the best drafts are wrong, a reference report is the better one against each of them."""
    pairs = []
    for sid, cands in studies:
        cands = [(t, e) for t, e in cands if max_len is None or len(t) < max_len]
        if not cands:
            continue
        if sid not in index:
            raise TuneError(f"candidate study {sid} is not in the corpus split; were the candidates decoded from "
                            "another corpus or split?")
        row = index[sid]
        best = min(e for _, e in cands)
        winners = [t for t, e in cands if e == best]
        study = [(winners[rng.integers(len(winners))], t) for t, e in cands if e > best]
        if reference and any(best):  # every draft is wrong: the reference report is the better one
            ks = np.flatnonzero(valid[row])
            for t in winners:
                ref = tokens[row, ks[rng.integers(len(ks))]]
                study.append((tuple(int(x) for x in ref[1:ref.ne(0).sum()]), t))
        rng.shuffle(study)
        pairs += [(row, better, worse) for better, worse in study[:max_per_study]]
    return pairs


def pad_sequences(seqs, bos):
    """Token id tuples (no BOS, ending with EOS) → [B,L] int64, BOS first, PAD = 0 after."""
    n = max(len(s) for s in seqs) + 1
    out = torch.zeros((len(seqs), n), dtype=torch.int64)
    for i, s in enumerate(seqs):
        out[i, 0] = bos
        out[i, 1:len(s) + 1] = torch.tensor(s, dtype=torch.int64)
    return out


def sequence_logp(module, img, seqs):
    """img [B,N,D], seqs [B,L] ([BOS]…[EOS], PAD) → log π(report | film) [B], summed over the report's tokens."""
    inp, tgt = seqs[:, :-1], seqs[:, 1:]  # [B,L-1]
    logp = F.log_softmax(module.lm_head(module.text_states(img, inp)), dim=-1)  # [B,L-1,V]
    picked = logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1)  # [B,L-1]
    return (picked * (tgt != module.cfg.pad_id)).sum(1)


def pair_logps(module, img, pairs, bos, batch=32):
    """→ (log π(better) [P], log π(worse) [P]) for pairs (row, better, worse) over image tokens img [S,N,D]."""
    better, worse = [], []
    for i in range(0, len(pairs), batch):
        chunk = pairs[i:i + batch]
        rows = torch.tensor([r for r, _, _ in chunk])
        both = sequence_logp(module, img[rows].repeat(2, 1, 1),
                             pad_sequences([b for _, b, _ in chunk] + [w for _, _, w in chunk], bos))
        better.append(both[:len(chunk)])
        worse.append(both[len(chunk):])
    return torch.cat(better), torch.cat(worse)


@torch.no_grad()
def preference_accuracy(module, img, pairs, ref, bos, beta):
    """Share of pairs whose implicit reward β·(s(better) − s(worse)) is positive, and its mean."""
    module.eval()
    b, w = pair_logps(module, img, pairs, bos)
    margin = beta * ((b - ref[0]) - (w - ref[1]))
    return {"val_pair_accuracy": float((margin > 0).float().mean()), "val_pair_margin": float(margin.mean())}


def train(cfg, log=functools.partial(print, flush=True)):
    """→ (module after the last step, manifest, history, pair counts)."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    module, manifest = load_folder(cfg.model, dropout=0.0)  # no dropout: π and π_ref must score alike at the start
    bos = manifest["special_ids"]["bos"]
    train_img, train_tok, train_valid = load_split(cfg.corpus, cfg.features, "train")
    val_img, val_tok, val_valid = load_split(cfg.corpus, cfg.features, "val")
    max_len = module.cfg.max_text_len
    if cfg.rank not in RANKS:
        raise TuneError(f"--rank {cfg.rank}: pass one of {', '.join(RANKS)}")
    pairs = build_pairs(read_candidates(cfg.candidates, cfg.config, cfg.rank), study_index(cfg.corpus, "train"),
                        train_tok, train_valid, cfg.max_pairs_per_study, rng, max_len, cfg.reference_pairs)
    if not pairs:
        raise TuneError(f"{cfg.candidates}: no study has candidates that differ in their finding errors")
    val_pairs = (build_pairs(read_candidates(cfg.val_candidates, cfg.config, cfg.rank), study_index(cfg.corpus, "val"),
                             val_tok, val_valid, cfg.max_pairs_per_study, rng, max_len, cfg.reference_pairs)
                 if cfg.val_candidates else [])
    counts = {"train_pairs": len(pairs), "train_studies": len({r for r, _, _ in pairs}), "val_pairs": len(val_pairs)}
    log(f"finding-preference: {counts}")
    with torch.no_grad():
        module.eval()
        ref = pair_logps(module, train_img, pairs, bos)
        val_ref = pair_logps(module, val_img, val_pairs, bos) if val_pairs else None

    def measure():
        row = val_loss(module, val_img, val_tok)
        if val_pairs:
            row.update(preference_accuracy(module, val_img, val_pairs, val_ref, bos, cfg.beta))
        return row

    optimiser = Optimiser(module, cfg, math.ceil(len(pairs) / cfg.batch_size))
    history = [{"epoch": 0, "step": 0, "minutes": 0.0, **measure()}]
    log(f"finding-preference: before {history[0]}")
    clock = RunClock(cfg, log, every=25)
    for epoch in range(1, cfg.epochs + 1):
        module.train()
        order = rng.permutation(len(pairs))
        for i in range(0, len(order), cfg.batch_size):
            idx = order[i:i + cfg.batch_size]
            chunk = [pairs[j] for j in idx]
            b, w = pair_logps(module, train_img, chunk, bos, batch=len(chunk))
            margin = cfg.beta * ((b - ref[0][idx]) - (w - ref[1][idx]))  # [B]
            dpo = -F.logsigmoid(margin).mean()
            rows = torch.from_numpy(rng.integers(0, len(train_img), cfg.batch_size))
            ce, refine = module(train_img[rows], report_batch(train_tok, train_valid, rows, rng))
            optimiser.step(dpo + cfg.anchor * (ce + cfg.lam * refine))
            if clock.tick(epoch, dpo=dpo, pair_accuracy=(margin > 0).float().mean(), ce=ce):
                break
        history.append(clock.row(epoch, **measure()))
        log(f"finding-preference: {history[-1]}")
        if clock.spent():
            break
    module.eval()
    return module, manifest, history, counts


def tune(cfg):
    """Trains and writes the folder → its manifest."""
    module, manifest, history, counts = train(cfg)
    return write_folder(cfg, module, manifest, history, run_key="finding_preference", extra=counts)


def main(argv=None):
    cfg = parse_config(PreferenceConfig, argv, __doc__)
    missing = "" if cfg.out and cfg.features and cfg.candidates else (
        "--features DIR (`npm run image-features` of --model), --candidates FILE (`npm run sweep-rerank -- --split "
        "train --candidates FILE`) and --out DIR (a new model folder)")
    return run_command("finding-preference", cfg, missing, tune, TuneError,
                       f"npm run sweep-rerank -- --model {cfg.out} --split val …")


if __name__ == "__main__":
    sys.exit(main())
