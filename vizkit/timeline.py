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

Mistakes are named at once, in one line: a value that changes shape between keys (``target``
with three numbers at one key and two at the next) when the key is added, and a name the
target does not have (``azimut``) when the timeline is first applied to it — with the closest
attribute it does have.
"""

from __future__ import annotations

import bisect
import difflib
import math
from collections.abc import Sequence
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
        self._checked: set[int] = set()  # ids of targets whose attribute names were checked

    def key(self, time: float, easing: str | Easing | None = None, **values: Any) -> Timeline:
        """Add a keyframe at ``time`` seconds; returns ``self`` so keys chain.

        Raises:
            ValueError: ``time`` is not a finite number or already has a key; a value's shape
                differs from the same name's value at an earlier key (a number against a
                sequence, or sequences of different lengths) — naming the key and the value.
        """
        try:
            at = float(time)
        except (TypeError, ValueError):
            raise ValueError(f"Timeline.key: time must be a number of seconds, got "
                             f"{time!r}") from None
        if not math.isfinite(at):
            raise ValueError(f"Timeline.key: time must be finite, got {time!r}")
        ease = self.default_easing if easing is None else get_easing(easing)
        frame = Keyframe(at, dict(values), ease)
        times = [k.time for k in self._keys]
        if frame.time in times:
            raise ValueError(f"a keyframe at t={time} already exists")
        for name, value in values.items():
            self._check_shape(frame.time, name, value)
        self._keys.insert(bisect.bisect(times, frame.time), frame)
        self._checked.clear()
        return self

    def _check_shape(self, time: float, name: str, value: Any) -> None:
        """Refuse a value whose shape differs from the same name's value at another key."""
        other = next((k for k in self._keys if name in k.values), None)
        if other is None:
            return
        mine, theirs = _shape(value), _shape(other.values[name])
        if mine != theirs:
            raise ValueError(f"Timeline.key(t={time:g}): {name!r} is {_describe(value)} but the "
                             f"key at t={other.time:g} has {_describe(other.values[name])}; "
                             f"every key must give {name!r} the same shape")

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
        """Set each value at ``t`` as an attribute of ``target``.

        Raises:
            AttributeError: ``target`` has no attribute of a keyed name (a misspelling would
                otherwise create a new attribute and animate nothing) — naming the key, the
                name and the closest attribute ``target`` has.
        """
        values = self(t)
        if id(target) not in self._checked:  # once per target (again after a new key)
            for name in values:
                if not hasattr(target, name):
                    raise AttributeError(self._unknown(target, name))
            self._checked.add(id(target))
        for name, value in values.items():
            setattr(target, name, value)

    def _unknown(self, target: object, name: str) -> str:
        key = next(k for k in self._keys if name in k.values)
        names = [a for a in dir(target) if not a.startswith("_")]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (f"Timeline (key at t={key.time:g}): {type(target).__name__} has no attribute "
                f"{name!r}{hint}")


def _shape(value: Any) -> tuple[str, int | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float, Sequence, np.ndarray)) \
            or isinstance(value, str):
        return ("other", None)
    if isinstance(value, (int, float)):
        return ("number", None)
    return ("sequence", len(value))


def _describe(value: Any) -> str:
    kind, length = _shape(value)
    if kind == "sequence":
        return f"{length} value{'s' if length != 1 else ''} {tuple(value)!r}"
    return f"a number ({value!r})" if kind == "number" else f"{value!r}"


def tween(a: float, b: float, t: float, t0: float, t1: float,
          easing: str | Easing = "smooth") -> float:
    """One eased value: ``a`` before ``t0``, ``b`` after ``t1``, eased in between."""
    if t1 <= t0:
        return b if t >= t1 else a
    x = min(1.0, max(0.0, (t - t0) / (t1 - t0)))
    return a + (b - a) * get_easing(easing)(x)
