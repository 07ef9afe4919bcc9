#!/usr/bin/env python3
"""Generate the labelled placeholder images of Quire's demo site.

Run from the repository root:

    pip install pillow          # Pillow >= 10.1 (embedded TrueType default font)
    python3 scripts/make-demo-media.py

Needs Python >= 3.11 (tomllib). It reads demo/media/manifest.toml and writes
every file listed there into demo/media/ at the declared width and height.
Its output IS COMMITTED: Quire loads demo/media/ as it is, so users never need
to run this script. Re-run it (and commit the result) only after changing the
manifest or this script; the output is deterministic.

The original figures of the demo essay are third-party photographs that we do
not redistribute. Each placeholder says so on its face: "Placeholder image",
what the original showed (the manifest's alt text) and its credit line.
Figure 5 was an animated GIF, so its placeholder is an animated GIF too.
"""

import sys
import tomllib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
MEDIA = ROOT / "demo" / "media"
MANIFEST = MEDIA / "manifest.toml"

# Muted background colours, one per figure (cycled if the manifest grows).
BACKGROUNDS = [
    (201, 210, 196),  # sage
    (196, 205, 216),  # dusty blue
    (224, 212, 190),  # sand
    (222, 200, 198),  # dusty rose
    (208, 203, 219),  # lavender grey
    (214, 206, 184),  # khaki
    (190, 209, 208),  # sea green
    (220, 208, 210),  # mauve
]
INK = (38, 38, 42)
SOFT_INK = (70, 70, 76)


def font(size):
    return ImageFont.load_default(size=size)


def darker(rgb, f=0.78):
    return tuple(int(c * f) for c in rgb)


def wrap(draw, text, fnt, max_width):
    """Greedy word wrap to max_width pixels."""
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and draw.textlength(trial, font=fnt) > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def centred_block(draw, width, y, lines, fnt, fill, spacing, stroke=0):
    for text in lines:
        w = draw.textlength(text, font=fnt)
        draw.text(((width - w) / 2, y), text, font=fnt, fill=fill,
                  stroke_width=stroke, stroke_fill=fill)
        y += fnt.size + spacing
    return y


def picture_icon(draw, cx, cy, size, colour):
    """A simple 'picture' glyph: a frame, a sun and two hills."""
    w, h = size, size * 0.72
    x0, y0 = cx - w / 2, cy - h / 2
    draw.rounded_rectangle([x0, y0, x0 + w, y0 + h], radius=size * 0.08,
                           outline=colour, width=max(3, size // 22))
    r = size * 0.09
    draw.ellipse([x0 + w * 0.68 - r, y0 + h * 0.3 - r,
                  x0 + w * 0.68 + r, y0 + h * 0.3 + r], fill=colour)
    base = y0 + h - size * 0.08
    draw.polygon([(x0 + w * 0.1, base), (x0 + w * 0.38, y0 + h * 0.38),
                  (x0 + w * 0.62, base)], fill=colour)
    draw.polygon([(x0 + w * 0.45, base), (x0 + w * 0.66, y0 + h * 0.55),
                  (x0 + w * 0.9, base)], fill=colour)


def still_image(item, bg, total):
    w, h = item["width"], item["height"]
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    edge = darker(bg)
    d.rectangle([20, 20, w - 21, h - 21], outline=edge, width=4)

    title, body, small = font(84), font(40), font(28)
    text_w = w - 200
    desc = wrap(d, "Original: " + item["alt"], body, text_w)
    credit = wrap(d, item["credit"], small, text_w) if item.get("credit") else []
    footer = f"Figure {item['id']} of {total} · Quire demo · not the original image"

    icon = int(h * 0.17)
    block = (icon + 40 + title.size + 36 + len(desc) * (body.size + 12)
             + (24 + len(credit) * (small.size + 8) if credit else 0))
    y = max(50, (h - 60 - block) / 2)
    picture_icon(d, w / 2, y + icon / 2, icon, edge)
    y += icon + 40
    y = centred_block(d, w, y, ["Placeholder image"], title, INK, 36, stroke=1)
    y = centred_block(d, w, y, desc, body, INK, 12)
    if credit:
        centred_block(d, w, y + 24, credit, small, SOFT_INK, 8)
    fw = d.textlength(footer, font=small)
    d.text(((w - fw) / 2, h - 40 - small.size), footer, font=small, fill=darker(bg, 0.55))

    # Few flat colours plus anti-aliasing: a small palette keeps the PNG tiny.
    return img.quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def animated_gif(item, bg, total):
    """A question mark that pulses and changes colour, clearly labelled."""
    w, h = item["width"], item["height"]
    colours = [(92, 84, 140), (120, 76, 128), (148, 70, 96), (160, 88, 62),
               (148, 70, 96), (120, 76, 128)]
    sizes = [84, 96, 108, 120, 108, 96]
    label, small = font(34), font(16)
    desc = "Original: " + item["alt"]
    credit = item.get("credit", "")
    frames = []
    for colour, size in zip(colours, sizes):
        img = Image.new("RGB", (w, h), bg)
        d = ImageDraw.Draw(img)
        d.rectangle([6, 6, w - 7, h - 7], outline=darker(bg), width=3)
        centred_block(d, w, 16, ["Placeholder GIF"], label, INK, 0)
        q = font(size)
        d.text((w / 2, h / 2 - 4), "?", font=q, fill=colour, anchor="mm",
               stroke_width=2, stroke_fill=colour)
        lines = wrap(d, desc, small, w - 40)
        if credit:
            lines.append(credit)
        y = h - 16 - len(lines) * (small.size + 4)
        centred_block(d, w, y, lines, small, SOFT_INK, 4)
        frames.append(img.quantize(colors=32, method=Image.Quantize.MEDIANCUT,
                                   dither=Image.Dither.NONE))
    return frames


def main():
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    items = manifest["media"]
    for n, item in enumerate(items):
        bg = BACKGROUNDS[n % len(BACKGROUNDS)]
        out = MEDIA / item["file"]
        if item["mime"] == "image/gif":
            frames = animated_gif(item, bg, len(items))
            frames[0].save(out, save_all=True, append_images=frames[1:],
                           duration=160, loop=0, optimize=True, disposal=1)
        elif item["mime"] == "image/png":
            still_image(item, bg, len(items)).save(out, optimize=True)
        else:
            sys.exit(f"{item['file']}: unsupported mime {item['mime']}")
        with Image.open(out) as check:
            if check.size != (item["width"], item["height"]):
                sys.exit(f"{out}: size {check.size} does not match the manifest")
            frames_note = f", {check.n_frames} frames" if getattr(check, "is_animated", False) else ""
        print(f"{out.relative_to(ROOT)}: {check.size[0]}x{check.size[1]}, "
              f"{out.stat().st_size} bytes{frames_note}")


if __name__ == "__main__":
    main()
