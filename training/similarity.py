"""The similarity towers: an image–text similarity that tells a report's findings apart, and word maps that point.

Model 1.0's similarity is cos(p_img, p_txt) with p_txt pooled from decoder states that attend to the image prefix, so
p_txt encodes the image more than the words: a study's own report and reports with other findings score the same
(AUROC 0.47 through the engine). The towers fix that on top of the frozen report model:

  image tower: the frozen vision encoder's image tokens [B,N,D] → LayerNorm → MLP → patch embeddings v_n [B,N,E];
               p_img = a linear map of [mean_n v_n ; attention-pooled v_n]            (one more small ONNX file)
  text tower:  the report's token ids alone (no image) → 2-layer bidirectional Transformer → token embeddings
               w_t [B,T,E]; p_txt = a linear map of their masked mean                  (one more small ONNX file)

Loss (each term is one function below):
  L = InfoNCE_global + λ_pair · mean(1 − cos(p_img, p_txt)) + λ_local · InfoNCE_local + λ_box · box + λ_hard · hard
  - InfoNCE_global: symmetric, learned temperature (CLIP/ConVIRT); studies whose reports state the same findings
    (same finding set and location) are positives of each other, so the cosine ranks by content, not phrasing.
  - the SERPENT pair term, kept.
  - InfoNCE_local: GLoRIA's word–region attention (Huang et al., ICCV 2021): each word attends over the patches of
    an image, the image–report score aggregates cos(word, its attended region) over words; contrastive as above.
  - box: weak localisation on the train split only (JSRT nodule disks, NIH and RSNA boxes mapped to the patch
    grid): the words of the sentences that name the finding put their patch softmax on the annotated cells.
  - hard (optional): the report model's own candidates on train images (greedy + samples, read by the labeler):
    per image, its report and the candidates whose findings match its labels against the candidates whose findings
    do not, so the similarity learns to judge exactly the choices the rerank has to make.

The engine computes the same numbers at decode time: it runs the image tower once per image and the text tower on
each finished candidate (and on partial beams at sentence ends), then ranks by cos(p_img, p_txt) and draws word maps
as cos(w_t, v_n)."""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class SimilarityConfig:
    d_image: int = 256  # width of the frozen image tokens (the report model's d_model)
    n_image_tokens: int = 64
    vocab_size: int = 376
    max_text_len: int = 80  # report tokens incl. [SEP] (BOS/EOS are not fed)
    d_text: int = 128
    n_layers: int = 2
    n_heads: int = 4
    embed_dim: int = 128  # E of the towers' shared space
    dropout: float = 0.1
    pad_id: int = 0
    bos_id: int = 1
    eos_id: int = 2
    image_input: str = "image_tokens"  # or "mobilenet_v2_s16": the tower reads similarity_mobilenet.PixelFeatures

    def to_dict(self):
        return asdict(self)


class ImageTower(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.LayerNorm(c.d_image)
        self.mlp = nn.Sequential(nn.Linear(c.d_image, 2 * c.embed_dim), nn.GELU(), nn.Linear(2 * c.embed_dim, c.embed_dim))
        self.attn = nn.Linear(c.embed_dim, 1)
        self.proj = nn.Linear(2 * c.embed_dim, c.embed_dim)

    def forward(self, feats):
        """feats [B,N,D] → patch embeddings [B,N,E], p_img [B,E]."""
        v = self.mlp(self.norm(feats))  # [B,N,E]
        w = torch.softmax(self.attn(v), dim=1)  # [B,N,1]
        pooled = torch.cat([v.mean(dim=1), (w * v).sum(dim=1)], dim=-1)  # [B,2E]
        return v, self.proj(pooled)


class EncoderBlock(nn.Module):
    """Pre-LN bidirectional self-attention block with a key padding mask (written out for a plain ONNX graph)."""

    def __init__(self, c):
        super().__init__()
        self.h, self.dh = c.n_heads, c.d_text // c.n_heads
        self.ln1, self.ln2 = nn.LayerNorm(c.d_text), nn.LayerNorm(c.d_text)
        self.qkv, self.out = nn.Linear(c.d_text, 3 * c.d_text), nn.Linear(c.d_text, c.d_text)
        self.mlp = nn.Sequential(nn.Linear(c.d_text, 4 * c.d_text), nn.GELU(), nn.Linear(4 * c.d_text, c.d_text))
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x, key_bias):
        """x [B,T,d]; key_bias [B,1,1,T] (0 for tokens, −1e4 for padding) → [B,T,d]."""
        B, T, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (t.view(B, T, self.h, self.dh).transpose(1, 2) for t in (q, k, v))  # [B,H,T,dh]
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.dh) + key_bias, dim=-1)  # [B,H,T,T]
        y = (self.drop(att) @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.drop(self.out(y))
        return x + self.drop(self.mlp(self.ln2(x)))


class TextTower(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tok = nn.Embedding(c.vocab_size, c.d_text)
        self.pos = nn.Embedding(c.max_text_len, c.d_text)
        self.blocks = nn.ModuleList([EncoderBlock(c) for _ in range(c.n_layers)])
        self.ln = nn.LayerNorm(c.d_text)
        self.local = nn.Linear(c.d_text, c.embed_dim)
        self.proj = nn.Linear(c.d_text, c.embed_dim)

    def forward(self, ids, mask):
        """ids [B,T] int64, mask [B,T] (1 = report token) → token embeddings [B,T,E], p_txt [B,E]."""
        T = ids.shape[1]
        m = mask.to(torch.float32)
        x = self.tok(ids) + self.pos(torch.arange(T, device=ids.device))  # [B,T,d]
        bias = ((1.0 - m) * -1e4)[:, None, None, :]  # [B,1,1,T]
        for block in self.blocks:
            x = block(x, bias)
        x = self.ln(x)
        pooled = (x * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)  # [B,d]
        return self.local(x), self.proj(pooled)


class SimilarityTowers(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cfg = c
        self.image = ImageTower(c)
        self.text = TextTower(c)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))  # CLIP's learned temperature
        self.local_scale = nn.Parameter(torch.tensor(math.log(10.0)))

    def scale(self, p):
        return p.exp().clamp(max=100.0)


def text_inputs(tokens, cfg):
    """Corpus rows [BOS] report [EOS] PAD… [B,L] → the text tower's ids [B,L'] (report tokens only) and mask."""
    keep = (tokens != cfg.bos_id) & (tokens != cfg.eos_id) & (tokens != cfg.pad_id)  # [B,L]
    n = keep.sum(1)
    L = int(n.max())
    ids = torch.full((tokens.shape[0], L), cfg.pad_id, dtype=torch.long)
    for b in range(tokens.shape[0]):
        ids[b, :n[b]] = tokens[b][keep[b]]
    mask = (torch.arange(L)[None, :] < n[:, None]).long()
    return ids, mask


def multi_positive_infonce(scores, positives):
    """scores [B,B] (image i × report j, already scaled); positives [B,B] bool (diagonal true) → symmetric loss."""
    target = positives.float()
    i2t = -(target / target.sum(1, keepdim=True) * F.log_softmax(scores, dim=1)).sum(1).mean()
    t2i = -(target / target.sum(0, keepdim=True) * F.log_softmax(scores, dim=0)).sum(0).mean()
    return 0.5 * (i2t + t2i)


def local_scores(v, w, mask, attn_temp=0.1, word_temp=5.0):
    """GLoRIA word–region score. v [B,N,E] patches, w [B,T,E] words, mask [B,T] → [B(image),B(report)]."""
    vn, wn = F.normalize(v, dim=-1), F.normalize(w, dim=-1)
    sim = torch.einsum("ine,jte->ijtn", vn, wn)  # [Bi,Bj,T,N]
    attn = torch.softmax(sim / attn_temp, dim=-1)
    ctx = F.normalize(torch.einsum("ijtn,ine->ijte", attn, vn), dim=-1)  # each word's attended region
    r = (ctx * wn.unsqueeze(0)).sum(-1)  # [Bi,Bj,T] cos(word, region)
    r = r.masked_fill(mask.unsqueeze(0) == 0, -1e4)
    return torch.logsumexp(word_temp * r, dim=-1) / word_temp


def box_loss(v, w, word_box, target, temp=0.1):
    """v [B,N,E], w [B,T,E], word_box [B,T] (1 = a word of a sentence naming the annotated finding),
    target [B,N] (annotated cells, rows sum to 1 where the study has an annotation) → mean cross-entropy."""
    if word_box.sum() == 0:
        return v.sum() * 0.0
    heat = torch.einsum("bne,bte->btn", F.normalize(v, dim=-1), F.normalize(w, dim=-1)) / temp  # [B,T,N]
    ce = -(target.unsqueeze(1) * F.log_softmax(heat, dim=-1)).sum(-1)  # [B,T]
    return (ce * word_box).sum() / word_box.sum()


def candidate_loss(scores_own, scores_cand, owner, right):
    """The report model's own candidates as hard cases, per image: its corpus report and its right candidates
    (findings as labelled) are positives, its wrong candidates negatives; multi-positive InfoNCE over that set.
    scores_own [B] (scaled cos of image b with its report), scores_cand [M] (image owner[m] with candidate m),
    owner [M] long, right [M] bool → mean over the images that have at least one wrong candidate."""
    losses = []
    for b in torch.unique(owner[~right]).tolist():
        mine = owner == b
        pos = torch.cat([scores_own[b:b + 1], scores_cand[mine & right]])
        every = torch.cat([scores_own[b:b + 1], scores_cand[mine]])
        losses.append(torch.logsumexp(every, 0) - torch.logsumexp(pos, 0))
    return torch.stack(losses).mean() if losses else scores_own.sum() * 0.0


def similarity_loss(towers, feats, ids, mask, positives, word_box=None, box_target=None,
                    lam_pair=0.5, lam_local=0.5, lam_box=0.5, local_max=64, candidates=None, lam_hard=1.0):
    """One batch → dict of losses and statistics. feats [B,N,D], ids/mask [B,T], positives [B,B] bool;
    candidates: None or (ids [M,T'], mask [M,T'], owner [M], right [M]), the report model's own candidates."""
    v, p_img = towers.image(feats)
    w, p_txt = towers.text(ids, mask)
    cos = F.normalize(p_img, dim=-1) @ F.normalize(p_txt, dim=-1).T  # [B,B]
    scale = towers.scale(towers.logit_scale)
    glob = multi_positive_infonce(scale * cos, positives)
    hard = cos.sum() * 0.0
    if candidates is not None and lam_hard > 0 and candidates[0].shape[0] > 0:
        c_ids, c_mask, owner, right = candidates
        p_cand = F.normalize(towers.text(c_ids, c_mask)[1], dim=-1)  # [M,E]
        cos_cand = (F.normalize(p_img, dim=-1)[owner] * p_cand).sum(-1)  # [M]
        hard = candidate_loss(scale * cos.diagonal(), scale * cos_cand, owner, right)
    pair = (1.0 - cos.diagonal()).mean()
    k = min(local_max, feats.shape[0])  # the local score is O(B²·T·N): a sub-batch
    local = multi_positive_infonce(towers.scale(towers.local_scale) * local_scores(v[:k], w[:k], mask[:k]),
                                   positives[:k, :k]) if lam_local > 0 else cos.sum() * 0.0
    box = box_loss(v, w, word_box, box_target) if (word_box is not None and lam_box > 0) else cos.sum() * 0.0
    loss = glob + lam_pair * pair + lam_local * local + lam_box * box + lam_hard * hard
    other = ~positives
    sim_other = (cos * other).sum() / other.sum().clamp(min=1)
    return {"loss": loss, "global": glob.detach(), "pair": pair.detach(), "local": local.detach(),
            "box": box.detach(), "hard": hard.detach(), "sim": cos.diagonal().mean().detach(), "sim_other": sim_other.detach()}
