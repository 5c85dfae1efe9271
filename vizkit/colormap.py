"""Colour maps as lookup tables: named perceptually uniform maps or user colour lists.

Backed by the ``cmap`` package (no matplotlib needed). Defaults are perceptually uniform and
colour-blind safe: ``viridis`` (sequential), ``cividis``, ``magma``; ``vik`` is the diverging
default for change. A layer uploads the table once as a 1-D texture.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from cmap import Colormap as _CmapColormap

SEQUENTIAL_DEFAULT = "viridis"
DIVERGING_DEFAULT = "vik"
LUT_SIZE = 256


class Colormap:
    """A named or user-defined colour map, sampled to an RGBA8 lookup table.

    Args:
        spec: a name (``"viridis"``, ``"cividis"``, ``"magma"``, ``"vik"`` …) or a sequence of
            colours (``"#1b9e77"``, ``(r, g, b)`` in 0–1) spread evenly from low to high.
    """

    def __init__(self, spec: str | Sequence[object] | Colormap = SEQUENTIAL_DEFAULT):
        if isinstance(spec, Colormap):
            self.name, self._cmap = spec.name, spec._cmap
            return
        try:
            self._cmap = _CmapColormap(spec if isinstance(spec, str) else list(spec))
        except Exception as exc:
            raise ValueError(f"unknown colour map {spec!r}: {exc}") from None
        self.name = spec if isinstance(spec, str) else "custom"

    def lut(self, size: int = LUT_SIZE) -> npt.NDArray[np.uint8]:
        """``(size, 4) uint8`` RGBA table from low to high."""
        table = np.asarray(self._cmap.lut(size), dtype=np.float64)
        return np.clip(np.round(table * 255.0), 0, 255).astype(np.uint8)

    def __call__(self, x: npt.ArrayLike) -> npt.NDArray[np.uint8]:
        """RGBA8 colours for normalised values ``x`` in [0, 1] (nearest LUT entry)."""
        index = np.clip(np.round(np.asarray(x, float) * (LUT_SIZE - 1)), 0, LUT_SIZE - 1)
        return self.lut()[index.astype(int)]

    def __repr__(self) -> str:
        return f"Colormap({self.name!r})"
