"""Text contrast against what is really behind it (WCAG 2.x), computed the same way on the GPU
and in checks of rendered frames.

WCAG's contrast ratio is ``(L1 + 0.05) / (L2 + 0.05)`` of the relative luminances of the lighter
and darker colour; AA for body text asks for 4.5:1. A HUD panel sits over a moving 3D scene, so
vizkit does not guess the background: each text panel's backdrop *bounds the luminance of every
pixel behind it* — drawn with a MIN blend (light text) at the brightest grey that still gives
4.5:1 against the text colour, or a MAX blend (dark text) at the darkest — and then lays its
translucent tint on top. Dark backgrounds stay as they are; bright terrain under a caption is
dimmed just enough. :func:`measure` checks a rendered frame: the ratio of the text colour
against the actual pixels under a text box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

AA_BODY = 4.5
AA_LARGE = 3.0
MARGIN = 1.06  # aim a little above the threshold: 8-bit rounding and filtering


def linear(srgb: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """sRGB components in 0–1 → linear light (the WCAG / sRGB transfer function)."""
    c = np.asarray(srgb, float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def srgb(linear_value: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Inverse of :func:`linear`."""
    c = np.clip(np.asarray(linear_value, float), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def luminance(rgb: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Relative luminance of sRGB colours in 0–1 (last axis RGB)."""
    lin = linear(np.asarray(rgb, float)[..., :3])
    return lin @ np.array([0.2126, 0.7152, 0.0722])


def ratio(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """WCAG contrast ratio of two sRGB colours (0–1), 1…21, whichever is lighter."""
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


@dataclass(frozen=True)
class Bound:
    """How a backdrop bounds the background: ``grey`` (0–1 sRGB) as a cap (``"min"`` blend,
    for light text) or a floor (``"max"`` blend, for dark text)."""

    mode: str
    grey: float


def backdrop_bound(text_rgb: Sequence[float], target: float = AA_BODY) -> Bound:
    """The grey that keeps ``target`` contrast with ``text_rgb`` whatever lies behind it."""
    lt = float(luminance(text_rgb))
    aim = target * MARGIN
    cap = (lt + 0.05) / aim - 0.05        # darker backgrounds than this are fine
    if cap > 0.0:                         # light text: cap the background from above
        return Bound("min", float(srgb(cap)))
    floor = aim * (lt + 0.05) - 0.05      # dark text: floor the background from below
    return Bound("max", float(srgb(min(floor, 1.0))))


def measure(image: npt.NDArray[np.uint8], box: tuple[int, int, int, int],
            text_rgb: Sequence[float], quantile: float = 0.0) -> float:
    """Contrast of ``text_rgb`` against the pixels of ``image`` inside ``box``.

    Args:
        image: ``(H, W, 3|4) uint8`` frame, top row first — rendered *without* the text
            itself, or with it, when the text's own pixels are masked out by the caller.
        box: ``(x0, y0, x1, y1)`` pixels, y down from the top.
        quantile: 0 gives the worst pixel; 0.01 ignores the worst 1 %.
    """
    x0, y0, x1, y1 = box
    patch = np.asarray(image)[y0:y1, x0:x1, :3].reshape(-1, 3) / 255.0
    ratios = ratio(patch, np.asarray(text_rgb, float)[None, :3])
    return float(np.quantile(ratios, quantile)) if ratios.size else float("inf")
