"""Disclosure policies: what may be shown of a count table.

A :class:`Policy` is a small frozen value: a threshold ``k`` (default 5), optional rounding,
optional cell key noise, optional secondary suppression, and how flows and grids treat small
values. Apply it with one call where counts enter a layer, before anything is uploaded::

    shown = policy.protect(df, count="value", keys=["region", "year"])   # layers: one line
    caption = policy.statement                                            # legend / caption

The returned frame is new: the protected count replaces the raw one (NaN where hidden), a bool
``suppressed`` column marks hidden cells so they can be drawn distinctly, and a ``rule`` column
names the rule that changed each row (``threshold``, ``secondary``, ``cell_key``, ``rounding``,
joined by ``+``; empty when unchanged). ``df.attrs["privacy"]`` carries the plain-language
statement and the policy parameters — never raw values.

Order of the rules: threshold (and secondary suppression) on the raw counts; then cell key noise;
then rounding. Noise and rounding never push a shown non-zero value below ``k`` (the noise table
is truncated near ``k``; rounded values are raised to the first multiple of the base that is at
least ``k``).

Opting out is explicit and logged: ``Policy.off("synthetic test data")`` returns a policy that
shows raw values, and logs a warning (logger ``vizkit.privacy``) naming the reason whenever it is
created or applied.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.privacy.cellkey import NoiseTable, cell_keys_from_labels, rounding_keys
from vizkit.privacy.columns import check_counts, counts_of, resolve_keys
from vizkit.privacy.rounding import display_floor, round_to_base
from vizkit.privacy.tables import secondary_mask, with_totals
from vizkit.privacy.threshold import primary_suppression

log = logging.getLogger("vizkit.privacy")

FlowMode = Literal["remove", "merge"]
GridMode = Literal["drop", "coarsen"]


@dataclass(frozen=True)
class Protected:
    """Protected values of a flat array of cells (the engine behind every ``protect_*``).

    Attributes:
        values: (N,) float64 shown values; NaN where hidden.
        suppressed: (N,) bool, True where hidden.
        rule: (N,) object array of rule names (``""`` when unchanged).
    """

    values: npt.NDArray[np.float64]
    suppressed: npt.NDArray[np.bool_]
    rule: npt.NDArray[np.object_]


@dataclass(frozen=True)
class Applied:
    """Which rules of a policy a layer (or table) actually applied — what its statement says.

    Attributes:
        base: the threshold was applied to the base counts of a measure (a rate, a mean), not
            to the values shown; the values themselves are shown unperturbed.
        noise: cell key noise was applied to the shown values.
        rounding: rounding was applied to the shown values.
        secondary: secondary suppression was applied; the text names the sums it protects
            against ("the total over all regions"). Empty: not applied.
        coarsened: grid squares below ``k`` were merged into blocks of this many squares a
            side (``grid="coarsen"``); 0: not coarsened.
        pooled: small flows were pooled into a flow to this label per origin; empty: not.
        items: what the threshold sentence calls the shown things ("Values", "Flows").
    """

    base: bool = False
    noise: bool = False
    rounding: bool = False
    secondary: str = ""
    coarsened: int = 0
    pooled: str = ""
    items: str = "Values"


@dataclass(frozen=True)
class Policy:
    """A disclosure control policy for count tables.

    Attributes:
        k: threshold; counts ``1 .. k-1`` are hidden (default 5).
        rounding: round shown counts to a multiple of this base (3, 5, 10 …); None = no rounding.
        random_rounding: round up or down at random (unbiased, decided per cell by its key)
            instead of to the nearest multiple.
        noise: cell key noise table; None = no noise. ``NoiseTable()`` is ±2, variance 1.
        secondary: hide complementary cells so that hidden cells cannot be derived from row and
            column totals (1-D and 2-D tables; more keys are handled per slice of the leading
            keys).
        flows: ``"merge"`` small OD flows into an ``"other"`` flow per origin (default), or
            ``"remove"`` them.
        grid: ``"drop"`` small grid squares (default) or ``"coarsen"`` them into coarser squares.
        seed: mixes into record keys and random rounding; keep it fixed (and private) per exhibit.
        enabled: False only for :meth:`off`.
        reason: why protection is off (required by :meth:`off`).
    """

    k: int = 5
    rounding: int | None = None
    random_rounding: bool = False
    noise: NoiseTable | None = None
    secondary: bool = False
    flows: FlowMode = "merge"
    grid: GridMode = "drop"
    seed: int = 0
    enabled: bool = True
    reason: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"Policy.k must be >= 1, got {self.k}")
        if self.rounding is not None and self.rounding < 1:
            raise ValueError(f"Policy.rounding must be >= 1 or None, got {self.rounding}")
        if self.random_rounding and not self.rounding:
            raise ValueError("Policy.random_rounding needs a rounding base")
        if self.flows not in ("remove", "merge"):
            raise ValueError(f"Policy.flows must be 'remove' or 'merge', got {self.flows!r}")
        if self.grid not in ("drop", "coarsen"):
            raise ValueError(f"Policy.grid must be 'drop' or 'coarsen', got {self.grid!r}")
        if not self.enabled and not self.reason.strip():
            raise ValueError("switching protection off needs a reason: Policy.off('why')")

    # ---- construction ------------------------------------------------------------------------

    @classmethod
    def off(cls, reason: str) -> Policy:
        """An explicit, logged opt-out for non-personal data: raw values are shown.

        Args:
            reason: why the data needs no protection; logged now and whenever it is applied.
        """
        policy = cls(enabled=False, reason=reason)
        log.warning("disclosure protection switched off: %s", reason)
        return policy

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        """A policy from an exhibit's ``[privacy]`` table (``exhibit.toml``) or :meth:`params`.

        Keys are the field names (``k``, ``rounding``, ``random_rounding``, ``secondary``,
        ``flows``, ``grid``, ``seed``); ``noise`` is ``true`` (the default table) or a table
        ``{max_deviation, variance}``; ``off = "reason"`` (or ``enabled = false`` with
        ``reason``) is the logged opt-out. Missing keys take the defaults (threshold 5).

        Raises:
            ValueError: on an unknown key or a bad value, naming it.
        """
        cfg = dict(config)
        if "off" in cfg or cfg.get("enabled", True) is False:
            return cls.off(str(cfg.get("off", cfg.get("reason", ""))))
        cfg.pop("enabled", None)
        cfg.pop("reason", None)
        allowed = {f.name for f in dataclasses.fields(cls)} - {"enabled", "reason"}
        unknown = sorted(set(cfg) - allowed)
        if unknown:
            raise ValueError(f"unknown privacy setting(s) {unknown}; known: {sorted(allowed)}")
        noise = cfg.get("noise")
        if noise is True:
            cfg["noise"] = NoiseTable()
        elif isinstance(noise, Mapping):
            cfg["noise"] = NoiseTable(**noise)
        elif noise not in (None, False):
            raise ValueError(f"privacy setting noise must be true, false or a table, got {noise!r}")
        else:
            cfg["noise"] = None
        return cls(**cfg)

    def with_(self, **changes: Any) -> Policy:
        """A copy with some parameters changed: ``DEFAULT_POLICY.with_(rounding=5)``."""
        return dataclasses.replace(self, **changes)

    def log_if_off(self) -> None:
        """Log (warning, logger ``vizkit.privacy``) that raw values are shown, if they are."""
        if not self.enabled:
            log.warning("showing raw values without disclosure protection: %s", self.reason)

    # ---- description -------------------------------------------------------------------------

    @property
    def needs_cell_keys(self) -> bool:
        """True when the policy uses per-cell keys (noise or random rounding)."""
        return self.enabled and (self.noise is not None or self.random_rounding)

    @property
    def statement(self) -> str:
        """Plain language for everything this policy applies to a count table (threshold,
        secondary suppression, noise, rounding). A layer that applies only part of it says so
        with :meth:`describe`."""
        return self.describe(Applied(noise=self.noise is not None,
                                     rounding=bool(self.rounding and self.rounding > 1),
                                     secondary="the totals" if self.secondary else ""))

    def describe(self, applied: Applied) -> str:
        """Plain language for what was applied — no more — for the caption and the legend.

        Args:
            applied: which of this policy's rules a layer applied, and how (see
                :class:`Applied`). A rule the policy does not hold is never described.
        """
        if not self.enabled:
            return f"Raw values are shown without disclosure protection ({self.reason})."
        parts: list[str] = []
        if applied.pooled:
            parts.append(f"Flows below {self.k} are combined into '{applied.pooled}' per origin.")
        elif applied.coarsened:
            side = applied.coarsened
            parts.append(f"Squares below {self.k} are shown merged into their block of {side} × "
                         f"{side} squares; blocks below {self.k} are not shown.")
        elif self.k > 1:
            parts.append(f"{applied.items} based on counts below {self.k} are not shown."
                         if applied.base else f"{applied.items} below {self.k} are not shown.")
        if applied.secondary and self.secondary:
            parts.append(f"Some other values are also hidden, so hidden values cannot be worked "
                         f"out from {applied.secondary}.")
        noise = self.noise if applied.noise else None
        rounding = applied.rounding and bool(self.rounding and self.rounding > 1)
        if noise is not None:
            parts.append(f"Shown values have small random changes (at most ±"
                         f"{noise.max_deviation}) to protect individuals.")
        if rounding:
            how = "randomly rounded up or down" if self.random_rounding else "rounded"
            parts.append(f"{'They are' if noise is not None else 'Other values are'} {how} to a "
                         f"multiple of "
                         f"{self.rounding}, so parts need not add up to totals.")
        if applied.base and (self.noise is not None or (self.rounding or 1) > 1):
            parts.append("The values themselves are shown without noise or rounding.")
        return " ".join(parts) if parts else "All values are shown."

    def tightened(self, other: Policy | None) -> Policy:
        """The stricter of two policies, field by field (how a layer's own ``policy=`` combines
        with its scene's: it can only add protection).

        * ``k``, ``rounding`` base and the noise table's ``max_deviation`` and ``variance``:
          the larger; noise, rounding, random rounding and secondary suppression: on if
          either has them on.
        * ``grid`` and ``flows`` choose a method rather than a strength: the non-default one
          (``"coarsen"``, ``"remove"``) wins when either policy asks for it.
        * ``seed``: this policy's, unless it is 0 (the default) and the other's is not.
        * A switched-off policy adds nothing and takes nothing away: ``on.tightened(off)`` is
          ``on`` and ``off.tightened(on)`` is ``on``. (A layer whose own policy is
          :meth:`off` shows raw values — the only way to weaken a scene's policy; that is
          decided where the layer binds its policy, not here.)
        """
        if other is None or not other.enabled:
            return self
        if not self.enabled:
            return other
        noise = self.noise or other.noise
        if self.noise is not None and other.noise is not None:
            noise = NoiseTable(max(self.noise.max_deviation, other.noise.max_deviation),
                               max(self.noise.variance, other.noise.variance))
        bases = [b for b in (self.rounding, other.rounding) if b]
        return Policy(
            k=max(self.k, other.k), rounding=max(bases) if bases else None,
            random_rounding=self.random_rounding or other.random_rounding, noise=noise,
            secondary=self.secondary or other.secondary,
            flows="remove" if "remove" in (self.flows, other.flows) else "merge",
            grid="coarsen" if "coarsen" in (self.grid, other.grid) else "drop",
            seed=self.seed or other.seed)

    def params(self) -> dict[str, Any]:
        """JSON-serialisable parameters (for attrs, reports and exhibit metadata)."""
        out = dataclasses.asdict(self)
        out["noise"] = (None if self.noise is None else
                        {"max_deviation": self.noise.max_deviation,
                         "variance": self.noise.variance})
        out.pop("seed")  # the seed stays private: with it, noise could be undone
        return out

    # ---- the engine --------------------------------------------------------------------------

    def apply(
        self,
        counts: npt.ArrayLike,
        *,
        cell_keys: npt.ArrayLike | None = None,
        hidden: npt.ArrayLike | None = None,
    ) -> Protected:
        """Protect a flat array of cells (threshold, noise, rounding; no secondary).

        Args:
            counts: (N,) raw non-negative integer counts.
            cell_keys: (N,) cell keys in ``[0, 2**32)``; required for noise / random rounding.
            hidden: (N,) bool, cells already hidden by another rule (kept hidden).

        Returns:
            :class:`Protected` values, mask and rule names.
        """
        n = np.asarray(counts, dtype=np.float64)
        if not self.enabled:
            return Protected(n.copy(), np.zeros(n.shape, bool), np.full(n.shape, "", object))
        check_counts(n)  # one line naming the first negative cell and its value
        primary = primary_suppression(n, self.k)
        extra = np.zeros(n.shape, bool) if hidden is None else np.asarray(hidden, bool)
        suppressed = primary | extra
        rule = np.full(n.shape, "", dtype=object)
        # noise and rounding work on integers; without them, values pass through unchanged
        shown = np.rint(np.nan_to_num(n)).astype(np.int64) if (
            self.noise is not None or self.rounding) else np.nan_to_num(n)
        if self.needs_cell_keys:
            if cell_keys is None:
                raise ValueError("this policy needs cell keys (noise or random rounding)")
            ckey = np.asarray(cell_keys, dtype=np.int64)
        if self.noise is not None:
            v = self.noise.noise(shown, ckey, self.k)
            v[suppressed] = 0
            shown = shown + v
            rule[v != 0] = "cell_key"
        if self.rounding and self.rounding > 1:
            rkeys = rounding_keys(ckey) if self.random_rounding else None
            rounded = round_to_base(shown, self.rounding, keys=rkeys)
            rounded = np.where(shown > 0, np.maximum(rounded, display_floor(self.k, self.rounding)),
                               rounded)
            changed = (rounded != shown) & ~suppressed
            rule[changed] = np.where(rule[changed] == "", "rounding", "cell_key+rounding")
            shown = rounded
        values = np.where(suppressed | np.isnan(n), np.nan, shown.astype(np.float64))
        rule[extra & ~primary] = "secondary"
        rule[primary] = "threshold"
        return Protected(values, suppressed, rule)

    def protect(
        self,
        df: pd.DataFrame,
        *,
        count: str = "value",
        keys: Sequence[str] | None = None,
        cell_key: str | None = "cell_key",
        totals: bool = False,
        total_label: str = "Total",
    ) -> pd.DataFrame:
        """Protect a count table (one row per cell).

        Args:
            df: key columns + a count column (+ label columns, + optionally a cell key column).
            count: the count column; it holds the protected value (float, NaN = hidden) on return.
            keys: the key columns; None = inferred (see :mod:`vizkit.privacy.columns`).
            cell_key: column with cell keys (sum of record keys mod 2**32); if absent and the
                policy needs keys, they are derived from a hash of the key values.
            totals: append total rows (label ``total_label``) for 1- or 2-key tables, protected
                with the same policy (secondary suppression covers them).
            total_label: key value of total rows.

        Returns:
            A new frame: the keys and label columns, ``count`` (protected), ``suppressed``,
            ``rule``. Other numeric columns are dropped (they may hold raw values). ``attrs``:
            ``{"privacy": {"statement": …, "policy": …}}``.
        """
        ckey_col = cell_key if cell_key is not None and cell_key in df.columns else None
        keys = resolve_keys(df, count, keys, exclude=[ckey_col] if ckey_col else [])
        counts_of(df, count)  # text or negative counts: one line naming column, row, value
        self.log_if_off()
        if keys and df.duplicated(keys).any():
            raise ValueError(f"table has more than one row per cell for keys {keys}; "
                             "aggregate it first")
        keep = [c for c in df.columns if c == count or c in keys or
                (c != ckey_col and not pd.api.types.is_numeric_dtype(df[c].dtype))]
        dropped = [c for c in df.columns if c not in keep and c != ckey_col]
        if dropped:
            log.info("protect: dropping numeric columns %s (they may hold raw values)", dropped)
        out = df[keep].reset_index(drop=True)
        ckeys = df[ckey_col].to_numpy(np.int64) if ckey_col else None
        if totals:
            if len(keys) not in (1, 2):
                raise ValueError(f"totals need a 1- or 2-key table, got keys {keys}")
            out, ckeys = with_totals(out, count, keys, ckeys, total_label)
        if self.needs_cell_keys and ckeys is None:
            ckeys = cell_keys_from_labels(out[keys], self.seed)
        raw = pd.to_numeric(out[count]).to_numpy(np.float64)
        hidden = None
        if self.enabled and self.secondary and keys:
            hidden = secondary_mask(out, raw, keys, self.k, totals, total_label)
        res = self.apply(raw, cell_keys=ckeys, hidden=hidden)
        out[count] = res.values
        out["suppressed"] = res.suppressed
        out["rule"] = res.rule.astype(str)
        applied = Applied(noise=self.noise is not None,
                          rounding=bool(self.rounding and self.rounding > 1),
                          secondary="the totals" if hidden is not None else "")
        out.attrs = {"privacy": {"statement": self.describe(applied), "policy": self.params()}}
        return out


DEFAULT_POLICY = Policy()
"""The library default: threshold ``k = 5``, nothing else."""
