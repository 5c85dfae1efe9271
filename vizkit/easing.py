"""Easing curves for tweens and morphs: functions from [0, 1] to [0, 1]."""

from __future__ import annotations

import math
from collections.abc import Callable

Easing = Callable[[float], float]


def linear(x: float) -> float:
    return x


def smooth(x: float) -> float:
    """Smoothstep: zero velocity at both ends (the default for camera moves)."""
    return x * x * (3.0 - 2.0 * x)


def smoother(x: float) -> float:
    """Perlin's smootherstep: zero velocity and acceleration at both ends."""
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


def ease_in_out_sine(x: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * x)


EASINGS: dict[str, Easing] = {
    "linear": linear,
    "smooth": smooth,
    "smoother": smoother,
    "sine": ease_in_out_sine,
}


def get_easing(easing: str | Easing) -> Easing:
    """Look an easing up by name, or pass a callable through."""
    if callable(easing):
        return easing
    try:
        return EASINGS[easing]
    except KeyError:
        raise ValueError(f"unknown easing {easing!r}; choose one of {sorted(EASINGS)}") from None
