"""Draws the toolbar icons (icons/icon-{16,32,48,128}.png): a radar glyph.

A mid-tone disc with a light rim and a dark outline reads on light and dark
toolbars alike. Run it after changing the design and commit the PNGs:
    .venv/bin/python extension/make_icons.py
Needs Pillow (installed with matplotlib in the [train] extra).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 32, 48, 128)
SUPERSAMPLE = 8  # draw large, then shrink: smooth edges at every size
OUTLINE = (16, 24, 40, 255)
DISC = (11, 87, 160, 255)
RIM = (235, 242, 250, 255)
RING = (140, 190, 235, 255)
SWEEP = (72, 168, 178, 255)
BLIP = (255, 176, 32, 255)


def draw_icon(size: int) -> Image.Image:
    """Returns the icon at `size` pixels square."""
    canvas = size * SUPERSAMPLE
    image = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = canvas / 2
    radius = canvas / 2 - canvas * 0.02

    def circle(r: float, **style) -> None:
        draw.ellipse((centre - r, centre - r, centre + r, centre + r), **style)

    stroke = canvas * (0.07 if size <= 16 else 0.05)
    circle(radius, fill=OUTLINE)
    circle(radius - stroke * 0.6, fill=RIM)
    circle(radius - stroke * 1.5, fill=DISC)
    inner = radius - stroke * 1.5
    draw.pieslice((centre - inner, centre - inner, centre + inner, centre + inner),
                  start=-90, end=-20, fill=SWEEP)
    ring_width = max(1, round(canvas * (0.05 if size <= 16 else 0.03)))
    for fraction in ((0.55,) if size <= 16 else (0.33, 0.66)):
        circle(inner * fraction, outline=RING, width=ring_width)
    draw.line((centre, centre, centre + inner * 0.94, centre - inner * 0.34),
              fill=RIM, width=ring_width)
    blip = canvas * (0.11 if size <= 16 else 0.08)
    bx, by = centre + inner * 0.42, centre - inner * 0.55
    draw.ellipse((bx - blip, by - blip, bx + blip, by + blip), fill=BLIP, outline=OUTLINE,
                 width=max(1, ring_width // 2))
    circle(canvas * 0.05, fill=RIM)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Writes every size next to this script."""
    out_dir = Path(__file__).resolve().parent / "icons"
    out_dir.mkdir(exist_ok=True)
    for size in SIZES:
        draw_icon(size).save(out_dir / f"icon-{size}.png", optimize=True)
        print(out_dir / f"icon-{size}.png")


if __name__ == "__main__":
    main()
