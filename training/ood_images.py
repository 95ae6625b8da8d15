"""Images for the out-of-distribution detector: synthetic negatives by family, augmented real positives.

Every function returns a float array in [0,1] of any size; `letterbox` turns it into the model's uint8 [S,S]
input exactly as the page does (tent-filter resize of the long side to S, centred on black padding; Pillow's
BILINEAR is the same filter, src/image/preprocess.ts). No fonts are needed: text is Pillow's built-in bitmap
font drawn small and scaled, so the generator runs the same on any machine.

Families (what a person might drop instead of a frontal chest radiograph):
  document   scanned pages: text lines, headings, tables, rules, lighting, skew, scanner bed
  screen     screenshots: panels, bars, buttons, text on light or dark themes
  noise      white, uniform, salt-and-pepper, 1/f and blocky noise
  smooth     flat fields, linear and radial gradients, stripes, checkerboards
  photo      dead-leaves scenes (occluding shapes with natural-image statistics) and horizon scenes
  radiograph cartoons of other radiographs: limbs and hands, abdomen and pelvis, skull
  chest_view real chest radiographs made into what the model never saw: small zoomed crops, rotated 90°/180°,
             upside down, inverted, and a lateral proxy (one lung half stretched, spine at one edge)"""
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FAMILIES = ("document", "screen", "noise", "smooth", "photo", "radiograph", "chest_view")
_FONT = ImageFont.load_default()
_LETTERS = "abcdefghijklmnopqrstuvwxyzeeeaaoiint"


def letterbox(img, size):
    """float [H,W] in [0,1] → uint8 [size,size]: long side resized to size, centred on black."""
    h, w = img.shape
    scale = size / max(h, w)
    rw, rh = min(size, max(1, round(w * scale))), min(size, max(1, round(h * scale)))
    resized = np.asarray(Image.fromarray(img.astype(np.float32), mode="F").resize((rw, rh), Image.BILINEAR))
    out = np.zeros((size, size), np.uint8)
    ox, oy = (size - rw) // 2, (size - rh) // 2
    out[oy:oy + rh, ox:ox + rw] = np.round(np.clip(resized, 0.0, 1.0) * 255.0).astype(np.uint8)
    return out


def _to_float(pil):
    return np.asarray(pil, dtype=np.float32) / 255.0


def _blur(img, sigma):
    """Separable Gaussian blur with edge padding (Pillow cannot blur float images)."""
    if sigma <= 0.05:
        return img
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    out = np.pad(img.astype(np.float32), r, mode="edge")
    out = sum(k[i] * out[:, i:i + out.shape[1] - 2 * r] for i in range(2 * r + 1))  # rows
    return sum(k[i] * out[i:i + out.shape[0] - 2 * r] for i in range(2 * r + 1)).astype(np.float32)  # columns


def _resize(img, w, h):
    return np.asarray(Image.fromarray(img.astype(np.float32), mode="F").resize((int(w), int(h)), Image.BILINEAR))


def _words(rng, n):
    words = []
    for _ in range(n):
        k = int(rng.integers(1, 10))
        w = "".join(_LETTERS[i] for i in rng.integers(0, len(_LETTERS), k))
        r = rng.random()
        words.append(w.capitalize() if r < 0.15 else str(int(rng.integers(0, 10000))) if r < 0.2 else w)
    return " ".join(words)


def _text_block(draw, rng, x, y, width, lines, ink, spacing):
    for _ in range(lines):
        line = _words(rng, int(rng.integers(3, max(4, width // 30))))
        draw.text((x, y), line[: max(1, width // 6)], fill=ink, font=_FONT)
        y += spacing
    return y


def _lighting(rng, h, w, strength):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(a) * xx / w + np.sin(a) * yy / h)
    return 1.0 - strength * (ramp - ramp.min())


def document(rng):
    w = int(rng.integers(150, 320))
    h = int(w * rng.uniform(1.2, 1.5)) if rng.random() < 0.8 else int(w * rng.uniform(0.6, 0.8))
    paper = int(rng.integers(200, 256))
    pil = Image.new("L", (w, h), paper)
    draw = ImageDraw.Draw(pil)
    ink = int(rng.integers(0, 90))
    margin = int(rng.integers(6, 25))
    y = margin
    while y < h - margin - 12:
        r = rng.random()
        if r < 0.12:  # heading, drawn twice for weight
            t = _words(rng, int(rng.integers(1, 5))).upper()
            draw.text((margin, y), t, fill=ink, font=_FONT)
            draw.text((margin + 1, y), t, fill=ink, font=_FONT)
            y += 18
        elif r < 0.22:  # table
            rows, cols = int(rng.integers(2, 7)), int(rng.integers(2, 5))
            cw, rh = (w - 2 * margin) // cols, 13
            for i in range(rows + 1):
                draw.line((margin, y + i * rh, margin + cols * cw, y + i * rh), fill=ink)
            for j in range(cols + 1):
                draw.line((margin + j * cw, y, margin + j * cw, y + rows * rh), fill=ink)
            for i in range(rows):
                for j in range(cols):
                    draw.text((margin + j * cw + 2, y + i * rh + 1), _words(rng, 1)[: cw // 7], fill=ink, font=_FONT)
            y += rows * rh + 10
        elif r < 0.27:  # rule
            draw.line((margin, y + 4, w - margin, y + 4), fill=ink, width=int(rng.integers(1, 3)))
            y += 10
        else:
            y = _text_block(draw, rng, margin, y, w - 2 * margin, int(rng.integers(2, 9)), ink, int(rng.integers(11, 16))) + 6
    img = _to_float(pil) * _lighting(rng, h, w, rng.uniform(0, 0.25))
    scale = rng.uniform(1.0, 3.0)
    img = _resize(img, w * scale, h * scale)
    if rng.random() < 0.5:
        angle = rng.uniform(-4, 4)
        img = np.asarray(Image.fromarray(img, mode="F").rotate(angle, resample=Image.BILINEAR, expand=True, fillcolor=float(paper) / 255))
    img = _blur(img, rng.uniform(0, 1.2)) + rng.normal(0, rng.uniform(0, 0.04), img.shape)
    if rng.random() < 0.25:  # on a dark scanner bed
        bed = np.full((int(img.shape[0] * rng.uniform(1.05, 1.3)), int(img.shape[1] * rng.uniform(1.05, 1.3))), rng.uniform(0, 0.25))
        oy, ox = (bed.shape[0] - img.shape[0]) // 2, (bed.shape[1] - img.shape[1]) // 2
        bed[oy:oy + img.shape[0], ox:ox + img.shape[1]] = img
        img = bed
    if rng.random() < 0.1:
        img = 1.0 - img
    return np.clip(img, 0, 1)


def screen(rng):
    w, h = int(rng.integers(200, 400)), int(rng.integers(140, 300))
    dark = rng.random() < 0.35
    bg = int(rng.integers(10, 60)) if dark else int(rng.integers(200, 256))
    ink = int(rng.integers(180, 255)) if dark else int(rng.integers(0, 80))
    pil = Image.new("L", (w, h), bg)
    draw = ImageDraw.Draw(pil)
    draw.rectangle((0, 0, w, int(rng.integers(10, 30))), fill=int(rng.integers(0, 256)))
    for _ in range(int(rng.integers(1, 6))):
        x0, y0 = int(rng.integers(0, w - 40)), int(rng.integers(20, h - 30))
        x1, y1 = min(w, x0 + int(rng.integers(30, w))), min(h, y0 + int(rng.integers(20, h)))
        draw.rectangle((x0, y0, x1, y1), fill=int(rng.integers(0, 256)), outline=ink)
        _text_block(draw, rng, x0 + 4, y0 + 4, x1 - x0 - 8, max(1, (y1 - y0 - 8) // 13), ink, 13)
    if rng.random() < 0.4:
        ph = photo(rng)
        pw, phh = int(w * rng.uniform(0.2, 0.5)), int(h * rng.uniform(0.2, 0.5))
        x0, y0 = int(rng.integers(0, w - pw)), int(rng.integers(0, h - phh))
        arr = _to_float(pil)
        arr[y0:y0 + phh, x0:x0 + pw] = _resize(ph, pw, phh)
        return np.clip(_resize(arr, w * rng.uniform(1, 2.5), h * rng.uniform(1, 2.5)), 0, 1)
    return np.clip(_resize(_to_float(pil), w * rng.uniform(1, 2.5), h * rng.uniform(1, 2.5)), 0, 1)


def _pink(rng, h, w, exponent):
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    f = np.sqrt(fy ** 2 + fx ** 2)
    f[0, 0] = 1.0
    spec = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f ** (exponent / 2)
    spec[0, 0] = 0
    x = np.fft.irfft2(spec, s=(h, w))
    return (x - x.min()) / max(x.max() - x.min(), 1e-6)


def noise(rng):
    h, w = int(rng.integers(64, 320)), int(rng.integers(64, 320))
    kind = rng.integers(0, 5)
    if kind == 0:
        img = rng.normal(rng.uniform(0.2, 0.8), rng.uniform(0.03, 0.35), (h, w))
    elif kind == 1:
        lo = rng.uniform(0, 0.6)
        img = rng.uniform(lo, lo + rng.uniform(0.1, 1 - lo), (h, w))
    elif kind == 2:
        img = np.full((h, w), rng.uniform(0, 1))
        m = rng.random((h, w))
        p = rng.uniform(0.02, 0.3)
        img[m < p / 2], img[m > 1 - p / 2] = 0.0, 1.0
    elif kind == 3:
        img = _pink(rng, h, w, rng.uniform(0.5, 3.0)) * rng.uniform(0.3, 1) + rng.uniform(0, 0.3)
    else:
        small = rng.random((int(rng.integers(4, 32)), int(rng.integers(4, 32))))
        img = np.asarray(Image.fromarray(small.astype(np.float32), mode="F").resize((w, h), Image.NEAREST))
    return np.clip(img, 0, 1)


def smooth(rng):
    h, w = int(rng.integers(64, 320)), int(rng.integers(64, 320))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h - 0.5, xx / w - 0.5
    kind = rng.integers(0, 5)
    lo, hi = sorted(rng.uniform(0, 1, 2))
    if kind == 0:
        t = np.zeros((h, w)) + rng.uniform(0, 1)
        lo, hi = 0.0, 1.0
    elif kind == 1:
        a = rng.uniform(0, 2 * np.pi)
        t = np.cos(a) * xx + np.sin(a) * yy
    elif kind == 2:
        t = np.sqrt((xx - rng.uniform(-0.3, 0.3)) ** 2 + (yy - rng.uniform(-0.3, 0.3)) ** 2)
    elif kind == 3:
        a, f = rng.uniform(0, np.pi), rng.uniform(2, 30)
        t = np.sin(2 * np.pi * f * (np.cos(a) * xx + np.sin(a) * yy))
    else:
        n = rng.integers(2, 16)
        t = ((np.floor((xx + 0.5) * n) + np.floor((yy + 0.5) * n)) % 2).astype(np.float32)
    t = (t - t.min()) / max(t.max() - t.min(), 1e-6) if t.max() > t.min() else t
    img = lo + (hi - lo) * t
    return np.clip(img + rng.normal(0, rng.uniform(0, 0.03), (h, w)), 0, 1)


def photo(rng):
    h, w = int(rng.integers(96, 320)), int(rng.integers(96, 320))
    if rng.random() < 0.3:  # horizon scene: sky gradient over textured ground
        img = np.empty((h, w), np.float32)
        horizon = int(h * rng.uniform(0.3, 0.7))
        img[:horizon] = np.linspace(rng.uniform(0.5, 1), rng.uniform(0.3, 0.9), horizon)[:, None]
        img[horizon:] = _pink(rng, h - horizon, w, rng.uniform(1, 2.5)) * rng.uniform(0.2, 0.6) + rng.uniform(0, 0.4)
    else:  # dead leaves: occluding shapes with power-law sizes
        pil = Image.new("L", (w, h), int(rng.integers(0, 256)))
        draw = ImageDraw.Draw(pil)
        for _ in range(int(rng.integers(40, 300))):
            r = max(2, int(min(h, w) * 0.5 * rng.random() ** 3))
            cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
            box = (cx - r, cy - int(r * rng.uniform(0.4, 1.6)), cx + r, cy + int(r * rng.uniform(0.4, 1.6)))
            (draw.ellipse if rng.random() < 0.6 else draw.rectangle)(box, fill=int(rng.integers(0, 256)))
        img = _to_float(pil) + rng.normal(0, rng.uniform(0, 0.05), (h, w))
    return np.clip(_blur(img, rng.uniform(0, 1.5)) * _lighting(rng, h, w, rng.uniform(0, 0.4)), 0, 1)


def _capsule(draw, rng, cx, cy, length, width, angle, fill):
    dx, dy = np.cos(angle) * length / 2, np.sin(angle) * length / 2
    draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=fill, width=max(1, int(width)))
    for sx, sy in ((cx - dx, cy - dy), (cx + dx, cy + dy)):
        r = width * 0.6
        draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=fill)


def radiograph(rng):
    h = int(rng.integers(140, 300))
    w = int(h * rng.uniform(0.6, 1.3))
    kind = rng.integers(0, 3)
    pil = Image.new("L", (w, h), int(rng.integers(0, 40)))
    draw = ImageDraw.Draw(pil)
    if kind == 0:  # limb or hand: soft tissue with bones of bright cortex and darker medulla
        angle = rng.uniform(0, np.pi)
        n = int(rng.integers(1, 6))
        for i in range(n):
            cx = w / 2 + (i - n / 2) * w * 0.12 + rng.normal(0, 5)
            cy = h / 2 + rng.normal(0, h * 0.05)
            a = angle + rng.normal(0, 0.2)
            length, width = h * rng.uniform(0.3, 0.9), w * rng.uniform(0.05, 0.16)
            _capsule(draw, rng, cx, cy, length, width * 2.4, a, int(rng.integers(70, 120)))
            _capsule(draw, rng, cx, cy, length, width, a, int(rng.integers(200, 250)))
            _capsule(draw, rng, cx, cy, length * 0.9, width * 0.5, a, int(rng.integers(140, 190)))
    elif kind == 1:  # abdomen / pelvis: grey body, spine, pelvic ring, gas
        draw.rectangle((int(w * 0.05), 0, int(w * 0.95), h), fill=int(rng.integers(90, 150)))
        for k in range(int(rng.integers(4, 8))):
            y = h * 0.05 + k * h * 0.11
            draw.rectangle((w * 0.44, y, w * 0.56, y + h * 0.08), fill=int(rng.integers(180, 230)))
        draw.ellipse((w * 0.15, h * 0.6, w * 0.85, h * 1.2), outline=int(rng.integers(190, 240)), width=int(w * 0.04))
        for _ in range(int(rng.integers(3, 25))):
            cx, cy, r = rng.uniform(0.15, 0.85) * w, rng.uniform(0.1, 0.7) * h, rng.uniform(3, 14)
            draw.ellipse((cx - r, cy - r * 0.7, cx + r, cy + r * 0.7), fill=int(rng.integers(30, 90)))
    else:  # skull: bright vault around a textured interior
        draw.ellipse((w * 0.1, h * 0.08, w * 0.9, h * 0.92), fill=int(rng.integers(200, 245)))
        draw.ellipse((w * 0.15, h * 0.13, w * 0.85, h * 0.87), fill=int(rng.integers(100, 160)))
        draw.ellipse((w * 0.3, h * 0.55, w * 0.55, h * 0.75), fill=int(rng.integers(40, 90)))
    img = _blur(_to_float(pil), rng.uniform(1, 4)) + _pink(rng, h, w, 2.0) * rng.uniform(0, 0.15)
    return np.clip(img + rng.normal(0, rng.uniform(0, 0.03), (h, w)), 0, 1)


def chest_view(rng, chest):
    """chest: a real chest radiograph, float [S,S] in [0,1]."""
    s = chest.shape[0]
    kind = rng.integers(0, 5)
    if kind == 0:  # a small zoomed crop: ribs and texture, no chest outline
        c = int(s * rng.uniform(0.2, 0.45))
        y, x = int(rng.integers(0, s - c)), int(rng.integers(0, s - c))
        return chest[y:y + c, x:x + c]
    if kind == 1:  # rotated a quarter turn
        return np.rot90(chest, 1 if rng.random() < 0.5 else 3).copy()
    if kind == 2:  # upside down
        img = chest[::-1].copy()
        return img[:, ::-1].copy() if rng.random() < 0.5 else img
    if kind == 3:  # inverted grey scale
        return 1.0 - chest
    half = chest[:, : s // 2] if rng.random() < 0.5 else chest[:, s // 2:][:, ::-1]  # lateral proxy
    img = _resize(np.ascontiguousarray(half), s * rng.uniform(0.8, 1.0), s).copy()
    band = int(img.shape[1] * rng.uniform(0.08, 0.15))
    img[:, -band:] = np.maximum(img[:, -band:], rng.uniform(0.6, 0.85))
    if rng.random() < 0.5:
        img = img[:, ::-1]
    return np.ascontiguousarray(img)


def negative(rng, family, chest_pool):
    """One negative image of a family; chest_pool: uint8 [M,S,S] real radiographs for `chest_view`."""
    if family == "chest_view":
        return chest_view(rng, chest_pool[int(rng.integers(0, len(chest_pool)))].astype(np.float32) / 255.0)
    return globals()[family](rng)


def augment_positive(rng, chest_u8):
    """A real chest radiograph [S,S] uint8 → a plausible variant of it as float [H,W] (before letterbox)."""
    s = chest_u8.shape[0]
    img = chest_u8.astype(np.float32) / 255.0
    kh, kw = rng.uniform(0.78, 1.0, 2)
    ch, cw = int(s * kh), int(s * kw)
    y, x = int(rng.integers(0, s - ch + 1)), int(rng.integers(0, s - cw + 1))
    img = img[y:y + ch, x:x + cw]
    if rng.random() < 0.5:
        img = img[:, ::-1]
    if rng.random() < 0.5:
        img = np.asarray(Image.fromarray(np.ascontiguousarray(img), mode="F").rotate(rng.uniform(-10, 10), resample=Image.BILINEAR))
    if rng.random() < 0.15:  # a low-resolution source, enlarged
        f = rng.uniform(0.35, 0.7)
        img = _resize(_resize(img, cw * f, ch * f), cw, ch)
    img = _blur(img, rng.uniform(0, 1.0) if rng.random() < 0.3 else 0)
    img = np.clip(img, 0, 1) ** rng.uniform(0.65, 1.5)
    mu = img.mean()
    img = (img - mu) * rng.uniform(0.75, 1.3) + mu + rng.uniform(-0.08, 0.08)
    return np.clip(img + rng.normal(0, rng.uniform(0, 0.03), img.shape), 0, 1)
