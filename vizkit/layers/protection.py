"""Disclosure control inside statistics layers — the contract every count-drawing layer follows.

1. **The scene's policy is every layer's default.** A layer takes ``policy=None`` (the scene's
   policy) or a :class:`~vizkit.privacy.Policy`. ``Scene.add(layer)`` calls
   ``layer.bind_policy(scene.policy)``; a layer never added to a scene uses
   :data:`~vizkit.privacy.DEFAULT_POLICY`. A layer's own policy can only make the scene's
   stricter (:meth:`Policy.tightened`); only ``Policy.off(reason)`` weakens it (logged, and
   the statement says so).
2. **Protection runs when the policy is final**: at ``bind_policy`` — or, never bound, on
   first need (upload, ``legend()``, picking, value read-outs) with the default policy.
   Validation runs in ``__init__``, so bad input fails at construction. Binding to a different
   policy protects again from the raw values (which the layer keeps, privately, for that
   reason) and drops the GPU resources; nothing drawn, picked or read out comes from them.
3. **A layer knows what it draws.** Values are counts: a negative or non-whole value is an
   error naming the layer, the column or array index, the row and the value. A *measure* (a
   rate, a mean, a share) is declared with ``base=``, the counts it rests on: cells whose base
   is below ``k`` (or hidden by the policy) are hidden, and the measure itself is shown
   unperturbed. ``Policy.off(reason)`` is the only other way to draw non-counts.
4. **The statement says exactly what was applied** (:meth:`Policy.describe`): the threshold
   on counts or on a measure's base, noise and rounding only when applied, secondary
   suppression only when applied.
5. **Cell keys follow identity, not position**: noise and random rounding key on
   :func:`~vizkit.privacy.cellkey.cell_keys_from_labels` over what identifies a cell (a grid
   square's south-west corner and size, a region code; and the time label), so reordering,
   subsetting or drawing a table twice perturbs every shared cell the same way.
6. **Nothing one frame shows lets a hidden value be worked out.** Terrains and regions show
   no sums of their cells (legends show the range of shown values, picks one cell). With
   ``secondary=True`` they also hide more cells so that the layer's total — published
   elsewhere, say — does not give a hidden cell away.

:class:`StepProtection` is the engine (GL-free); :class:`DisclosureControlled` gives a layer the
``values``, ``hidden``, ``privacy_statement`` and ``bind_policy`` that follow from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.privacy import DEFAULT_POLICY, Policy, protect_grid, secondary_suppression
from vizkit.privacy.cellkey import cell_keys_from_labels
from vizkit.privacy.policy import Applied
from vizkit.privacy.threshold import primary_suppression

log = logging.getLogger("vizkit.privacy")

COARSEN_FACTOR = 5  # grid="coarsen": squares a side of the block a small square merges into
REMOVED: Any = object()  # default of the removed ``counts=`` keyword (passing it is an error)
Kind = Literal["grid", "cells"]


def reject_counts_keyword(counts: object, owner: str) -> None:
    """The ``counts=`` keyword is gone: say what replaced it."""
    if counts is not REMOVED:
        raise TypeError(f"{owner}: counts= was removed: values are counts by default; declare "
                        "a rate, mean or share with base= (the counts it rests on), or data not "
                        "about people with policy=Policy.off('why')")


def explicit_policy(policy: object, owner: str) -> Policy | None:
    """A layer's own ``policy=``: None (the scene's policy) or a :class:`Policy`."""
    if policy is not None and not isinstance(policy, Policy):
        raise TypeError(f"{owner}: policy must be a vizkit.privacy.Policy or None (the scene's "
                        f"policy), got {type(policy).__name__}")
    return policy


def effective_policy(scene_policy: Policy, own: Policy | None) -> Policy:
    """The policy a layer applies: the scene's, tightened by its own; its own if that is off."""
    if own is not None and not own.enabled:
        return own
    return scene_policy.tightened(own)


def check_policy(policy: object, owner: str) -> Policy:
    """A required policy (layers that have not moved to ``policy=None`` = the scene's)."""
    if policy is None:
        raise TypeError(f"{owner}: policy=None is not an opt-out; to show raw counts pass "
                        f"policy=vizkit.privacy.Policy.off('the reason')")
    if not isinstance(policy, Policy):
        raise TypeError(f"{owner}: policy must be a vizkit.privacy.Policy, got "
                        f"{type(policy).__name__}")
    return policy


def first_non_count(values: npt.ArrayLike) -> int | None:
    """Flat index of the first negative or non-whole value (NaN is no data, not an error).

    Chunked, so a 30M-value series needs no full-size temporaries.
    """
    flat = np.asarray(values).ravel()
    chunk = 1 << 22
    for start in range(0, flat.size, chunk):  # a handful of chunks, each vectorised
        part = flat[start:start + chunk]
        with np.errstate(invalid="ignore"):
            bad = (part < 0) | (np.isfinite(part) & (part != np.floor(part)))
        if bad.any():
            return start + int(np.argmax(bad))
    return None


def looks_like_counts(values: np.ndarray) -> bool:
    """True when every finite value is a non-negative whole number (and there is one)."""
    flat = np.asarray(values).ravel()
    return (flat.size > 0 and first_non_count(flat) is None
            and bool(np.isfinite(flat).any()))


def require_counts(values: npt.ArrayLike, owner: str, where: Callable[[int], str],
                   *, what: str = "values") -> None:
    """Raise unless every value is a count (whole, ≥ 0, or NaN for no data).

    Args:
        values: any shape; checked flat.
        owner: the layer's name, first in the message.
        where: flat index → where that value came from (``"column 'persons', row 17"``).
        what: ``"values"`` or ``"base counts"`` — what the numbers are meant to be.
    """
    index = first_non_count(values)
    if index is None:
        return
    flat = np.asarray(values).ravel()
    value = flat[index]
    with np.errstate(invalid="ignore"):
        total = int(((flat < 0) | (np.isfinite(flat) & (flat != np.floor(flat)))).sum())
    kind = "negative" if value < 0 else "not a whole number"
    more = f" (and {total - 1} more)" if total > 1 else ""
    advice = ("base counts must be whole numbers ≥ 0" if what != "values" else
              "counts are whole numbers ≥ 0; for a rate, mean or share pass base= (the counts "
              "it rests on), for data not about people policy=Policy.off('why')")
    raise ValueError(f"{owner}: {where(index)} = {value!s} is {kind}{more}: {advice}")


def label_text(value: object) -> str:
    """A row label or code as Python writes it (``11``, ``'b'``), not ``np.int64(11)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


@dataclass(frozen=True)
class ProtectedValues:
    """What a layer may show under one policy.

    Attributes:
        values: ``(T, …) float32``, read-only; NaN where hidden or no data.
        hidden: ``(T, …) bool``, read-only; True where disclosure control hid the cell.
        statement: plain language for exactly what was applied.
        policy: the policy applied.
    """

    values: npt.NDArray[np.float32]
    hidden: npt.NDArray[np.bool_]
    statement: str
    policy: Policy


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class StepProtection:
    """The raw ``(T, …)`` values of one layer and their protection under its final policy.

    Args:
        raw: ``(T, …)`` float32 values (counts, or a measure when ``base`` is given); kept.
        owner: the layer's name, for messages.
        policy: the layer's own policy (None: the scene's).
        base: ``(T, …)`` base counts of a measure, or None when ``raw`` holds counts.
        kind: ``"grid"`` (grid squares: ``grid="coarsen"`` applies) or ``"cells"``.
        identity: step → DataFrame whose rows identify that step's cells (flat order); cell
            keys for noise and random rounding hash it (called only when they are needed).
        total_of: words for the sum secondary suppression protects ("all regions").
    """

    def __init__(self, raw: npt.NDArray[np.float32], *, owner: str, policy: Policy | None,
                 base: npt.NDArray[np.float64] | None, kind: Kind,
                 identity: Callable[[int], pd.DataFrame], total_of: str):
        self.raw, self.base, self.owner, self.own = raw, base, owner, policy
        self.kind, self.identity, self.total_of = kind, identity, total_of
        self.target = effective_policy(DEFAULT_POLICY, policy)
        self._result: ProtectedValues | None = None

    def bind(self, scene_policy: Policy) -> bool:
        """Protect under ``scene_policy`` tightened by the layer's own; True if that changed
        what the layer shows."""
        self.target = effective_policy(scene_policy, self.own)
        current = self._result
        if current is not None and _same(current.policy, self.target):
            return False
        self._result = self._protect(self.target)
        return current is not None

    def result(self) -> ProtectedValues:
        """The protected values (protected now under the default policy if never bound)."""
        if self._result is None:
            self._result = self._protect(self.target)
        return self._result

    def reset(self) -> None:
        """The raw values changed: protect again when next needed."""
        self._result = None

    # -- the rules ---------------------------------------------------------------------------
    def _protect(self, policy: Policy) -> ProtectedValues:
        policy.log_if_off()
        if not policy.enabled:
            hidden = np.broadcast_to(np.False_, self.raw.shape)
            return ProtectedValues(_read_only(self.raw), hidden, policy.statement, policy)
        if policy.secondary and policy.grid == "coarsen" and self.kind == "grid":
            raise ValueError(f"{self.owner}: secondary suppression with grid='coarsen' is not "
                             "supported; use grid='drop' with secondary=True, or coarsen "
                             "without it")
        if self.base is not None:
            return self._protect_measure(policy)
        return self._protect_counts(policy)

    def _secondary(self, counts: np.ndarray, hidden: np.ndarray, policy: Policy) -> np.ndarray:
        """Cells to hide as well, so the total of the step does not give a hidden one away."""
        table = np.nan_to_num(counts.ravel().astype(np.float64))
        mask = secondary_suppression(table, k=policy.k, primary=hidden.ravel())[:-1]
        return mask.reshape(counts.shape)

    def _keys(self, step: int, shape: tuple[int, ...], policy: Policy) -> np.ndarray | None:
        if not policy.needs_cell_keys:
            return None
        return cell_keys_from_labels(self.identity(step), policy.seed).reshape(shape)

    def _protect_counts(self, policy: Policy) -> ProtectedValues:
        shown = np.empty(self.raw.shape, np.float32)
        hidden = np.zeros(self.raw.shape, bool)
        coarsen = self.kind == "grid" and policy.grid == "coarsen"
        for step in range(self.raw.shape[0]):  # a handful of time steps, each vectorised
            counts = self.raw[step].astype(np.float64)
            keys = self._keys(step, counts.shape, policy)
            if coarsen:
                shown[step], hidden[step] = protect_grid(counts, policy=policy,
                                                         factor=COARSEN_FACTOR, cell_keys=keys)
                continue
            extra = (self._secondary(counts, primary_suppression(counts, policy.k), policy)
                     if policy.secondary else None)
            result = policy.apply(counts.ravel(), cell_keys=None if keys is None else keys.ravel(),
                                  hidden=None if extra is None else extra.ravel())
            shown[step] = result.values.reshape(counts.shape)
            hidden[step] = result.suppressed.reshape(counts.shape)
        applied = Applied(noise=policy.noise is not None,
                          rounding=bool(policy.rounding and policy.rounding > 1),
                          secondary=self._total_words() if policy.secondary else "",
                          coarsened=COARSEN_FACTOR if coarsen else 0)
        return ProtectedValues(_read_only(shown), _read_only(hidden), policy.describe(applied),
                               policy)

    def _protect_measure(self, policy: Policy) -> ProtectedValues:
        assert self.base is not None
        if self.kind == "grid" and policy.grid == "coarsen":
            raise ValueError(f"{self.owner}: grid='coarsen' cannot merge a measure (base=) into "
                             "blocks: a block's rate or mean is not made from its squares' "
                             "values; use grid='drop' for this layer")
        with np.errstate(invalid="ignore"):
            hidden = primary_suppression(self.base, policy.k)
            hidden |= np.isnan(self.base) & np.isfinite(self.raw)  # a value with unknown base
        if policy.secondary:
            for step in range(self.raw.shape[0]):
                hidden[step] = self._secondary(self.base[step], hidden[step], policy)
        shown = np.where(hidden, np.float32(np.nan), self.raw).astype(np.float32)
        applied = Applied(base=True, secondary=self._total_words() if policy.secondary else "")
        return ProtectedValues(_read_only(shown), _read_only(hidden), policy.describe(applied),
                               policy)

    def _total_words(self) -> str:
        steps = " at each time step" if self.raw.shape[0] > 1 else ""
        counts = " of their base counts" if self.base is not None else ""
        return f"the total{counts} over {self.total_of}{steps}"


def _same(a: Policy, b: Policy) -> bool:
    return a == b and a.reason == b.reason


class DisclosureControlled:
    """Mixin for layers whose values pass through a :class:`StepProtection` (``_protection``).

    Gives the layer :attr:`values`, :attr:`hidden`, :attr:`privacy_statement`, :attr:`policy`
    and :meth:`bind_policy`; re-binding to a different policy drops the GPU resources.
    """

    _protection: StepProtection

    @property
    def values(self) -> npt.NDArray[np.float32]:
        """``(T, …) float32`` values as drawn (read-only): NaN where hidden or no data."""
        return self._protection.result().values

    @property
    def hidden(self) -> npt.NDArray[np.bool_]:
        """``(T, …) bool``: True where disclosure control hid the cell (drawn marked)."""
        return self._protection.result().hidden

    @property
    def privacy_statement(self) -> str:
        """What disclosure control did to this layer, in plain language (for the credits)."""
        return self._protection.result().statement

    @property
    def policy(self) -> Policy:
        """The policy this layer applies (its scene's, tightened by its own ``policy=``)."""
        return self._protection.target

    def bind_policy(self, scene_policy: Policy) -> None:
        """Apply the scene's policy (tightened by the layer's own); called by ``Scene.add``.

        A different policy than before protects again and drops the GPU resources.
        """
        if self._protection.bind(scene_policy):
            self.invalidate()  # type: ignore[attr-defined]


__all__ = ["COARSEN_FACTOR", "DEFAULT_POLICY", "REMOVED", "DisclosureControlled",
           "ProtectedValues", "StepProtection", "check_policy", "effective_policy",
           "explicit_policy", "first_non_count", "label_text", "looks_like_counts",
           "reject_counts_keyword", "require_counts"]
