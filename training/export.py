"""`npm run export -- --ckpt runs/NAME/ckpt.pt --out public/models/<id> [--id ID]` and `--random-tiny OUT`:
writes a model folder (docs/CONTRACTS.md): onnx/ files per precision, tokenizer.json, manifest.json; then loads
and runs every file once in onnxruntime-node (first call with an empty past, then a cached step).
`--ood-ckpt runs/ood/ood.pt` adds the out-of-distribution detector (training/ood_export.py)."""
import argparse
import datetime
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

from .manifest import build_manifest, default_decoding, default_findings, ood_stats, write_manifest
from .model import ModelConfig, SerpentVLM
from .decoder_calls import first_feeds, next_feeds, shares_prefix
from .modelio import decoder_names, load_model_io
from .onnx_export import export_onnx_files
from .ood_detector import load_detector
from .ood_export import add_detector, random_detector, summary
from .ort_node import run_onnx
from .synthetic import load_bank, synthetic_image, synthetic_tokenizer

TINY_CONFIG = dict(vis_channels=(8, 16, 16, 32), vis_extra_blocks=0, d_model=32, n_layers=2, n_heads=2,
                   max_text_len=24, dropout=0.0)
TINY_CREATED = "2020-01-01T00:00:00Z"  # fixed so that the fixture folder is byte-for-byte reproducible
TINY_OOD_THRESHOLD = 1e6  # the random fixture detector never warns, so page tests see drafts; the warning path is
# tested with hand-built logits (src/engine/analysis.test.ts) and with the committed model


class ExportError(Exception):
    """Bad export input (missing checkpoint, corpus or model folder contents)."""


def quantize_files(fp32_paths, onnx_dir):
    """→ {precision: {file key: path}} with fp32 plus the quantised variants."""
    from .quantize import quantize_model_files
    return {"fp32": dict(fp32_paths), **quantize_model_files(fp32_paths, onnx_dir)}


@torch.no_grad()
def study_embeds(embed_images, pixels_u8, views, mean, std, batch=64):
    """embed_images: normalised pixels [M,1,S,S] → image_embeds [M,E]. pixels_u8 [M,S,S] uint8, views [n,2] rows into
    pixels (second −1 for one view) → image_embeds averaged over each study's views [n,E]."""
    out = []
    for i in range(0, len(views), batch):
        v = torch.as_tensor(np.asarray(views[i:i + batch]), dtype=torch.long)
        rows = torch.unique(v[v >= 0])
        remap = torch.full((int(rows.max()) + 1,), -1, dtype=torch.long)
        remap[rows] = torch.arange(len(rows))
        first = remap[v[:, 0]]
        second = torch.where(v[:, 1] >= 0, remap[v[:, 1].clamp(min=0)], first)
        x = torch.as_tensor(np.asarray(pixels_u8[rows.numpy()]), dtype=torch.float32).unsqueeze(1)
        e = embed_images((x / 255.0 - mean) / std)  # [M,E]
        out.append((0.5 * (e[first] + e[second])).numpy())
    return np.concatenate(out)


def image_embeds_of(model, pixels_u8, views, mean, std, batch=64):
    """SerpentVLM's p_img (mean patch embedding, as exported), averaged over each study's views [n,E]."""
    return study_embeds(lambda x: model.patch_embeds(model.image_tokens(x)).mean(dim=1), pixels_u8, views, mean, std,
                        batch)


def verify_model_folder(model_dir, manifest):
    """Runs each precision once in onnxruntime-node: vision, embed, a first decoder call with an empty cache
    [1,H,0,Dh], then one cached step with 2 beams (decoder_calls.py: the manifest's decoder_graph convention). Raises ExportError on a bad shape or a non-finite value."""
    io = load_model_io()
    arch = manifest["architecture"]
    s = manifest["preprocessing"]["image_size"]
    _, out_names = decoder_names(io, arch["n_layers"])
    rng = np.random.default_rng(0)
    for prec, files in manifest["files"].items():
        p = {k: str(Path(model_dir) / e["path"]) for k, e in files.items()}
        r = run_onnx([(p["vision_encoder"], {io["vision"]["inputs"]["pixels"]:
                                             rng.standard_normal((1, 1, s, s)).astype(np.float32)}),
                      (p["embed_tokens"], {io["embed"]["inputs"]["ids"]:
                                           np.array([[manifest["special_ids"]["bos"]]], dtype=np.int64)})])
        img = r[0][io["vision"]["outputs"]["imageTokens"]]
        bos = r[1][io["embed"]["outputs"]["embeds"]]
        graph = arch.get("decoder_graph", "traced")
        prefix = np.concatenate([img, bos], axis=1)
        first = run_onnx([(p["decoder_model_merged"], first_feeds(io, arch, graph, prefix))])[0]
        step = next_feeds(io, arch, graph, np.repeat(bos, 2, axis=0), [0, 0], first)
        second = run_onnx([(p["decoder_model_merged"], step)])[0]
        cached = 1 if shares_prefix(graph) else arch["n_image_tokens"] + 2  # present.*: the report's tokens only, or all
        expect = {out_names[0]: (2, 1, arch["vocab_size"]), out_names[1]: (2, 1, arch["embed_dim"]),
                  out_names[2]: (2, arch["n_heads"], cached, arch["head_dim"])}
        for name, shape in expect.items():
            got = second[name]
            if tuple(got.shape) != shape or not np.isfinite(got).all():
                raise ExportError(f"{prec} decoder output {name}: shape {got.shape}, expected {shape} and finite")


def write_model_folder(model, out_dir, *, tokenizer, model_id, version, created, image_size, pixel_mean, pixel_std,
                       max_length, findings, ood, decoding, training, quantize=True, verify=True,
                       decoder_graph="fused-prefix"):
    """Exports model to out_dir (fp32 + int8 + q4 unless quantize=False) → the manifest dict.
    tokenizer: a tokenizer.json dict, or the path of one to copy; decoder_graph: "fused-prefix", "fused" or "traced"."""
    out_dir = Path(out_dir)
    if (out_dir / "onnx").exists():
        shutil.rmtree(out_dir / "onnx")
    fp32 = export_onnx_files(model, out_dir / "onnx", decoder_graph)
    files = quantize_files(fp32, out_dir / "onnx") if quantize else {"fp32": fp32}
    if isinstance(tokenizer, dict):
        (out_dir / "tokenizer.json").write_text(json.dumps(tokenizer, indent=1) + "\n")
    else:  # the corpus's file, copied byte for byte
        shutil.copyfile(tokenizer, out_dir / "tokenizer.json")
    manifest = build_manifest(model_dir=out_dir, model_id=model_id, version=version, created=created,
                              cfg=model.cfg, params=model.num_params(), image_size=image_size,
                              pixel_mean=pixel_mean, pixel_std=pixel_std, max_length=max_length, files=files,
                              findings=findings, ood=ood, decoding=decoding, training=training,
                              decoder_graph=decoder_graph)
    write_manifest(out_dir, manifest)
    if verify:
        verify_model_folder(out_dir, manifest)
    return manifest


def random_tiny(out_dir, seed=0, quantize=True, verify=True):
    """A randomly initialised tiny model with a synthetic tokenizer: the engine tests' fixture (deterministic)."""
    torch.manual_seed(seed)
    bank = load_bank()
    tok = synthetic_tokenizer(bank)
    cfg = ModelConfig(vocab_size=len(tok["model"]["vocab"]), **TINY_CONFIG)
    model = SerpentVLM(cfg).eval()
    rng = np.random.default_rng(seed)
    mean, std = 0.5, 0.25
    pix = np.stack([synthetic_image(list(rng.choice(bank["findings"][1:], size=int(rng.integers(0, 3)),
                                                    replace=False)), rng, cfg.image_size) for _ in range(48)])
    views = np.stack([np.arange(48), -np.ones(48, dtype=np.int64)], axis=1)
    ood = ood_stats(image_embeds_of(model, pix, views, mean, std))
    write_model_folder(model, out_dir, tokenizer=tok, model_id="random-tiny", version="0.0.0",
                       created=TINY_CREATED, image_size=cfg.image_size, pixel_mean=mean, pixel_std=std,
                       max_length=cfg.max_text_len, findings=default_findings(), ood=ood,
                       decoding=default_decoding(cfg.max_text_len),
                       training={"note": "random weights (seed %d): a test fixture, not a trained model" % seed},
                       quantize=quantize, verify=verify)
    add_detector(out_dir, random_detector(cfg.image_size, seed), TINY_OOD_THRESHOLD,
                 {"note": "random weights: a test fixture"}, verify=verify)
    return json.loads((Path(out_dir) / "manifest.json").read_text())


def load_checkpoint(path):
    ckpt = torch.load(path, map_location="cpu", weights_only=False)  # our own file: config dicts beside tensors
    model = SerpentVLM(ModelConfig(**ckpt["model_config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


def export_checkpoint(ckpt_path, out_dir, model_id=None, corpus=None, beta=1.0, ood_studies=2000, quantize=True,
                      ood_ckpt=None, version=None):
    if not Path(ckpt_path).exists():
        raise ExportError(f"checkpoint {ckpt_path} not found; train one with `npm run train -- --out runs/NAME`")
    model, ckpt = load_checkpoint(ckpt_path)
    meta = ckpt["corpus_meta"]
    corpus_dir = Path(corpus or ckpt["corpus_dir"])
    if not (corpus_dir / "tokenizer.json").exists():
        raise ExportError(f"{corpus_dir}/tokenizer.json not found; pass --corpus DIR (the corpus it was trained on)")
    tokenizer = corpus_dir / "tokenizer.json"
    pixels = np.load(corpus_dir / "train" / "pixels.npy", mmap_mode="r")
    views = np.load(corpus_dir / "train" / "views.npy")
    pick = np.random.default_rng(0).permutation(len(views))[:ood_studies]
    ood = ood_stats(image_embeds_of(model, pixels, views[np.sort(pick)], meta["pixel_mean"], meta["pixel_std"]))
    model_id = model_id or Path(out_dir).name
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    training = dict(ckpt.get("summary", {}))
    training.update({"epoch": ckpt["epoch"], "val_loss": ckpt["val_loss"], "corpus": {
        k: meta.get(k) for k in ("version", "splits", "reports_per_image", "seed", "sources")}})
    if ood_ckpt and not Path(ood_ckpt).exists():
        raise ExportError(f"{ood_ckpt} not found; train it with `npm run train-ood` or leave out --ood-ckpt")
    manifest = write_model_folder(model, out_dir, tokenizer=tokenizer, model_id=model_id,
                                  version=version or ckpt.get("version", "1.0.0"), created=created,
                                  image_size=meta["image_size"], pixel_mean=meta["pixel_mean"],
                                  pixel_std=meta["pixel_std"], max_length=meta["max_length"],
                                  findings=meta["findings"], ood=ood,
                                  decoding=default_decoding(meta["max_length"], beta), training=training,
                                  quantize=quantize)
    if not ood_ckpt:
        print("export: no --ood-ckpt, so this folder has no OOD detector; add one with `npm run export-ood`",
              file=sys.stderr)
        return manifest
    detector, dckpt = load_detector(ood_ckpt)
    add_detector(out_dir, detector, dckpt["threshold"], summary(dckpt["evaluation"]))
    return json.loads((Path(out_dir) / "manifest.json").read_text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ckpt", help="runs/NAME/ckpt.pt")
    ap.add_argument("--out", help="model folder, e.g. public/models/<id>")
    ap.add_argument("--id", help="model id (default: the out folder's name)")
    ap.add_argument("--corpus", help="corpus folder (default: the one recorded in the checkpoint)")
    ap.add_argument("--beta", type=float, default=1.0, help="rerank weight written to decoding defaults")
    ap.add_argument("--version", help="the model's version in its manifest (default: the checkpoint's)")
    ap.add_argument("--random-tiny", metavar="OUT", help="export a seeded random tiny model (test fixture)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fp32-only", action="store_true", help="skip int8/q4 quantisation")
    ap.add_argument("--ood-ckpt", help="the OOD detector to add (runs/ood/ood.pt from `npm run train-ood`)")
    args = ap.parse_args(argv)
    try:
        if args.random_tiny:
            m = random_tiny(args.random_tiny, seed=args.seed, quantize=not args.fp32_only)
            out = args.random_tiny
        elif args.ckpt and args.out:
            m = export_checkpoint(args.ckpt, args.out, args.id, args.corpus, args.beta, quantize=not args.fp32_only,
                                  ood_ckpt=args.ood_ckpt, version=args.version)
            out = args.out
        else:
            raise ExportError("pass --ckpt CKPT --out DIR, or --random-tiny OUT")
    except ExportError as e:
        print(f"export: {e}", file=sys.stderr)
        return 2
    for prec, files in m["files"].items():
        print(f"{prec}: " + ", ".join(f"{k} {e['bytes'] / 1e6:.2f} MB" for k, e in files.items()))
    print(f"wrote {out}/manifest.json (verified in onnxruntime-node)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
