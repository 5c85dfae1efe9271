"""Defaults that follow the data: the scale, the colour domain and the height of the peak.

A first render of unseen data should be a picture worth hanging, so terrains and regions choose
what a careful designer would, from the values actually shown (after disclosure control), and
say what they chose (:attr:`ScaleChoice.note`, repeated in the legend):

**Scale** — from the shown values above zero, ``decades = log10(p99 / p1)`` (how many orders of
magnitude the 1st to 99th percentiles span) and their skewness:

* ``log`` (log1p) when ``decades ≥ 2.5`` — populations per km², from hamlets to city blocks;
* ``sqrt`` when ``decades ≥ 1`` or the skewness is above 1 — a long tail, but one order or two;
* ``linear`` otherwise — values of one magnitude, roughly symmetric.

Values below zero (a modelled signed surface) always get ``linear``.

**Colour domain** — from 0 (or the lowest value, when some are negative) to the 99.5th percentile
of the shown values, so a handful of extreme cells cannot wash the rest of the map into the
bottom colours; cells above it take the top colour and the legend says so (``extends="max"``).
With fewer than 200 values the domain runs to the maximum. Above :data:`SAMPLE` values the
percentiles and the skewness come from that many values evenly spaced through the array (a
30-step 1000 × 1000 series would otherwise be sorted whole); the peak is always the true maximum.

**Heights** run to the largest shown value (the peak stays the peak) on the same scale — except
that a chosen ``log`` scale lifts heights by ``sqrt``: a log scale gives every inhabited cell
much the same height (a lawn of needles), while colours can carry the fine gradations; the
square root keeps the hierarchy of towns legible. The peak rises :data:`PEAK_SHARE` of the
footprint's diagonal — proportionate to the extent, whatever the units of the values.

Every choice is overridden by passing the argument (``scale=``, ``domain=``, ``max_height=``).
GL-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

LOG_FROM_DECADES = 2.5      # p99/p1 spans at least this many orders of magnitude: log
SQRT_FROM_DECADES = 1.0     # …at least one: sqrt
SQRT_FROM_SKEW = 1.0        # or skewness above this: sqrt
DOMAIN_PERCENTILE = 99.5    # top of the colour domain
ROBUST_FROM = 200           # fewer values than this: the domain runs to the maximum
PEAK_SHARE = 0.04           # the peak's height as a share of the footprint's diagonal
SAMPLE = 1 << 20            # values the percentiles are taken from, at most


@dataclass(frozen=True)
class ScaleChoice:
    """What :func:`choose` picked, and why.

    Attributes:
        kind: ``"linear"``, ``"sqrt"`` or ``"log"`` — the colour scale.
        height_kind: the height scale: ``kind``, except ``"sqrt"`` for a chosen ``"log"``.
        domain: ``(low, high)`` values at the ends of the colour map.
        peak: the value at which heights reach the layer's maximum: the largest shown value,
            or the top of a given domain (heights above it are clipped, as before).
        extends: ``"max"`` when shown values lie above the colour domain, else ``"neither"``.
        note: one line saying what was chosen and why (for the legend).
    """

    kind: str
    height_kind: str
    domain: tuple[float, float]
    peak: float
    extends: str
    note: str


def finite_values(values: npt.NDArray, limit: int = SAMPLE) -> npt.NDArray[np.float64]:
    """The finite values of any array, flat, as float64 — at most ``limit`` of them, evenly
    spaced through the array (deterministic)."""
    flat = np.asarray(values).reshape(-1)
    if flat.size > limit:
        flat = flat[np.linspace(0, flat.size - 1, limit).astype(np.int64)]
    return flat[np.isfinite(flat)].astype(np.float64)


def choose(values: npt.NDArray, *, scale: str | None, domain: tuple[float, float] | None
           ) -> ScaleChoice:
    """The scale and colour domain for the shown ``values`` (any shape; NaN = not shown).

    ``scale``/``domain`` given by the caller are kept as they are (and the note says so).
    """
    finite = finite_values(values)
    positive = finite[finite > 0]
    signed = bool((finite < 0).any())
    if scale is not None:
        kind, why = scale, "as given"
    elif signed or positive.size == 0:
        kind, why = "linear", "values below zero" if signed else "no values above zero"
    else:
        p1, p99 = np.percentile(positive, [1, 99])
        decades = math.log10(p99 / p1) if p1 > 0 else 0.0
        skew = _skewness(positive)
        if decades >= LOG_FROM_DECADES:
            kind = "log"
        elif decades >= SQRT_FROM_DECADES or skew > SQRT_FROM_SKEW:
            kind = "sqrt"
        else:
            kind = "linear"
        why = (f"chosen: the values span {decades:.1f} orders of magnitude (1st–99th "
               f"percentile), skewness {skew:.1f}")
    peak = _finite_max(values) if finite.size else 1.0
    low = min(0.0, float(finite.min())) if finite.size else 0.0
    if domain is not None:
        lo, hi = float(domain[0]), float(domain[1])
        span = "colours as given"
    elif finite.size >= ROBUST_FROM:  # the top from the values above zero (zeros are ground)
        lo = low
        hi = float(np.percentile(positive if positive.size >= ROBUST_FROM else finite,
                                 DOMAIN_PERCENTILE))
        span = f"colours to the {DOMAIN_PERCENTILE:g}th percentile ({_number(hi)})"
    else:
        lo, hi = low, peak
        span = "colours to the largest value"
    if not hi > lo:
        hi = lo + 1.0
    extends = "max" if finite.size and peak > hi else "neither"
    top = hi if domain is not None else max(peak, hi)  # a given domain also bounds heights
    height_kind = "sqrt" if scale is None and kind == "log" else kind
    heights = f"; heights {height_kind}" if height_kind != kind else ""
    return ScaleChoice(kind, height_kind, (lo, hi), top, extends,
                       f"{kind} scale ({why}); {span}{heights}")


def _finite_max(values: npt.NDArray) -> float:
    """The largest finite value of the whole array (chunked: no full-size temporaries)."""
    flat = np.asarray(values).reshape(-1)
    best = -np.inf
    for start in range(0, flat.size, SAMPLE):
        part = flat[start:start + SAMPLE]
        part = part[np.isfinite(part)]
        if part.size:
            best = max(best, float(part.max()))
    return best


def peak_height(diagonal_m: float) -> float:
    """Default height of the peak, metres: :data:`PEAK_SHARE` of the footprint's diagonal."""
    return PEAK_SHARE * diagonal_m


def _skewness(values: npt.NDArray[np.float64]) -> float:
    if values.size < 3:
        return 0.0
    centred = values - values.mean()
    sd = math.sqrt(float(np.mean(centred * centred)))
    return float(np.mean(centred**3)) / sd**3 if sd > 0 else 0.0


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


__all__ = ["DOMAIN_PERCENTILE", "LOG_FROM_DECADES", "PEAK_SHARE", "SQRT_FROM_DECADES",
           "ScaleChoice", "choose", "finite_values", "peak_height"]
