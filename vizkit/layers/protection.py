"""Disclosure control where counts enter a layer (the layers' side of :mod:`vizkit.privacy`).

Layers that draw counts take ``policy=`` (default :data:`vizkit.privacy.DEFAULT_POLICY`:
values below 5 are not shown) and protect their values *before* anything is uploaded; picking
read-outs and legend ranges come from the protected values, because the raw ones are not kept.
Hidden cells become NaN and are drawn marked (flat grey), never silently left out, and the
layer's :attr:`privacy_statement` goes into the on-screen credits.

Which values are counts? ``counts=None`` (the default) treats non-negative whole numbers as
counts — population per square, persons per region — and leaves other values (rates, means,
densities, modelled surfaces) alone, saying so in the log; ``counts=True`` forces protection,
``counts=False`` declares the values are not counts. Showing raw counts is an explicit, logged
opt-out: ``policy=Policy.off("why these counts are not about people")``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vizkit.privacy import DEFAULT_POLICY, Policy, protect_grid, record_keys

log = logging.getLogger("vizkit.privacy")


@dataclass(frozen=True)
class ProtectedValues:
    """Values a layer may show, which of them were hidden, and the sentence that says so."""

    values: npt.NDArray[np.float32]
    hidden: npt.NDArray[np.bool_]
    statement: str
    applied: bool


def check_policy(policy: object, owner: str) -> Policy:
    if policy is None:
        raise TypeError(f"{owner}: policy=None is not an opt-out; to show raw counts pass "
                        f"policy=vizkit.privacy.Policy.off('the reason')")
    if not isinstance(policy, Policy):
        raise TypeError(f"{owner}: policy must be a vizkit.privacy.Policy, got "
                        f"{type(policy).__name__}")
    return policy


def looks_like_counts(values: np.ndarray) -> bool:
    """True when every finite value is a non-negative whole number.

    A strided sample answers first (most non-count data fails it at once); counts are then
    confirmed chunk by chunk, without a full-size temporary.
    """
    flat = np.asarray(values).ravel()
    if flat.size == 0:
        return False
    sample = flat[:: max(1, flat.size // 65_536)]
    if not _whole_and_non_negative(sample):
        return False
    chunk = 1 << 22
    seen_finite = False
    for start in range(0, flat.size, chunk):  # a handful of chunks, each vectorised
        part = flat[start:start + chunk]
        if not _whole_and_non_negative(part):
            return False
        seen_finite = seen_finite or bool(np.isfinite(part).any())
    return seen_finite


def _whole_and_non_negative(part: np.ndarray) -> bool:
    with np.errstate(invalid="ignore"):
        bad = (part < 0) | (np.isfinite(part) & (part != np.floor(part)))
    return not bool(bad.any())


def protect_steps(values: np.ndarray, policy: object, counts: bool | None, owner: str,
                  *, grid: bool) -> ProtectedValues:
    """Protect (T, …) values step by step; grids may coarsen, other tables are per cell."""
    policy = check_policy(policy, owner)
    is_counts = looks_like_counts(values) if counts is None else counts
    if not is_counts:
        log.info("%s: values are not counts (not all non-negative whole numbers); disclosure "
                 "control not applied — pass counts=True if they are counts", owner)
        return ProtectedValues(values.astype(np.float32), np.zeros(values.shape, bool), "",
                               False)
    shown = np.empty(values.shape, np.float64)
    hidden = np.zeros(values.shape, bool)
    for step in range(values.shape[0]):  # a handful of time steps, each vectorised
        if grid:
            shown[step], hidden[step] = protect_grid(values[step], policy=policy)
        else:
            keys = record_keys(np.arange(values[step].size, dtype=np.int64), policy.seed)
            result = policy.apply(values[step].astype(np.float64), cell_keys=keys)
            shown[step], hidden[step] = result.values, result.suppressed
    return ProtectedValues(shown.astype(np.float32), hidden, policy.statement, True)


__all__ = ["DEFAULT_POLICY", "ProtectedValues", "check_policy", "looks_like_counts",
           "protect_steps"]
