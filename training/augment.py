"""Batch augmentation of grey radiographs (on whatever device the batch is on) and normalisation.

Input uint8-valued pixels [M,1,S,S]; random resized crop (zoom and shift ±8 %), rotation ±7°, brightness and
contrast jitter, gaussian noise; then (x/255 − pixel_mean)/pixel_std as the corpus meta says (docs/CONTRACTS.md).

Two recipes (`train.py --augment`):
  standard  the above, noise σ ≤ 0.02: what serpent-cxr 1.x was trained with.
  robust    also the degradations of an ordinary film or a phone photo of one, each on a share of the batch:
            Gaussian blur σ ≤ 2.5 px, noise σ ≤ 0.15, gamma 0.7–1.4 and contrast ×0.6–1.4 (eval's robustness grid
            goes to blur σ 2, noise σ 0.2, contrast ×0.5 and ×1.5; issue 11 item 5)."""
import math

import torch
import torch.nn.functional as F


def normalise(pixels_u8, mean, std):
    """uint8-valued [M,1,S,S] → float normalised."""
    return (pixels_u8.float() / 255.0 - mean) / std


def per_image_uniform(x, lo, hi):
    """x [M,...] → [M] draws from U(lo, hi), one per image, on x's device."""
    return torch.rand(x.shape[0], device=x.device) * (hi - lo) + lo


def scale_contrast(x, c):
    """x [M,1,S,S], c [M,1,1,1] → each image's deviations from its own mean scaled by c."""
    mu = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mu) * c + mu


def augment(pixels_u8, crop=0.08, rotate_deg=7.0, brightness=0.08, contrast=0.12, noise=0.02):
    """[M,1,S,S] uint8 values → [M,1,S,S] float in [0,1], augmented."""
    x = pixels_u8.float() / 255.0
    m = x.shape[0]

    def uniform(lo, hi):
        return per_image_uniform(x, lo, hi)

    angle = uniform(-rotate_deg, rotate_deg) * (math.pi / 180.0)
    scale = uniform(1.0 - crop, 1.0 + crop)  # <1 zooms in (crop), >1 zooms out (pad)
    tx, ty = uniform(-crop, crop), uniform(-crop, crop)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)  # [M,2,3]
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    c = uniform(1.0 - contrast, 1.0 + contrast).view(m, 1, 1, 1)
    b = uniform(-brightness, brightness).view(m, 1, 1, 1)
    x = scale_contrast(x, c) + b
    sigma = uniform(0.0, noise).view(m, 1, 1, 1)
    x = x + sigma * torch.randn_like(x)
    return x.clamp(0.0, 1.0)


def gaussian_blur(x, sigma, radius=6):
    """x [M,1,S,S], sigma [M] px (0 = unchanged) → [M,1,S,S], each image blurred by its own separable kernel."""
    m = x.shape[0]
    t = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)  # [K]
    s = sigma.clamp(min=1e-3).view(m, 1)
    k = torch.exp(-0.5 * (t.view(1, -1) / s) ** 2)
    k = k / k.sum(dim=1, keepdim=True)  # [M,K]; σ → 0 gives a delta
    y = F.pad(x.transpose(0, 1), (radius, radius, radius, radius), mode="replicate")  # [1,M,S+2r,S+2r]
    y = F.conv2d(y, k.view(m, 1, 1, -1), groups=m)  # rows
    y = F.conv2d(y, k.view(m, 1, -1, 1), groups=m)  # columns
    return y.transpose(0, 1)


def degrade(x, p=0.3, blur=2.5, noise=0.15, gamma=(0.7, 1.4), contrast=(0.6, 1.4)):
    """x [M,1,S,S] in [0,1] → the robust recipe's degradations, each applied to a share p of the images."""
    m = x.shape[0]

    def pick():
        return (per_image_uniform(x, 0.0, 1.0) < p).to(x.dtype)

    def uniform(lo, hi):
        return per_image_uniform(x, lo, hi)

    x = gaussian_blur(x, pick() * uniform(0.0, blur))
    g = 1.0 + pick() * (uniform(*gamma) - 1.0)
    x = x.clamp(0.0, 1.0) ** g.view(m, 1, 1, 1)
    x = scale_contrast(x, (1.0 + pick() * (uniform(*contrast) - 1.0)).view(m, 1, 1, 1))
    sigma = (pick() * uniform(0.0, noise)).view(m, 1, 1, 1)
    return (x + sigma * torch.randn_like(x)).clamp(0.0, 1.0)


AUGMENTS = ("standard", "robust")


def augment_and_normalise(pixels_u8, mean, std, recipe="standard"):
    if recipe not in AUGMENTS:
        raise ValueError(f"augment recipe must be one of {AUGMENTS}, not {recipe!r}")
    x = augment(pixels_u8)
    if recipe == "robust":
        x = degrade(x)
    return (x - mean) / std
