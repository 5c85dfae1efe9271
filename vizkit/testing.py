"""Image assertions for render tests: a tolerance *and* a place to look when they fail.

``assert_matches_reference(image, "name")`` compares with ``tests/reference/name.png``: it fails
when more than ``max_fraction`` of pixels differ by more than ``tolerance`` (out of 255) in any
channel — deck.gl's 99 % rule with vispy's pixel threshold. On failure it writes the actual and
expected images and a magnified difference to ``tests/_diffs/``. References are (re)written only
when asked: ``pytest --update-references``.

Tests should pair this with a semantic check (where the peak lands, which colour a cell has),
because a reference made from a wrong picture is still wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vizkit.image import Image

DEFAULT_TOLERANCE = 2
DEFAULT_MAX_FRACTION = 0.005


@dataclass(frozen=True)
class ImageDiff:
    """How two images differ: share of pixels over tolerance and the largest difference."""

    fraction_over: float
    max_difference: int
    mask: npt.NDArray[np.bool_]
    magnitude: npt.NDArray[np.uint8]


def diff_images(actual: Image | np.ndarray, expected: Image | np.ndarray,
                tolerance: int = DEFAULT_TOLERANCE) -> ImageDiff:
    a = np.asarray(actual)[..., :3].astype(np.int16)
    b = np.asarray(expected)[..., :3].astype(np.int16)
    if a.shape != b.shape:
        raise AssertionError(f"image sizes differ: actual {a.shape[1]}x{a.shape[0]}, "
                             f"expected {b.shape[1]}x{b.shape[0]}")
    delta = np.abs(a - b).max(axis=2)
    mask = delta > tolerance
    magnified = (((delta / 255.0) ** 0.25) * 255).astype(np.uint8)
    return ImageDiff(float(mask.mean()), int(delta.max(initial=0)), mask, magnified)


def assert_matches_reference(image: Image, name: str, *, reference_dir: str | Path,
                             diff_dir: str | Path, update: bool = False,
                             tolerance: int = DEFAULT_TOLERANCE,
                             max_fraction: float = DEFAULT_MAX_FRACTION) -> None:
    """Compare ``image`` with ``reference_dir/name.png`` (write it instead when ``update``)."""
    reference = Path(reference_dir) / f"{name}.png"
    if update:
        image.save(reference)
        return
    if not reference.exists():
        raise AssertionError(f"no reference image {reference}; create it with "
                             f"'pytest --update-references' and look at it before committing")
    expected = Image.load(reference)
    diff = diff_images(image, expected, tolerance)
    if diff.fraction_over > max_fraction:
        out = Path(diff_dir)
        out.mkdir(parents=True, exist_ok=True)
        image.save(out / f"{name}.actual.png")
        expected.save(out / f"{name}.expected.png")
        heat = np.zeros((*diff.magnitude.shape, 4), np.uint8)
        heat[..., 0] = diff.magnitude
        heat[..., 1] = np.where(diff.mask, 255, 0)
        heat[..., 3] = 255
        Image(heat).save(out / f"{name}.diff.png")
        raise AssertionError(
            f"{name}: {diff.fraction_over:.2%} of pixels differ by more than {tolerance}/255 "
            f"(allowed {max_fraction:.2%}; largest difference {diff.max_difference}); "
            f"see {out}/{name}.{{actual,expected,diff}}.png")


TONE_KNEE = 0.8  # docs/look.md: the tone map leaves display values up to this untouched


def shoulder(light: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The tone map on the largest channel's light: unchanged up to ``k``, the light of
    display ``TONE_KNEE``; above it ``k + (1 - k) · u / (1 + u)``, ``u = (m - k) / (1 - k)``."""
    m = np.asarray(light, np.float64)
    k = float(linear_light(TONE_KNEE))
    u = np.maximum(m - k, 0.0) / (1.0 - k)
    return np.where(m > k, k + (1.0 - k) * u / (1.0 + u), m)


def shown(rgb: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """How a layer's colour (display values 0–255, drawn in full light) comes out of the final
    pass: unchanged when its largest channel shows at most ``TONE_KNEE``, else the colour's
    light scaled so its largest channel follows :func:`shoulder` (its ratios kept). Written
    out here, from the documented curve, for tests to compare pixels with (0–255)."""
    light = linear_light(np.asarray(rgb, np.float64) / 255.0)
    m = light.max(axis=-1, keepdims=True)
    scale = np.where(m > 0, shoulder(m) / np.where(m > 0, m, 1.0), 1.0)
    return display_value(light * scale) * 255.0


def linear_light(display: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Display values 0–1 → linear light, the sRGB curve (IEC 61966-2-1) written out."""
    v = np.asarray(display, np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def display_value(light: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Linear light → display values 0–1 (the inverse of :func:`linear_light`)."""
    x = np.maximum(np.asarray(light, np.float64), 0.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def light_of(pixels: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The linear light a layer wrote, from grey pixels 0–255 of a final picture: the tone
    map's shoulder undone (on a grey every channel is the largest), then the sRGB curve. What
    additive light and anti-aliasing coverage are measured in (light adds up, bytes do not)."""
    light = linear_light(np.asarray(pixels, np.float64) / 255.0)
    k = float(linear_light(TONE_KNEE))
    w = np.clip((light - k) / (1.0 - k), 0.0, 0.999)
    return np.where(light > k, k + (1.0 - k) * w / (1.0 - w), light)


def lit_fraction(image: Image | np.ndarray, background: tuple[float, float, float],
                 tolerance: int = 3) -> float:
    """Share of pixels that differ from the clear colour: 0 means a blank frame."""
    rgb = np.asarray(image)[..., :3].astype(np.int16)
    bg = np.round(np.asarray(background) * 255).astype(np.int16)
    return float((np.abs(rgb - bg).max(axis=2) > tolerance).mean())


class TopDown:
    """A scene looking straight down on one terrain, unlit (ambient 1), so every pixel over a
    cell shows exactly its colour-map colour — for tests that check colours of known cells.

    Cells are 10 m; north is up on screen; the grid fills most of a 16:9 view. Built lazily so
    importing this module needs no GL (``TopDown.scene(values, **terrain_options)``).
    """

    @staticmethod
    def scene(values, **terrain_kw):
        import vizkit

        class _TopDown(vizkit.Scene):
            def setup(self, assets):
                h, w = np.asarray(values).shape[-2:]
                self.terrain = self.add(vizkit.Terrain(
                    values, extent=(0, 0, w * 10, h * 10), ambient=1.0, max_height=1.0,
                    **terrain_kw))
                self.orbit = None
                self.camera.target = (w * 5, h * 5, 0)
                self.camera.position = (w * 5, h * 5, h * 10 * 1.3)
                self.camera.near, self.camera.far = 1.0, h * 100

        return _TopDown()
