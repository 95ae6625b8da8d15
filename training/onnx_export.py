"""Exports a SerpentVLM to the three fp32 ONNX files of docs/CONTRACTS.md (names from src/engine/modelIO.json):
vision_encoder, embed_tokens, decoder_model_merged (KV cache in and out, beam_idx gathered inside the graph).
The decoder is written as ONNX Runtime's fused operators (fused_decoder.py) with the image prefix's cache shared by all
rows ("fused-prefix", the default), or with one cache per row ("fused"), unless `decoder_graph="traced"`, which keeps the
TorchScript trace (the reference the fused graphs are tested against)."""
import inspect
import warnings
from pathlib import Path

import torch
import torch.nn as nn

import onnx

from .decoder_calls import GRAPHS, shares_prefix
from .fused_decoder import build_fused_decoder, weights_from_model
from .modelio import load_model_io, decoder_names, onnx_file_name

OPSET = 17


class VisionExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):  # [B,1,S,S]
        feats = self.model.image_tokens(pixel_values)  # [B,N,D]
        patches = self.model.patch_embeds(feats)  # [B,N,E]
        return feats, patches, patches.mean(dim=1)  # image_features, patch_embeds, image_embeds


class EmbedExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):  # [B,T] → [B,T,D]
        return self.model.decoder.tok(input_ids)


class DecoderExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, inputs_embeds, beam_idx, *past_flat):
        """inputs_embeds [B,T,D]; beam_idx [B]; past_flat: key, value per layer [B0,H,P,Dh]."""
        past = [(past_flat[2 * i].index_select(0, beam_idx), past_flat[2 * i + 1].index_select(0, beam_idx))
                for i in range(len(past_flat) // 2)]  # [B,H,P,Dh]
        h, presents = self.model.decoder(inputs_embeds, past)
        out = [self.model.lm_head(h), self.model.token_embeds(h)]  # logits [B,T,V], text_embeds [B,T,E]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def _export(module, args, path, input_names, output_names, dynamic_axes):
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # torch ≥ 2.9 defaults to the dynamo exporter; keep the TorchScript one
    with warnings.catch_warnings():  # tracer notes about constant shapes (d_model, heads) are expected
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True, **kwargs)


def export_onnx_files(model, onnx_dir, decoder_graph="fused-prefix"):
    """Writes the fp32 files into onnx_dir → {file key: Path} (keys as ModelFileKey in manifest.ts)."""
    if decoder_graph not in GRAPHS:
        raise ValueError(f"decoder_graph must be one of {GRAPHS}, not {decoder_graph!r}")
    io = load_model_io()
    cfg = model.cfg
    was_training = model.training
    model = model.float().cpu().eval()
    onnx_dir = Path(onnx_dir)
    onnx_dir.mkdir(parents=True, exist_ok=True)
    paths = {"vision_encoder": onnx_dir / onnx_file_name(io, "vision", "fp32"),
             "embed_tokens": onnx_dir / onnx_file_name(io, "embed", "fp32"),
             "decoder_model_merged": onnx_dir / onnx_file_name(io, "decoder", "fp32")}
    v_in, v_out = io["vision"]["inputs"], io["vision"]["outputs"]
    e_in, e_out = io["embed"]["inputs"], io["embed"]["outputs"]
    with torch.no_grad():
        pixels = torch.zeros(2, 1, cfg.image_size, cfg.image_size)
        _export(VisionExport(model).eval(), (pixels,), paths["vision_encoder"], [v_in["pixels"]],
                [v_out["imageTokens"], v_out["patchEmbeds"], v_out["imageEmbed"]],
                {v_in["pixels"]: {0: "batch"}, v_out["imageTokens"]: {0: "batch"},
                 v_out["patchEmbeds"]: {0: "batch"}, v_out["imageEmbed"]: {0: "batch"}})
        ids = torch.ones(2, 3, dtype=torch.long)
        _export(EmbedExport(model).eval(), (ids,), paths["embed_tokens"], [e_in["ids"]], [e_out["embeds"]],
                {e_in["ids"]: {0: "batch", 1: "sequence"}, e_out["embeds"]: {0: "batch", 1: "sequence"}})
        # Trace with B0=2 past rows, B=3 new rows, P=3, T=2 so that no axis is specialised to 0 or 1.
        in_names, out_names = decoder_names(io, cfg.n_layers)
        embeds = torch.randn(3, 2, cfg.d_model)
        beam_idx = torch.tensor([0, 1, 1], dtype=torch.long)
        past = [torch.randn(2, cfg.n_heads, 3, cfg.head_dim) for _ in range(2 * cfg.n_layers)]
        axes = {in_names[0]: {0: "batch", 1: "sequence"}, in_names[1]: {0: "batch"},
                out_names[0]: {0: "batch", 1: "sequence"}, out_names[1]: {0: "batch", 1: "sequence"}}
        for name in in_names[2:]:
            axes[name] = {0: "past_batch", 2: "past_sequence"}
        for name in out_names[2:]:
            axes[name] = {0: "batch", 2: "total_sequence"}
        if decoder_graph == "traced":
            _export(DecoderExport(model).eval(), (embeds, beam_idx, *past), paths["decoder_model_merged"], in_names,
                    out_names, axes)
        else:
            fused = build_fused_decoder(weights_from_model(model), cfg.n_layers, cfg.n_heads, cfg.head_dim,
                                        shared_prefix=shares_prefix(decoder_graph))
            onnx.save(fused, str(paths["decoder_model_merged"]))
    model.train(was_training)  # torch.onnx.export restores the wrapper's mode; leave the caller's as it was
    return paths
