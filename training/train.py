"""`npm run train -- [--smoke] [--lambda 0.5] [--out runs/NAME] [--epochs N] [--corpus corpus] [--device cpu|cuda]
[--time-budget-min 90]`; multi-GPU: `torchrun --nproc_per_node=N -m training.train --ddp ...`.

Trains SerpentVLM on the corpus (docs/CONTRACTS.md) with L = CE + λ·mean(1 − cos(p_img, p_txt)) (training/model.py).
Estimates the epochs that fit the time budget from a measured throughput (a time-based run then ends when the
budget does), logs progress lines, evaluates the validation loss each epoch (plus two greedy reports), keeps the best
checkpoint in runs/NAME/ckpt.pt."""
import argparse
import json
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist

from .augment import AUGMENTS
from .data import CorpusSplit, id_to_token, load_meta, make_loader, vocab_size
from .loop import (EVAL_KEYS, autocast, evaluate, fmt_eta, lr_at, make_optimizer, probe_epoch_overhead,
                   probe_throughput, sample_reports, to_device)
from .model import ModelConfig, SerpentVLM
from .vision_mobilenet import PIXEL_MEAN, PIXEL_STD

SMOKE_MODEL = dict(vis_channels=(16, 32, 64, 64), vis_extra_blocks=0, d_model=64, n_layers=2, n_heads=2)
SMOKE_LIMITS = dict(train=192, val=32)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="corpus")
    ap.add_argument("--out", default=None, help="run folder (default runs/full, runs/smoke)")
    ap.add_argument("--smoke", action="store_true", help="tiny model on a small slice (< 2 min on CPU)")
    ap.add_argument("--lambda", dest="lam", type=float, default=0.5, help="weight of the refine loss (0: ablation)")
    ap.add_argument("--epochs", type=int, default=None, help="upper bound; the time budget may lower it")
    ap.add_argument("--time-budget-min", type=float, default=None, help="default 90 (full) or 1.5 (smoke)")
    ap.add_argument("--batch-size", type=int, default=None, help="default 32 on CPU, 128 on CUDA")
    ap.add_argument("--lr", type=float, default=None, help="peak LR (default 6e-4·sqrt(batch/32))")
    ap.add_argument("--label-smoothing", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", choices=["cpu", "cuda"], default=None)
    ap.add_argument("--ddp", action="store_true", help="DistributedDataParallel (launch with torchrun)")
    ap.add_argument("--max-steps", type=int, default=None, help="stop after this many steps (tests)")
    ap.add_argument("--resume", action="store_true",
                    help="continue the run in --out from its last.pt (written after every epoch); same --epochs")
    ap.add_argument("--reschedule", action="store_true",
                    help="with --resume: continue under this command's --epochs (the LR follows the new schedule from "
                         "the current step; shortens a run that will not finish in time)")
    ap.add_argument("--stop-after-epoch", type=int, default=None,
                    help="end this process after epoch K of the schedule (a run spread over sessions; then --resume)")
    ap.add_argument("--val-max", type=int, default=1000, help="validation studies per epoch")
    ap.add_argument("--model", default=None, help="JSON object overriding ModelConfig fields")
    ap.add_argument("--augment", choices=AUGMENTS, default="standard",
                    help="robust adds blur, strong noise, gamma and contrast (training/augment.py)")
    ap.add_argument("--vision", choices=["resnet", "mobilenet_v2"], default=None,
                    help="vision encoder (default: the config's, resnet)")
    ap.add_argument("--vision-init", choices=["scratch", "imagenet"], default="scratch",
                    help="imagenet: MobileNetV2 starts from ../shared/data/pretrained (needs --vision mobilenet_v2)")
    ap.add_argument("--init-from", default=None,
                    help="start from this checkpoint's weights and model config (a fine-tune; the optimiser starts "
                         "afresh), e.g. to add the pair term to a λ 0 run")
    ap.add_argument("--imagenet-weights", default=None,
                    help="the TFLite file (default ../shared/data/pretrained/…) or a .pt from `training.mobilenet_v2 --save`")
    return ap.parse_args(argv)


def setup_device(args):
    """→ (device, rank, world). Threads: all cores on CPU (Debian's torch starts with 1)."""
    torch.set_num_threads(os.cpu_count() or 1)
    rank, world = 0, 1
    cuda = torch.cuda.is_available() if args.device is None else args.device == "cuda"
    if args.ddp:
        dist.init_process_group(backend="nccl" if cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    if cuda:
        local = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local)
        if hasattr(torch.backends, "cuda"):
            torch.backends.cuda.matmul.allow_tf32 = True
        if hasattr(torch.backends, "cudnn"):
            torch.backends.cudnn.allow_tf32 = True
            torch.backends.cudnn.benchmark = True
        return torch.device("cuda", local), rank, world
    return torch.device("cpu"), rank, world


def build_config(args, meta, corpus, init_config=None):
    """The run's ModelConfig: the corpus's sizes and ids, then --smoke, --model and --vision; with --init-from, the
    checkpoint's config, which must match the corpus and takes no architecture flags."""
    fields = dict(image_size=meta["image_size"], vocab_size=vocab_size(corpus), max_text_len=meta["max_length"])
    fields.update({f"{k}_id": v for k, v in meta["special_ids"].items()})
    if init_config is not None:
        if args.smoke or args.model or args.vision or args.vision_init == "imagenet" or args.resume:
            raise SystemExit("--init-from takes the checkpoint's architecture and weights: leave out --smoke, --model, "
                             "--vision, --vision-init imagenet and --resume")
        differ = sorted(k for k, v in fields.items() if init_config.get(k) != v)
        if differ:
            raise SystemExit(f"--init-from: the checkpoint was trained on another corpus ({', '.join(differ)} differ "
                             f"from {corpus}); fine-tune it on the corpus it was trained on")
        fields = dict(init_config)
    if args.smoke:
        fields.update(SMOKE_MODEL)
    if args.model:
        fields.update(json.loads(args.model))
    if args.vision:
        fields["vision"] = args.vision
    cfg = ModelConfig(**fields)
    if args.vision_init == "imagenet" and cfg.vision != "mobilenet_v2":
        raise SystemExit("--vision-init imagenet needs --vision mobilenet_v2 (the only encoder with ImageNet weights)")
    if cfg.vision == "mobilenet_v2" and (meta["pixel_mean"], meta["pixel_std"]) != (PIXEL_MEAN, PIXEL_STD):
        raise SystemExit(f"the MobileNetV2 encoder expects pixels normalised with mean {PIXEL_MEAN} and std "
                         f"{PIXEL_STD}; this corpus uses {meta['pixel_mean']} and {meta['pixel_std']}: rebuild it")
    return cfg


def main(argv=None):
    args = parse_args(argv)
    device, rank, world = setup_device(args)
    log = print if rank == 0 else (lambda *a, **k: None)
    torch.manual_seed(args.seed + rank)
    out = Path(args.out or ("runs/smoke" if args.smoke else "runs/full"))
    meta = load_meta(args.corpus)
    init = torch.load(args.init_from, map_location="cpu", weights_only=False) if args.init_from else None
    cfg = build_config(args, meta, args.corpus, init["model_config"] if init else None)
    limits = SMOKE_LIMITS if args.smoke else {}
    train_set = CorpusSplit(args.corpus, "train", limits.get("train"), cfg.bos_id)
    val_set = CorpusSplit(args.corpus, "val", min(args.val_max, limits.get("val", args.val_max)), cfg.bos_id)
    batch = args.batch_size or (128 if device.type == "cuda" else 32)
    peak_lr = args.lr or 6e-4 * (batch * world / 32) ** 0.5
    mean, std = meta["pixel_mean"], meta["pixel_std"]

    model = SerpentVLM(cfg)
    if args.vision_init == "imagenet":
        model.vision.load_imagenet(args.imagenet_weights)
    if init is not None:
        model.load_state_dict(init["model"])
    model = model.to(device)
    opt = make_optimizer(model, peak_lr)
    params = model.num_params()
    start = f"from {args.init_from}" if init is not None else args.vision_init
    log(f"model: {params['total'] / 1e6:.2f}M params {params} | vision {cfg.vision} ({start}) | device {device} x{world} | batch {batch}")
    vocab = id_to_token(args.corpus)
    sps = probe_throughput(model, opt, train_set, batch, device, mean, std, args.lam)
    overhead_s = probe_epoch_overhead(model, val_set, batch, device, mean, std, args.lam, vocab)
    budget_s = 60 * (args.time_budget_min or (1.25 if args.smoke else 85))
    epoch_s = len(train_set) / (sps * world) * 1.05 + overhead_s / world
    epochs = args.epochs or max(1, int(budget_s // epoch_s))
    if args.ddp:  # every rank must run the same number of steps: rank 0's estimate decides
        t = torch.tensor([epochs], device=device)
        dist.broadcast(t, src=0)
        epochs = int(t.item())
    # Without --epochs the LR schedule also follows elapsed time, so the run ends within the budget even when the
    # machine is busier than during the probe (not under DDP: ranks must agree on the step count).
    time_based = args.epochs is None and not args.ddp
    # A time-based run ends when its budget does, not at the estimate: three runs starting side by side on one GPU
    # under-read their throughput about twice, and stopped after 3.1 of their 6 minutes. The estimate then only sizes
    # the warm-up and the LR schedule's steps, and caps the run at 8× its epochs. --max-steps (tests) still stops at
    # its step.
    stop_at_steps = not time_based or bool(args.max_steps)
    epoch_label = f"{epochs}" if stop_at_steps else f"~{epochs}"
    log(f"throughput {sps:.1f} samples/s per process; validation+samples {overhead_s:.0f} s "
        f"→ {epoch_s / 60:.1f} min/epoch; {epochs} epochs ≈ {epochs * epoch_s / 60:.1f} min "
        f"(budget {budget_s / 60:.1f} min{', schedule follows time' if time_based else ''})")
    if not time_based and epochs * epoch_s > budget_s:
        log(f"warning: {epochs} epochs are estimated to exceed the {budget_s / 60:.0f} min budget")

    sampler = torch.utils.data.DistributedSampler(train_set, seed=args.seed) if args.ddp else None
    val_sampler = torch.utils.data.DistributedSampler(val_set, shuffle=False) if args.ddp else None
    train_loader = make_loader(train_set, batch, True, True, sampler, seed=args.seed)
    val_loader = make_loader(val_set, batch, False, False, val_sampler)
    if args.ddp:
        if device.type == "cuda":
            model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.index is not None
                                                        else None)
    else:
        net = model
    scaler = None
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        amp = torch.amp if hasattr(torch.amp, "GradScaler") else torch.cuda.amp  # torch ≥ 2.3 / older
        scaler = amp.GradScaler("cuda") if amp is torch.amp else amp.GradScaler()
    total = epochs * len(train_loader)
    if args.max_steps:
        total = min(total, args.max_steps)
    warmup = max(1, min(500, total // 20))
    out.mkdir(parents=True, exist_ok=True)
    best, step, t_start, history, progress = float("inf"), 0, time.time(), [], 0.0
    start_epoch = 0
    if args.resume:
        if args.epochs is None or args.ddp:
            raise SystemExit("--resume needs the run's fixed --epochs (a step-based schedule) and no --ddp")
        state = load_resume_state(out / "last.pt", total, args.reschedule)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        best, step, history, start_epoch = state["best"], state["step"], state["history"], state["epoch"]
        t_start -= 60 * state["minutes"]
        torch.set_rng_state(state["rng"])
        train_loader.generator.set_state(state["loader_rng"])
        log(f"resumed {out / 'last.pt'} after epoch {start_epoch} (step {step}/{total}, best val loss {best:.4f})"
            + (f"; rescheduled from {state['total']} steps" if state["total"] != total else ""))
    for epoch in range(start_epoch, epochs if stop_at_steps else 8 * epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        t_epoch, seen = time.time(), 0
        for batch_data in train_loader:
            progress = step / total if stop_at_steps else 0.0
            if time_based:
                progress = max(progress, (time.time() - t_start) / budget_s)
            if progress >= 1.0:
                break
            for g in opt.param_groups:
                g["lr"] = lr_at(progress * total, total, peak_lr, warmup)
            x, vi, tok = to_device(batch_data, device, mean, std, train=True, recipe=args.augment)
            with autocast(device):
                res = net(x, vi, tok, lam=args.lam, label_smoothing=args.label_smoothing)
            if scaler:
                scaler.scale(res["loss"]).backward()
                scaler.unscale_(opt)
            else:
                res["loss"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(opt) if scaler else opt.step()
            if scaler:
                scaler.update()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen += tok.shape[0] * world
            if step % 20 == 0 or step == total:
                rate = seen / (time.time() - t_epoch)
                elapsed = time.time() - t_start
                eta = elapsed / max(progress, 1e-9) - elapsed
                log(f"epoch {epoch + 1}/{epoch_label} step {step}/{total} loss {float(res['loss']):.4f} "
                    f"ce {float(res['ce']):.4f} sim {float(res['sim']):.3f} lr {opt.param_groups[0]['lr']:.2e} "
                    f"{rate:.1f} samples/s ({rate / tok.shape[0] / world:.2f} it/s) ETA {fmt_eta(eta)}", flush=True)
        val = evaluate(model, val_loader, device, mean, std, args.lam)
        if args.ddp:
            t = torch.tensor([val[k] for k in ("n",) + EVAL_KEYS], device=device)
            dist.all_reduce(t)
            val = dict(zip(("n",) + EVAL_KEYS, t.tolist()))
        val = {k: v / max(val["n"], 1) for k, v in val.items() if k != "n"}
        history.append({"epoch": epoch + 1, "step": step, "minutes": (time.time() - t_start) / 60, **val})
        log(f"epoch {epoch + 1} val loss {val['loss']:.4f} ce {val['ce']:.4f} sim {val['sim']:.3f} "
            f"(other study's report {val['sim_other']:.3f})")
        if rank == 0:
            for gen, ref in sample_reports(model, val_set, device, mean, std, vocab):
                log(f"  sample: {gen}\n     ref: {ref}")
            if val["loss"] < best:
                best = val["loss"]
                save_checkpoint(out / "ckpt.pt", model, cfg, meta, args, epoch + 1, val, history, params, sps)
                log(f"  saved {out / 'ckpt.pt'} (best val loss)")
            (out / "history.json").write_text(json.dumps(history, indent=1))
            if not args.ddp:
                save_resume_state(out / "last.pt", model, opt, epoch + 1, step, total, best, history,
                                  (time.time() - t_start) / 60, train_loader.generator)
        if (stop_at_steps and step >= total) or progress >= 1.0:
            break
        if args.stop_after_epoch and epoch + 1 >= args.stop_after_epoch:
            log(f"stopping after epoch {epoch + 1} of {epochs}; continue with the same command and --resume")
            break
    log(f"done in {(time.time() - t_start) / 60:.1f} min; best val loss {best:.4f}")
    if args.ddp:
        dist.destroy_process_group()
    return {"best_val_loss": best, "history": history, "samples_per_s": sps, "params": params}


def save_resume_state(path, model, opt, epoch, step, total, best, history, minutes, loader_generator):
    """Everything the next epoch needs to continue bit for bit: weights, optimiser, RNG streams, schedule position."""
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch, "step": step,
                "total": total, "best": best, "history": history, "minutes": minutes,
                "rng": torch.get_rng_state(), "loader_rng": loader_generator.get_state()}, tmp)
    tmp.replace(path)  # a process killed mid-write leaves the previous epoch's state intact


def load_resume_state(path, total, reschedule=False):
    if not path.exists():
        raise SystemExit(f"--resume: {path} not found; start the run without --resume (it writes last.pt every epoch)")
    state = torch.load(path, map_location="cpu")
    if state["total"] != total and not reschedule:
        raise SystemExit(f"--resume: {path} was a {state['total']}-step schedule, this command makes {total}; "
                         f"use the run's --epochs and --batch-size, or add --reschedule to follow the new one")
    if state["step"] >= total:
        raise SystemExit(f"--resume: {path} is already at step {state['step']}, past this schedule's {total}; "
                         f"give more --epochs")
    return state


def save_checkpoint(path, model, cfg, meta, args, epoch, val, history, params, sps):
    torch.save({
        "model": {k: v.detach().float().cpu() for k, v in model.state_dict().items()},
        "model_config": cfg.to_dict(), "corpus_meta": meta, "corpus_dir": str(Path(args.corpus).resolve()),
        "epoch": epoch, "val_loss": val["loss"], "val": val, "version": "1.0.0",
        "summary": {"lambda": args.lam, "seed": args.seed, "smoke": args.smoke, "epochs_run": epoch,
                    "params": params, "train_samples_per_s": round(sps, 2), "history": history,
                    "label_smoothing": args.label_smoothing, "vision_init": args.vision_init, "augment": args.augment},
    }, path)


if __name__ == "__main__":
    main()
