"""Fonts and glyph bitmaps, rasterised by FreeType (through Pillow) at the exact pixel size a
target needs — a 4096² domemaster gets glyphs drawn for 4096², never a small texture scaled up.

A :class:`Face` is a font at one pixel size. Each glyph is rasterised twice into one bitmap pair:
the letter itself (*fill*) and the letter grown by a stroke (*halo*), so text can carry its own
dark outline over busy terrain. Bitmaps are cached per (font file, size, character).

Why bitmaps and not signed distance fields: text is rasterised for the size it is shown at (the
target's resolution is known when a layer draws), so FreeType's hinted, anti-aliased bitmap is
the sharpest result at every size — an SDF atlas rounds corners and thins small text, and buys
only free scaling, which vizkit does not need. The cost is one atlas entry per pixel size.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

log = logging.getLogger("vizkit.text")

#: Font files tried in order (Debian: fonts-dejavu-core); DejaVu covers å ä ö æ ø and more.
DEFAULT_FONTS = {
    "regular": ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    "bold": ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
}
HALO_FRACTION = 0.14   # halo stroke width as a share of the pixel size
MIN_PX, MAX_PX = 4, 512


class FontError(ValueError):
    """A font file that is missing or cannot be read."""


@lru_cache(maxsize=64)
def _freetype(path: str | None, weight: str, px: int) -> ImageFont.FreeTypeFont:
    if path:
        try:
            return ImageFont.truetype(path, px)
        except OSError:
            raise FontError(f"font file not found or unreadable: {path}") from None
    for candidate in DEFAULT_FONTS[weight]:
        try:
            return ImageFont.truetype(candidate, px)
        except OSError:
            continue
    log.warning("DejaVu Sans not found (install fonts-dejavu-core); Pillow's bundled font "
                "lacks letters such as å, ä, ö")
    return ImageFont.load_default(size=px)  # type: ignore[return-value]


@dataclass(frozen=True)
class Glyph:
    """One rasterised character.

    Attributes:
        char: the character.
        bitmap: ``(h, w, 2) uint8`` coverage: channel 0 the letter, channel 1 letter + halo.
        left: x of the bitmap's left edge relative to the pen position, pixels.
        top: y of the bitmap's top edge above the baseline (positive up), pixels.
        advance: how far the pen moves after this character, pixels (no kerning).
    """

    char: str
    bitmap: npt.NDArray[np.uint8]
    left: int
    top: int
    advance: float


@dataclass(frozen=True)
class Face:
    """A font at one pixel size (the em size, as FreeType takes it).

    Attributes:
        px: size in pixels of the target the text lands on.
        weight: ``"regular"`` or ``"bold"`` (DejaVu Sans / DejaVu Sans Bold).
        path: a TTF/OTF file instead of DejaVu.
    """

    px: int
    weight: str = "regular"
    path: str | None = None

    def __post_init__(self) -> None:
        if self.weight not in DEFAULT_FONTS:
            raise ValueError(f"font weight must be one of {tuple(DEFAULT_FONTS)}, "
                             f"got {self.weight!r}")
        if self.path is not None and not Path(self.path).is_file():
            raise FontError(f"font file not found or unreadable: {self.path}")
        object.__setattr__(self, "px", int(min(max(round(self.px), MIN_PX), MAX_PX)))

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return _freetype(self.path, self.weight, self.px)

    @property
    def ascent(self) -> int:
        return int(self.font.getmetrics()[0])

    @property
    def descent(self) -> int:
        return int(self.font.getmetrics()[1])

    @property
    def line_height(self) -> int:
        """Baseline to baseline, pixels (1.25 em, at least ascent + descent)."""
        return max(round(self.px * 1.25), self.ascent + self.descent)

    @property
    def halo_px(self) -> int:
        return max(1, round(self.px * HALO_FRACTION))

    def length(self, text: str) -> float:
        """Advance width of ``text`` in pixels, kerning included."""
        return float(self.font.getlength(text))

    def glyph(self, char: str) -> Glyph:
        return _glyph(self, char)

    def has_glyph(self, char: str) -> bool:
        """True when the font draws ``char`` itself (not the 'missing glyph' box)."""
        return _has_glyph(self.path, self.weight, char)


@lru_cache(maxsize=16384)
def _glyph(face: Face, char: str) -> Glyph:
    font, halo = face.font, face.halo_px
    pad = halo + 2
    width = int(np.ceil(face.length(char))) + 2 * pad + face.px // 2
    height = face.ascent + face.descent + 2 * pad
    origin = (pad, pad + face.ascent)  # pen position on the baseline
    fill = PILImage.new("L", (width, height), 0)
    ImageDraw.Draw(fill).text(origin, char, font=font, fill=255, anchor="ls")
    grown = PILImage.new("L", (width, height), 0)
    ImageDraw.Draw(grown).text(origin, char, font=font, fill=255, anchor="ls",
                               stroke_width=halo, stroke_fill=255)
    pair = np.stack([np.asarray(fill), np.asarray(grown)], axis=-1)
    ys, xs = np.nonzero(pair[..., 1])
    if ys.size == 0:  # a space: no pixels, only an advance
        return Glyph(char, np.zeros((0, 0, 2), np.uint8), 0, 0, face.length(char))
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return Glyph(char, np.ascontiguousarray(pair[y0:y1, x0:x1]), int(x0 - origin[0]),
                 int(origin[1] - y0), face.length(char))


@lru_cache(maxsize=4096)
def _has_glyph(path: str | None, weight: str, char: str) -> bool:
    if char.isspace():
        return True
    font = _freetype(path, weight, 32)
    missing = font.getmask("\uffff").getbbox(), bytes(font.getmask("\uffff"))
    mask = font.getmask(char)
    return (mask.getbbox(), bytes(mask)) != missing and mask.getbbox() is not None
