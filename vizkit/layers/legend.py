"""Legend data: what a colour scale means, for the on-screen legend (and info cards) to draw.

Every statistical layer answers ``layer.legend()`` with a :class:`ColorScale`: the value domain,
readable tick values, units, the colour map (name and its RGBA table), the colour used for
no-data cells and the scale kind. The HUD legend layer draws from this; nothing here is GL.

Cells that are not a colour of the scale each have a calm colour of their own, distinct from
each other and from the colour map's ends: **zero** (nobody there — the ground),
**no data** and **hidden** by disclosure control (fine lines in :data:`HIDDEN_COLOR` over a
fill of :data:`HIDDEN_FILL` times it; the lines fade into the fill at a distance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vizkit.colormap import Colormap

SCALE_KINDS = ("linear", "sqrt", "log", "diverging")
EXTENDS = ("neither", "min", "max", "both")
GROUND_COLOR = (0.12, 0.13, 0.14, 1.0)     # cells whose value is zero: the ground
NO_DATA_GREY = (0.36, 0.31, 0.25, 1.0)     # cells (regions) without data: warm, dark
# Cells hidden by disclosure control: fine lines in this colour over HIDDEN_FILL times it.
HIDDEN_COLOR = (0.36, 0.40, 0.47, 1.0)
HIDDEN_FILL = 0.55                         # shaders/lib/protected.glsl HIDDEN_FILL


@dataclass(frozen=True)
class ColorScale:
    """A colour scale as a legend shows it.

    Attributes:
        domain: ``(low, high)`` values at the two ends of the colour bar (data units).
        ticks: values worth labelling, inside the domain, ascending.
        units: unit text for the labels (``"persons"``, ``"persons per km²"``); may be empty.
        colormap: colour map name (``"viridis"``, ``"vik"``, ``"custom"`` for user lists).
        no_data_color: RGBA in 0–1 of no-data cells, or ``None`` when they are holes.
        kind: ``"linear"``, ``"sqrt"``, ``"log"`` (log1p, so 0 stays 0) or ``"diverging"``
            (linear, centred on 0: a change between two time steps).
        label: what is shown (``"Population 2023"``, ``"Change 2013→2023"``).
        colors: ``(256, 4) uint8`` RGBA table from low to high, as uploaded to the GPU.
        note: disclosure control in plain language (``"Values below 5 are not shown."``);
            empty when nothing was protected.
        hidden_color: RGBA of the hatching that marks cells hidden by disclosure control (its
            lines; the fill between them is :data:`HIDDEN_FILL` times it), or ``None`` when no
            cell is hidden.
        zero_color: RGBA of cells whose value is zero (drawn as ground, not as the colour
            map's low end), or ``None`` when the layer does not draw zeros that way.
        scale_note: how the scale and the colour domain were chosen, in one line
            (``"log scale (chosen: the values span 2.6 orders of magnitude …); colours to the
            99.5th percentile (2,868)"``); empty when not stated.
        extends: ``"max"`` when shown values lie above the domain (drawn in the top colour),
            ``"min"`` below it, ``"both"``, or ``"neither"``.
    """

    domain: tuple[float, float]
    ticks: tuple[float, ...]
    units: str
    colormap: str
    no_data_color: tuple[float, float, float, float] | None
    kind: str = "linear"
    label: str = ""
    colors: npt.NDArray[np.uint8] = field(default_factory=lambda: Colormap().lut(),
                                          repr=False, compare=False)
    note: str = ""
    hidden_color: tuple[float, float, float, float] | None = None
    zero_color: tuple[float, float, float, float] | None = None
    scale_note: str = ""
    extends: str = "neither"

    def __post_init__(self) -> None:
        if self.kind not in SCALE_KINDS:
            raise ValueError(f"ColorScale: kind must be one of {SCALE_KINDS}, got {self.kind!r}")
        if self.extends not in EXTENDS:
            raise ValueError(f"ColorScale: extends must be one of {EXTENDS}, got "
                             f"{self.extends!r}")

    def position(self, value: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Where values sit along the colour bar, 0 (low end) … 1 (high end), clipped.

        Follows the scale kind, so a sqrt legend places its ticks where the colours are.
        """
        lo, hi = (scaled(np.asarray(self.domain, float), self.kind))
        v = scaled(np.asarray(value, float), self.kind)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.clip((v - lo) / max(hi - lo, 1e-30), 0.0, 1.0)

    def color(self, value: npt.ArrayLike) -> npt.NDArray[np.uint8]:
        """RGBA8 of values, as the layer draws them (no-data → :attr:`no_data_color`)."""
        values = np.asarray(value, float)
        pos = self.position(np.nan_to_num(values))
        index = np.clip(np.round(pos * (len(self.colors) - 1)), 0, len(self.colors) - 1)
        out = self.colors[index.astype(int)]
        nodata = np.round(np.asarray(self.no_data_color or (0, 0, 0, 0)) * 255).astype(np.uint8)
        return np.where(np.isnan(values)[..., None], nodata, out)


def scaled(values: npt.NDArray[np.float64], kind: str) -> npt.NDArray[np.float64]:
    """The scale transform shared with ``shaders/lib/scale.glsl`` (diverging is linear)."""
    with np.errstate(invalid="ignore"):
        if kind == "sqrt":
            return np.sqrt(np.maximum(values, 0.0))
        if kind == "log":
            return np.log1p(np.maximum(values, 0.0))
    return values


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[float, ...]:
    """About ``count`` round values (1, 2, 2.5, 5 × 10ⁿ steps) inside ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return (float(lo),) if math.isfinite(lo) else ()
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-9, step)
    return tuple(float(round(t, 12)) for t in ticks if lo - 1e-9 * step <= t <= hi + 1e-9 * step)


def log_ticks(lo: float, hi: float) -> tuple[float, ...]:
    """Ticks for a log1p scale: 0 (when in range) and the powers of ten inside the domain."""
    out = [0.0] if lo <= 0.0 <= hi else []
    if hi >= 1:
        for p in range(0, math.floor(math.log10(hi)) + 1):
            if lo <= 10.0**p <= hi:
                out.append(10.0**p)
    return tuple(out) if len(out) >= 2 else nice_ticks(lo, hi)


def ticks_for(domain: tuple[float, float], kind: str, count: int = 5) -> tuple[float, ...]:
    """Tick values suited to a scale kind (symmetric about 0 for diverging scales)."""
    lo, hi = domain
    if kind == "log":
        return log_ticks(lo, hi)
    if kind == "diverging":
        half = nice_ticks(0.0, max(abs(lo), abs(hi)), max(count // 2 + 1, 2))
        return tuple(sorted({-t + 0.0 for t in half if -t >= lo} | {t for t in half if t <= hi}))
    return nice_ticks(lo, hi, count)


def color_scale(domain: tuple[float, float], kind: str, colormap: Colormap, *, units: str = "",
                label: str = "", no_data_color: tuple[float, float, float, float] | None = None,
                note: str = "", hidden_color: tuple[float, float, float, float] | None = None,
                zero_color: tuple[float, float, float, float] | None = None,
                scale_note: str = "", extends: str = "neither") -> ColorScale:
    """Build a :class:`ColorScale` with ticks chosen for ``kind``."""
    return ColorScale(domain=(float(domain[0]), float(domain[1])),
                      ticks=ticks_for(domain, kind), units=units, colormap=colormap.name,
                      no_data_color=no_data_color, kind=kind, label=label,
                      colors=colormap.lut(), note=note, hidden_color=hidden_color,
                      zero_color=zero_color, scale_note=scale_note, extends=extends)
