"""Text layout: lines, word wrap and alignment, as quads in an atlas — and the quad list every
text drawing (HUD widgets, world labels) hands to the GPU.

Coordinates here are pixels with y pointing *down* from a block's top-left corner, as text is
read; the layers flip them into GL's bottom-up viewport. Glyph positions come from FreeType's
advance widths with kerning (``Face.length`` of each prefix) and are rounded to whole pixels,
so bitmaps rasterised at the target's size land texel-on-pixel and stay sharp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vizkit.text.atlas import AtlasEntry, GlyphAtlas
from vizkit.text.fonts import Face

ALIGNS = ("left", "center", "right")
#: Columns of one quad (float32): rect x0 y0 x1 y1 (px, y down) · atlas uv x0 y0 x1 y1
#: (texels, y down) · fill RGBA (left edge) · fill RGBA (right edge) · halo RGBA (0–1).
QUAD_COLUMNS = 20

RGBA = tuple[float, float, float, float]


@dataclass(frozen=True)
class TextBlock:
    """Laid-out text: glyph quads relative to the block's top-left, and its size.

    Attributes:
        glyphs: ``(N, 8) float32`` rect (px) and atlas uv (texels) per visible glyph.
        width, height: the block's size in pixels (lines × line height).
        lines: the lines after wrapping.
        face: the face it was laid out in.
    """

    glyphs: npt.NDArray[np.float32]
    width: float
    height: float
    lines: tuple[str, ...]
    face: Face


def wrap(text: str, face: Face, max_width: float | None) -> list[str]:
    """Lines of ``text``: ``\\n`` breaks, then words wrapped to ``max_width`` pixels."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if max_width is None or face.length(paragraph) <= max_width:
            lines.append(paragraph)
            continue
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if line and face.length(candidate) > max_width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def layout(text: str, face: Face, atlas: GlyphAtlas, *, align: str = "left",
           max_width: float | None = None) -> TextBlock:
    """Lay ``text`` out in ``face``, packing its glyphs into ``atlas``.

    Args:
        text: UTF-8 text; ``\\n`` separates lines.
        align: ``left``, ``center`` or ``right`` within the widest line.
        max_width: wrap words to this many pixels (None: only at ``\\n``).
    """
    if align not in ALIGNS:
        raise ValueError(f"text align must be one of {ALIGNS}, got {align!r}")
    lines = wrap(text, face, max_width)
    widths = [face.length(line) for line in lines]
    width = max(widths, default=0.0)
    rows: list[list[float]] = []
    for i, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
        x0 = {"left": 0.0, "center": (width - line_width) / 2,
              "right": width - line_width}[align]
        baseline = i * face.line_height + face.ascent + (face.line_height - face.ascent
                                                          - face.descent) // 2
        for j, char in enumerate(line):
            entry = atlas.glyph(face, char)
            if entry.w == 0:
                continue
            pen = round(x0 + face.length(line[:j]))
            gx, gy = pen + entry.left, baseline - entry.top
            rows.append([gx, gy, gx + entry.w, gy + entry.h,
                         entry.x, entry.y, entry.x + entry.w, entry.y + entry.h])
    glyphs = np.asarray(rows, np.float32).reshape(-1, 8)
    return TextBlock(glyphs, float(np.ceil(width)), float(len(lines) * face.line_height),
                     tuple(lines), face)


class QuadList:
    """Rectangles and text runs collected for one draw call, in pixels (y down).

    Widgets build one of these per layout; the layer uploads :meth:`array` as instances.
    """

    def __init__(self, atlas: GlyphAtlas):
        self.atlas = atlas
        self._rows: list[npt.NDArray[np.float32]] = []

    def rect(self, x0: float, y0: float, x1: float, y1: float, color: RGBA,
             color_right: RGBA | None = None) -> None:
        """A filled rectangle; with ``color_right`` a left-to-right gradient."""
        row = np.empty((1, QUAD_COLUMNS), np.float32)
        row[0, 0:4] = (x0, y0, x1, y1)
        row[0, 4:8] = self.atlas.solid()
        row[0, 8:12] = color
        row[0, 12:16] = color if color_right is None else color_right
        row[0, 16:20] = (0, 0, 0, 0)
        self._rows.append(row)

    def icon(self, entry: AtlasEntry, x: float, y: float, color: RGBA,
             halo: RGBA = (0, 0, 0, 0)) -> None:
        """An atlas image (a swatch pattern) at its own size, top-left at ``(x, y)``."""
        row = np.empty((1, QUAD_COLUMNS), np.float32)
        row[0, 0:4] = (x, y, x + entry.w, y + entry.h)
        row[0, 4:8] = (entry.x, entry.y, entry.x + entry.w, entry.y + entry.h)
        row[0, 8:12] = color
        row[0, 12:16] = color
        row[0, 16:20] = halo
        self._rows.append(row)

    def text(self, block: TextBlock, x: float, y: float, color: RGBA,
             halo: RGBA = (0, 0, 0, 0)) -> None:
        """A laid-out block with its top-left at ``(x, y)`` (rounded to whole pixels)."""
        n = len(block.glyphs)
        if n == 0:
            return
        rows = np.empty((n, QUAD_COLUMNS), np.float32)
        rows[:, 0:8] = block.glyphs
        rows[:, 0:4] += np.array([round(x), round(y), round(x), round(y)], np.float32)
        rows[:, 8:12] = color
        rows[:, 12:16] = color
        rows[:, 16:20] = halo
        self._rows.append(rows)

    def extend(self, rows: npt.NDArray[np.float32]) -> None:
        self._rows.append(np.asarray(rows, np.float32).reshape(-1, QUAD_COLUMNS))

    def array(self) -> npt.NDArray[np.float32]:
        """All quads, ``(N, 20) float32``, in drawing order."""
        if not self._rows:
            return np.zeros((0, QUAD_COLUMNS), np.float32)
        return np.ascontiguousarray(np.concatenate(self._rows))

    def __len__(self) -> int:
        return sum(len(r) for r in self._rows)


def text_boxes(blocks: Sequence[TextBlock]) -> npt.NDArray[np.float32]:
    """``(N, 2)`` width and height of each block, pixels."""
    return np.array([[b.width, b.height] for b in blocks], np.float32).reshape(-1, 2)
