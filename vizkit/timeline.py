"""Keyframed values over time: camera tours, animated properties.

A :class:`Timeline` holds keyframes ``(time, {name: value})`` and answers ``timeline(t)`` with
the interpolated values: numbers and sequences of numbers are interpolated with the segment's
easing; before the first key and after the last the end values hold (or the timeline loops).
It is a pure function of ``t``, which keeps frames reproducible.

Example::

    tour = Timeline(easing="smooth")
    tour.key(0, azimuth=-60, elevation=35, distance=9000)
    tour.key(8, azimuth=30, elevation=25, distance=6000)
    tour.apply(self.orbit, frame.t)   # sets orbit.azimuth, orbit.elevation, orbit.distance
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

import numpy as np

from vizkit.easing import Easing, get_easing


@dataclass(frozen=True)
class Keyframe:
    time: float
    values: dict[str, Any]
    easing: Easing  # easing of the segment that *ends* at this key


class Timeline:
    """Keyframes for named values, sampled at any time ``t``.

    Args:
        easing: default easing between keys (``"linear"``, ``"smooth"``, ``"smoother"``,
            ``"sine"`` or a callable).
        loop: repeat after the last key (period = last key time).
    """

    def __init__(self, easing: str | Easing = "smooth", *, loop: bool = False):
        self.default_easing = get_easing(easing)
        self.loop = loop
        self._keys: list[Keyframe] = []

    def key(self, time: float, easing: str | Easing | None = None, **values: Any) -> Timeline:
        """Add a keyframe at ``time`` seconds; returns ``self`` so keys chain."""
        ease = self.default_easing if easing is None else get_easing(easing)
        frame = Keyframe(float(time), dict(values), ease)
        times = [k.time for k in self._keys]
        if frame.time in times:
            raise ValueError(f"a keyframe at t={time} already exists")
        self._keys.insert(bisect.bisect(times, frame.time), frame)
        return self

    @property
    def duration(self) -> float:
        return self._keys[-1].time if self._keys else 0.0

    def __call__(self, t: float) -> dict[str, Any]:
        """Values at time ``t``: each name interpolated between the keys that define it."""
        if not self._keys:
            return {}
        if self.loop and self.duration > 0:
            t = t % self.duration
        names = {n for k in self._keys for n in k.values}
        return {name: self._sample(name, t) for name in names}

    def _sample(self, name: str, t: float) -> Any:
        keys = [k for k in self._keys if name in k.values]
        times = [k.time for k in keys]
        i = bisect.bisect_right(times, t)
        if i == 0:
            return keys[0].values[name]
        if i == len(keys):
            return keys[-1].values[name]
        a, b = keys[i - 1], keys[i]
        x = b.easing((t - a.time) / (b.time - a.time))
        va, vb = a.values[name], b.values[name]
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            return va + (vb - va) * x
        if isinstance(va, (tuple, list, np.ndarray)):
            return tuple(np.asarray(va, float) + (np.asarray(vb, float) - np.asarray(va, float))
                         * x)
        return va if x < 0.5 else vb  # non-numeric values switch at the midpoint

    def apply(self, target: object, t: float) -> None:
        """Set each value at ``t`` as an attribute of ``target``."""
        for name, value in self(t).items():
            setattr(target, name, value)


def tween(a: float, b: float, t: float, t0: float, t1: float,
          easing: str | Easing = "smooth") -> float:
    """One eased value: ``a`` before ``t0``, ``b`` after ``t1``, eased in between."""
    if t1 <= t0:
        return b if t >= t1 else a
    x = min(1.0, max(0.0, (t - t0) / (t1 - t0)))
    return a + (b - a) * get_easing(easing)(x)
