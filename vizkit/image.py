"""Rendered images: a thin wrapper over ``(H, W, 4) uint8`` arrays with PNG I/O.

:class:`Image` shows inline in Jupyter (``_repr_png_``), so ``scene.snapshot(t)`` is a picture in
a notebook and an array in a test.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage


class Image:
    """An RGBA image, top row first."""

    def __init__(self, pixels: npt.NDArray[np.uint8]):
        if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 3|4) uint8 pixels, got {pixels.shape} "
                             f"{pixels.dtype}")
        self.pixels = pixels

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return (self.pixels.shape[1], self.pixels.shape[0])

    @property
    def rgb(self) -> npt.NDArray[np.uint8]:
        return self.pixels[..., :3]

    def __array__(self, dtype=None, copy=None):  # numpy interop: np.asarray(image)
        return self.pixels if dtype is None else self.pixels.astype(dtype)

    def save(self, path: str | Path) -> Path:
        """Write a PNG (RGB; the background is opaque)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        PILImage.fromarray(self.rgb).save(path, optimize=False, compress_level=6)
        return path

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        PILImage.fromarray(self.rgb).save(buffer, format="PNG")
        return buffer.getvalue()

    @classmethod
    def load(cls, path: str | Path) -> Image:
        with PILImage.open(path) as im:
            return cls(np.asarray(im.convert("RGBA")).copy())
