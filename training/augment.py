"""Batch augmentation of grey radiographs (on whatever device the batch is on) and normalisation.

Input uint8-valued pixels [M,1,S,S]; random resized crop (zoom and shift ±8 %), rotation ±7°, brightness and
contrast jitter, gaussian noise; then (x/255 − pixel_mean)/pixel_std as the corpus meta says (docs/CONTRACTS.md)."""
import math

import torch
import torch.nn.functional as F


def normalise(pixels_u8, mean, std):
    """uint8-valued [M,1,S,S] → float normalised."""
    return (pixels_u8.float() / 255.0 - mean) / std


def augment(pixels_u8, crop=0.08, rotate_deg=7.0, brightness=0.08, contrast=0.12, noise=0.02):
    """[M,1,S,S] uint8 values → [M,1,S,S] float in [0,1], augmented."""
    x = pixels_u8.float() / 255.0
    m = x.shape[0]

    def uniform(lo, hi):
        return torch.rand(m, device=x.device) * (hi - lo) + lo

    angle = uniform(-rotate_deg, rotate_deg) * (math.pi / 180.0)
    scale = uniform(1.0 - crop, 1.0 + crop)  # <1 zooms in (crop), >1 zooms out (pad)
    tx, ty = uniform(-crop, crop), uniform(-crop, crop)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)  # [M,2,3]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    c = uniform(1.0 - contrast, 1.0 + contrast).view(m, 1, 1, 1)
    b = uniform(-brightness, brightness).view(m, 1, 1, 1)
    mu = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mu) * c + mu + b
    sigma = uniform(0.0, noise).view(m, 1, 1, 1)
    x = x + sigma * torch.randn_like(x)
    return x.clamp(0.0, 1.0)


def augment_and_normalise(pixels_u8, mean, std):
    return (augment(pixels_u8) - mean) / std
