"""The glyph atlas: every glyph (and small icon) a layer draws, packed into one texture.

A layer draws all its text from one atlas with one instanced draw call. The atlas is a
``(H, W, 2) uint8`` array — channel 0 the letters' coverage, channel 1 letters + halo — packed
in shelves (rows of similar height) and grown by doubling its height when full. It is GL-free:
the layer uploads it when :attr:`GlyphAtlas.version` changed since its last upload.

A 4×4 block of full coverage at the origin lets the same draw call fill rectangles (backdrops,
colour bars, swatches): :meth:`GlyphAtlas.solid` gives its texel rectangle.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vizkit.text.fonts import Face

PAD = 1             # empty texels between entries, so linear filtering never bleeds
MAX_SIDE = 8192


@dataclass(frozen=True)
class AtlasEntry:
    """Where a bitmap sits in the atlas and how to place it.

    Attributes:
        x, y: top-left texel (y down from the atlas's first row).
        w, h: size in texels (= pixels on screen).
        left, top: offset of the bitmap's top-left from the pen position (top: up, pixels).
        advance: pen advance in pixels.
    """

    x: int
    y: int
    w: int
    h: int
    left: int = 0
    top: int = 0
    advance: float = 0.0


class GlyphAtlas:
    """Glyphs of any number of faces (and icons) packed into one two-channel texture.

    Args:
        width: atlas width in texels (the height grows as needed, up to 8192).
    """

    def __init__(self, width: int = 1024):
        self.width = int(width)
        self.pixels = np.zeros((256, self.width, 2), np.uint8)
        self.pixels[0:4, 0:4] = 255
        self.version = 1
        self._entries: dict[Hashable, AtlasEntry] = {}
        self._shelf_x, self._shelf_y, self._shelf_h = 4 + PAD, 0, 4

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    def solid(self) -> tuple[float, float, float, float]:
        """Texel rectangle ``(x0, y0, x1, y1)`` inside the full-coverage block."""
        return (1.5, 1.5, 2.5, 2.5)

    def glyph(self, face: Face, char: str) -> AtlasEntry:
        """The entry of ``char`` in ``face``, rasterised and packed on first use."""
        key = (face, char)
        entry = self._entries.get(key)
        if entry is None:
            g = face.glyph(char)
            entry = self._pack(key, g.bitmap, g.left, g.top, g.advance)
        return entry

    def icon(self, key: Hashable, make: Callable[[], npt.NDArray[np.uint8]]) -> AtlasEntry:
        """A small ``(h, w, 2)`` image (a hatch swatch, say) packed under ``key``."""
        entry = self._entries.get(("icon", key))
        if entry is None:
            entry = self._pack(("icon", key), make(), 0, 0, 0.0)
        return entry

    def _pack(self, key: Hashable, bitmap: npt.NDArray[np.uint8], left: int, top: int,
              advance: float) -> AtlasEntry:
        h, w = bitmap.shape[:2]
        if w + 2 * PAD > self.width:
            raise ValueError(f"glyph atlas: a {w}-pixel-wide bitmap does not fit a "
                             f"{self.width}-texel atlas")
        if self._shelf_x + w + PAD > self.width:  # next shelf
            self._shelf_y += self._shelf_h + PAD
            self._shelf_x, self._shelf_h = 0, 0
        while self._shelf_y + max(h, self._shelf_h) + PAD > self.height:
            if self.height * 2 > MAX_SIDE:
                raise ValueError("glyph atlas full (8192 texels high): too many sizes or "
                                 "characters in one layer")
            self.pixels = np.concatenate([self.pixels, np.zeros_like(self.pixels)], axis=0)
        x, y = self._shelf_x, self._shelf_y
        if h and w:
            self.pixels[y:y + h, x:x + w] = bitmap
        self._shelf_x += w + PAD
        self._shelf_h = max(self._shelf_h, h)
        entry = AtlasEntry(x, y, w, h, left, top, advance)
        self._entries[key] = entry
        self.version += 1
        return entry
