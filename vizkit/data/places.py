"""Places for flows: location codes → positions (metres), and "other destinations" stubs.

:func:`read_places` reads where an OD table's codes are — a DataFrame, a mapping or a regions
layer's centroids — into :class:`Places`, checking every coordinate (text, missing or repeated
codes fail with one line naming the layer or file, the column, the row and the value).
:meth:`Places.with_pools` adds the stubs that flows pooled by disclosure control point to, as a
new table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

OTHER = "other"               # destination label of flows pooled per origin
POOL_PREFIX = OTHER + ":"     # code of an origin's pool stub: "other:<origin code>"
POOL_REACH = 0.12             # a stub sits this share of the map's span from its origin
_MAX_LISTED = 8


class FlowsError(ValueError):
    """Bad flow input (an OD table or its places); the message names the layer (or file), the
    column, the rows and the values."""


def rows_text(rows: npt.ArrayLike, describe: Callable[[int], str]) -> str:
    """``"row 1 (…), row 3 (…) and 4 more"``: the first few rows a message names."""
    rows = np.asarray(rows)
    listed = ", ".join(describe(int(r)) for r in rows[:_MAX_LISTED])
    more = len(rows) - _MAX_LISTED
    return listed + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Places:
    """Location codes and positions.

    Attributes:
        codes: (L,) the codes, as given (text or integers).
        xyz: (L, 3) float64 metres.
        pool_of: (L,) int64 — for an "other destinations" stub, the index of the origin whose
            small flows it collects; -1 for a real place.
    """

    codes: pd.Index
    xyz: npt.NDArray[np.float64]
    pool_of: npt.NDArray[np.int64] = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.pool_of is None:
            object.__setattr__(self, "pool_of", np.full(len(self.codes), -1, np.int64))

    def __len__(self) -> int:
        return len(self.codes)

    def lookup(self, values: pd.Series) -> npt.NDArray[np.int64]:
        """Place index per value (-1 when unknown); codes compared as text if types differ."""
        codes = self.codes
        integer = pd.api.types.is_integer_dtype
        if (integer(codes.dtype) and integer(values.dtype) and len(codes)
                and codes.is_monotonic_increasing and codes.is_unique
                and codes[-1] - codes[0] == len(codes) - 1):
            # zone numbers 0…N-1 (transport-model OD matrices): the code is the index
            index = values.to_numpy(np.int64) - int(codes[0])
            return np.where((index >= 0) & (index < len(codes)), index, -1)
        index = codes.get_indexer(values)
        numeric = pd.api.types.is_numeric_dtype
        if (index < 0).any() and numeric(codes.dtype) != numeric(values.dtype):
            index = pd.Index(codes.astype(str)).get_indexer(values.astype(str))
        return index.astype(np.int64)

    def lifted(self, dz: npt.ArrayLike) -> Places:
        """The same places with ``dz`` metres added to every height."""
        xyz = self.xyz.copy()
        xyz[:, 2] += np.asarray(dz, np.float64)
        return replace(self, xyz=xyz)

    def with_pools(self, origins: npt.ArrayLike) -> tuple[Places, npt.NDArray[np.int64]]:
        """These places plus an "other destinations" stub for each origin that lacks one.

        A stub is coded ``other:<origin code>`` and sits ``POOL_REACH`` of the map's span from
        its origin, pointing away from the centre of the real places, so a pooled flow is a
        short arc out of town — visible, and never mistaken for a flow to a real place.

        Returns:
            The new places (these, unchanged, first) and the stub index of each origin.
        """
        origins = np.asarray(origins, np.int64)
        stub_rows = np.flatnonzero(self.pool_of >= 0)
        have = dict(zip(self.pool_of[stub_rows].tolist(), stub_rows.tolist(), strict=True))
        new = [o for o in np.unique(origins).tolist() if o not in have]
        places = self
        if new:
            real = self.pool_of < 0
            xy = self.xyz[real, :2]
            centre = xy.mean(axis=0)
            span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])), 1.0)
            away = self.xyz[new, :2] - centre
            length = np.linalg.norm(away, axis=1, keepdims=True)
            away = np.where(length > 0, away / np.maximum(length, 1e-12), [[1.0, 0.0]])
            stubs = np.column_stack([self.xyz[new, :2] + POOL_REACH * span * away,
                                     self.xyz[new, 2]])
            codes = pd.Index([f"{POOL_PREFIX}{self.codes[o]}" for o in new])
            places = Places(self.codes.append(codes), np.vstack([self.xyz, stubs]),
                            np.concatenate([self.pool_of, np.asarray(new, np.int64)]))
            have.update({o: len(self) + i for i, o in enumerate(new)})
        return places, np.asarray([have[int(o)] for o in origins], np.int64)


def _coordinates(frame: pd.DataFrame, column: str, where: str) -> npt.NDArray[np.float64]:
    """A coordinate column as float64 metres; text is refused naming the first row that is
    not a number (or the first text row, when every text parses as one)."""
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        return values.to_numpy(np.float64)
    text = np.array([isinstance(v, (str, bytes, bool)) or not _is_number(v) for v in values])
    if not text.any():
        return values.to_numpy(np.float64)
    parsed = pd.to_numeric(values.where(text), errors="coerce").to_numpy()
    unparsed = np.flatnonzero(text & np.isnan(parsed.astype(np.float64)))
    rows = unparsed if len(unparsed) else np.flatnonzero(text)
    r = int(rows[0])
    more = f" ({len(rows) - 1} more row(s) like it)" if len(rows) > 1 else ""
    raise FlowsError(f"{where}: locations column {column!r} must hold numbers (metres), not "
                     f"text: row {r} (code {frame.index[r]!r}) has {values.iloc[r]!r}{more}")


def _as_row(value: object) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)):
        return (value,)
    try:
        return tuple(value)  # type: ignore[arg-type]
    except TypeError:
        return (value,)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) or value is None


def read_places(locations: Any, name: str = "Flows") -> Places:
    """Codes and positions from any supported form.

    Accepted: a DataFrame with ``x``, ``y`` (optional ``z``) columns, metres, and the codes in a
    ``code`` column or the index; a mapping ``code → (x, y[, z])``; an object with a
    ``centroids`` attribute or method returning either (a regions layer).

    Raises:
        FlowsError: a missing column, text or non-finite coordinates, or a code given twice —
            naming the layer (and file, when the table says where it was read from), the
            column, the row and the value.
    """
    if hasattr(locations, "centroids") and not isinstance(locations, (pd.DataFrame, Mapping)):
        centroids = locations.centroids
        return read_places(centroids() if callable(centroids) else centroids, name)
    if isinstance(locations, pd.DataFrame):
        source = getattr(locations.attrs.get("provenance"), "file", None)
        where = f"{name} (locations from {source})" if source else name
        frame = locations.set_index("code") if "code" in locations.columns else locations
        missing = [c for c in ("x", "y") if c not in frame.columns]
        if missing:
            raise FlowsError(f"{where}: locations table lacks column(s) {missing}; it needs "
                             f"x, y (metres) and the codes in 'code' or the index; columns "
                             f"are {list(locations.columns)}")
        xyz = np.zeros((len(frame), 3))
        for axis, column in enumerate(("x", "y", "z")):
            if column in frame.columns:
                xyz[:, axis] = _coordinates(frame, column, where)
        codes = pd.Index(frame.index)
    elif isinstance(locations, Mapping):
        codes = pd.Index(list(locations.keys()))
        rows = [_as_row(v) for v in locations.values()]
        for code, row in zip(codes, rows, strict=True):
            if len(row) not in (2, 3):
                raise FlowsError(f"{name}: locations must map code → (x, y) or (x, y, z); "
                                 f"location {code!r} has {row!r}")
            if any(isinstance(v, (str, bytes, bool)) or not _is_number(v) for v in row):
                raise FlowsError(f"{name}: location {code!r} must have numbers (metres) as "
                                 f"coordinates, not text: {row!r}")
        xyz = np.array([(*r, 0.0)[:3] for r in rows], np.float64).reshape(-1, 3)
    else:
        raise TypeError(f"{name}: locations must be a DataFrame (code, x, y), a mapping "
                        f"code → (x, y) or have .centroids; got {type(locations).__name__}")
    if codes.has_duplicates:
        dup = codes[codes.duplicated()].unique()[:_MAX_LISTED]
        raise FlowsError(f"{name}: location codes appear twice: {[str(c) for c in dup]}")
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        raise FlowsError(f"{name}: locations without finite coordinates: "
                         f"{[str(c) for c in codes[bad][:_MAX_LISTED]]}")
    return Places(codes, xyz)


__all__ = ["OTHER", "POOL_PREFIX", "FlowsError", "Places", "read_places", "rows_text"]
