"""Serpent's vision-language model: SERPENT-VLM at browser scale, written nanoGPT style.

pixels [B,1,S,S] → small ResNet (from scratch, stride 16), or MobileNetV2 at output stride 16 (from scratch or
ImageNet weights; training/vision_mobilenet.py) → 8×8 grid + learned 2-D positions
→ visual mapper (Linear + LayerNorm) → image tokens [B,N,D]: the prefix of a causal pre-LN Transformer decoder
that then reads the report tokens. Shared space (E = D):
  patch_embeds = image tokens standardised per dimension, p_img = their mean over patches (DESIGN.md: "mean-pooled
  image tokens after the visual mapper"), text_embeds = a linear head on the decoder's final hidden state, likewise
  standardised, p_txt = mean of text_embeds at positions whose *input* token is a report token (docs/CONTRACTS.md).

Why standardise (a BatchNorm without scale or shift: batch statistics in training, running statistics at
inference, folded into the exported graph): with raw embeddings, 1 − cos is minimised by both sides collapsing onto
one shared direction, and the similarity then barely tells a study's own report from another study's (measured:
0.96–0.99 for both). Removing the shared mean makes the cosine a correlation across studies, so it can only be
raised by agreeing on what differs between images, which is what the decode-time rerank needs.

Training loss (see `SerpentVLM.forward`):  L = CE + λ · mean_batch(1 − cos(p_img, p_txt)).
p_txt is the pooled final hidden state through the text head, not the paper's Gumbel-softmax soft-embedding
variant, because the engine must compute the identical quantity at decode time from the per-token `text_embeds`
the decoder emits step by step with the KV cache. (Not the released code's exp(Σcos), which is minimised by
*lowering* similarity and depends on batch size.)
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

from .vision_mobilenet import FEATURE_CHANNELS, MobileNetEncoder


VISION_CHANNELS = {"mobilenet_v2": FEATURE_CHANNELS}


@dataclass
class ModelConfig:
    image_size: int = 128
    vision: str = "resnet"  # "resnet" (from scratch, vis_channels) or "mobilenet_v2" (training/vision_mobilenet.py)
    vis_channels: tuple = (32, 64, 128, 256)  # stem (stride 2), then 3 stride-2 stages: 16 px patches
    vis_extra_blocks: int = 1  # stride-1 residual blocks on the final 8×8 grid
    vocab_size: int = 1024
    max_text_len: int = 64  # report tokens incl. BOS and EOS (corpus meta.max_length)
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    mlp_ratio: int = 4
    dropout: float = 0.1
    pad_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    unk_id: int = 3
    sep_id: int = 4

    def __post_init__(self):
        self.vis_channels = tuple(self.vis_channels)
        assert len(self.vis_channels) == 4, "vis_channels: stem + 3 stages"
        assert self.vision in VISION_CHANNELS or self.vision == "resnet", f"unknown vision encoder {self.vision!r}"
        assert self.image_size % 16 == 0, "image_size must be a multiple of the 16 px patch"
        assert self.d_model % self.n_heads == 0, "d_model must divide by n_heads"

    @property
    def vision_channels(self):
        """Width of the vision encoder's patch features (the mapper's input)."""
        return VISION_CHANNELS.get(self.vision, self.vis_channels[-1])

    @property
    def grid(self):
        return self.image_size // 16

    @property
    def n_image_tokens(self):
        return self.grid * self.grid

    @property
    def head_dim(self):
        return self.d_model // self.n_heads

    @property
    def embed_dim(self):  # E: the shared image–text space is the decoder width
        return self.d_model

    @property
    def max_positions(self):
        return self.n_image_tokens + self.max_text_len

    def to_dict(self):
        return asdict(self)


# ---------------------------------------------------------------- vision encoder

class ResBlock(nn.Module):
    """Basic ResNet block; BatchNorm is folded into the convolutions by the ONNX exporter (eval mode)."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.skip = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.skip(x))


class VisionEncoder(nn.Module):
    """[B,1,S,S] normalised pixels → [B,N,C] patch features with learned 2-D positions."""

    def __init__(self, cfg):
        super().__init__()
        c0, c1, c2, c3 = cfg.vis_channels
        self.stem = nn.Sequential(nn.Conv2d(1, c0, 3, 2, 1, bias=False), nn.BatchNorm2d(c0), nn.ReLU())
        blocks = [ResBlock(c0, c1, 2), ResBlock(c1, c2, 2), ResBlock(c2, c3, 2)]
        blocks += [ResBlock(c3, c3, 1) for _ in range(cfg.vis_extra_blocks)]
        self.blocks = nn.Sequential(*blocks)
        self.pos_row = nn.Parameter(torch.randn(cfg.grid, 1, c3) * 0.02)  # 2-D position = row + column
        self.pos_col = nn.Parameter(torch.randn(1, cfg.grid, c3) * 0.02)

    def forward(self, pixels):
        f = self.blocks(self.stem(pixels))  # [B,C,g,g]
        f = f.flatten(2).transpose(1, 2)  # [B,N,C], row-major patches
        pos = (self.pos_row + self.pos_col).flatten(0, 1)  # [N,C]
        return f + pos


# ---------------------------------------------------------------- decoder

class SelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_heads, self.head_dim = cfg.n_heads, cfg.head_dim
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, past=None):
        """x [B,T,D]; past (k, v) each [B,H,P,Dh] or None → y [B,T,D], present (k, v) [B,H,P+T,Dh]."""
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        q = q.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)  # [B,H,T,Dh]
        k = k.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_heads, self.head_dim).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)  # [B,H,P+T,Dh]
            v = torch.cat([past[1], v], dim=2)
        use_sdpa = (past is None and hasattr(F, "scaled_dot_product_attention")
                    and not torch.jit.is_tracing() and not torch.onnx.is_in_onnx_export())
        if use_sdpa:  # torch ≥ 2: fused attention for training
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.drop.p if self.training else 0.0,
                                               is_causal=True)
        else:
            S = k.shape[2]  # P+T
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))  # [B,H,T,S]
            q_pos = torch.arange(T, device=x.device) + (S - T)
            k_pos = torch.arange(S, device=x.device)
            allowed = k_pos.unsqueeze(0) <= q_pos.unsqueeze(1)  # [T,S]
            att = att.masked_fill(~allowed, float("-inf"))
            att = self.drop(F.softmax(att, dim=-1))
            y = att @ v  # [B,H,T,Dh]
        y = y.transpose(1, 2).reshape(B, T, D)
        return self.drop(self.proj(y)), (k, v)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.attn = SelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = nn.Sequential(nn.Linear(cfg.d_model, cfg.mlp_ratio * cfg.d_model), nn.GELU(),
                                 nn.Linear(cfg.mlp_ratio * cfg.d_model, cfg.d_model), nn.Dropout(cfg.dropout))

    def forward(self, x, past=None):
        a, present = self.attn(self.ln1(x), past)
        x = x + a
        return x + self.mlp(self.ln2(x)), present


class Decoder(nn.Module):
    """Causal pre-LN Transformer over inputs_embeds; learned absolute positions start at the past length P."""

    def __init__(self, cfg):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.max_positions, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layers)])
        self.ln_f = nn.LayerNorm(cfg.d_model)

    def forward(self, embeds, past=None):
        """embeds [B,T,D]; past: list of (k, v) per layer or None → hidden [B,T,D], presents."""
        T = embeds.shape[1]
        P = past[0][0].shape[2] if past is not None else 0
        positions = torch.arange(T, device=embeds.device) + P  # [T]
        x = self.drop(embeds + self.pos(positions))
        presents = []
        for i, block in enumerate(self.blocks):
            x, present = block(x, None if past is None else past[i])
            presents.append(present)
        return self.ln_f(x), presents


# ---------------------------------------------------------------- the whole model

class Standardise(nn.Module):
    """Per-dimension (x − mean)/std over tokens, BatchNorm-style: batch statistics of the selected tokens in training
    (gradients flow through them), running statistics at inference. No learned scale or shift."""

    def __init__(self, dim, momentum=0.01, eps=1e-5):
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x, mask=None):
        """x [..., E]; mask [...] (1 = token counts for the statistics) or None → [..., E]."""
        if self.training:
            flat = x.reshape(-1, x.shape[-1]).float()
            if mask is not None:
                flat = flat[mask.reshape(-1) > 0]
            mean, var = flat.mean(0), flat.var(0, unbiased=False)
            with torch.no_grad():
                self.running_mean.lerp_(mean.detach(), self.momentum)
                self.running_var.lerp_(var.detach(), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        return ((x.float() - mean) * torch.rsqrt(var + self.eps)).to(x.dtype)


class SerpentVLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.vision = MobileNetEncoder(cfg) if cfg.vision == "mobilenet_v2" else VisionEncoder(cfg)
        self.mapper = nn.Sequential(nn.Linear(cfg.vision_channels, cfg.d_model), nn.LayerNorm(cfg.d_model))
        self.decoder = Decoder(cfg)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)  # untied: each weight downloaded once
        self.text_head = nn.Linear(cfg.d_model, cfg.embed_dim)
        self.image_norm = Standardise(cfg.embed_dim)  # shared space, image side
        self.text_norm = Standardise(cfg.embed_dim)  # shared space, text side
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def num_params(self):
        groups = {"vision": self.vision, "mapper": self.mapper, "decoder": self.decoder,
                  "lm_head": self.lm_head, "text_head": self.text_head}
        out = {k: sum(p.numel() for p in m.parameters()) for k, m in groups.items()}
        out["total"] = sum(out.values())
        return out

    # --- pieces that the ONNX files export one by one
    def image_tokens(self, pixels):
        """pixels [B,1,S,S] → image_features [B,N,D] (mapped; also the patch embeddings, E = D)."""
        return self.mapper(self.vision(pixels))

    def study_tokens(self, pixels, view_idx):
        """pixels [M,1,S,S] (all views of a batch); view_idx [B,2] rows into pixels, second −1 for one view
        → image tokens averaged over each study's views [B,N,D]."""
        feats = self.image_tokens(pixels)  # [M,N,D]
        first, second = view_idx[:, 0], view_idx[:, 1]
        second = torch.where(second >= 0, second, first)
        return 0.5 * (feats[first] + feats[second])

    def patch_embeds(self, image_tokens):
        """image tokens [B,N,D] → patch embeddings in the shared space [B,N,E]; p_img is their mean over N."""
        return self.image_norm(image_tokens)

    def token_embeds(self, hidden, input_ids=None):
        """decoder hidden states [B,T,D] → per-token text embeddings in the shared space [B,T,E]. In training the
        statistics come from the report tokens only (input_ids given)."""
        mask = None if input_ids is None else self.report_mask(input_ids)
        return self.text_norm(self.text_head(hidden), mask)

    def report_mask(self, input_ids):
        """[B,T] → float [B,T]: 1 where the input token is a report token (not BOS, PAD or EOS)."""
        c = self.cfg
        return ((input_ids != c.bos_id) & (input_ids != c.pad_id) & (input_ids != c.eos_id)).float()

    def pool_text(self, text_embeds, input_ids):
        """p_txt: text_embeds [B,T,E] averaged over positions whose input token is a report token → [B,E]."""
        mask = self.report_mask(input_ids).unsqueeze(-1).to(text_embeds.dtype)  # [B,T,1]
        return (text_embeds * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def forward(self, pixels, view_idx, tokens, lam=0.5, label_smoothing=0.0):
        """pixels [M,1,S,S], view_idx [B,2], tokens [B,L] ([BOS]…[EOS] then PAD) → dict of losses and stats."""
        N = self.cfg.n_image_tokens
        img = self.study_tokens(pixels, view_idx)  # [B,N,D]
        p_img = self.patch_embeds(img).mean(dim=1)  # [B,E]
        inp, tgt = tokens[:, :-1], tokens[:, 1:]  # [B,L-1]
        h, _ = self.decoder(torch.cat([img, self.decoder.tok(inp)], dim=1))  # [B,N+L-1,D]
        h_txt = h[:, N:]  # hidden states at the text inputs
        logits = self.lm_head(h_txt)  # [B,L-1,V]
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), tgt.reshape(-1),
                             ignore_index=self.cfg.pad_id, label_smoothing=label_smoothing)
        p_txt = self.pool_text(self.token_embeds(h_txt, inp), inp).float()  # [B,E]
        sim = F.cosine_similarity(p_img.float(), p_txt, dim=-1)  # [B]
        refine = (1.0 - sim).mean()
        # diagnostic: similarity to another study's report (in-batch); close to `sim` means it carries no signal
        sim_other = F.cosine_similarity(p_img.float(), p_txt.roll(1, dims=0), dim=-1)
        return {"loss": ce + lam * refine, "ce": ce, "refine": refine, "sim": sim.mean(),
                "sim_other": sim_other.mean().detach(), "p_img": p_img.detach(), "p_txt": p_txt.detach()}

    @torch.no_grad()
    def generate_greedy(self, pixels, view_idx, max_len=None):
        """Greedy decode with the KV cache, exactly as the engine drives the ONNX decoder.
        → list of token-id lists (without BOS, up to and excluding EOS)."""
        c = self.cfg
        max_len = max_len or c.max_text_len
        img = self.study_tokens(pixels, view_idx)  # [B,N,D]
        B = img.shape[0]
        bos = torch.full((B, 1), c.bos_id, dtype=torch.long, device=img.device)
        h, past = self.decoder(torch.cat([img, self.decoder.tok(bos)], dim=1))
        out = [[] for _ in range(B)]
        done = torch.zeros(B, dtype=torch.bool, device=img.device)
        for _ in range(max_len - 1):
            nxt = self.lm_head(h[:, -1]).argmax(-1)  # [B]
            for b in range(B):
                if not done[b] and nxt[b].item() != c.eos_id:
                    out[b].append(nxt[b].item())
            done |= nxt == c.eos_id
            if bool(done.all()):
                break
            h, past = self.decoder(self.decoder.tok(nxt.unsqueeze(1)), past)
        return out
