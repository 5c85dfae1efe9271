"""Which columns of a count table are its keys (the cell's identity), and its count's checks.

The rule is :mod:`vizkit.data.columns` — the one rule the CSV reader and the quality report use
too: keys are identifier codes (``region``, ``kommun``, ``grid_id`` …), ordinal dimensions
(``year``, ``hour``, ``age``, ``sex`` … as whole numbers or text) and other text, categorical,
boolean or date/time columns, unless they are labels or metadata (``*_label``, ``*_name``,
``status``, ``suppressed``, ``rule`` …, or prose with spaces). Counts and other measures
(``pop_2020`` next to ``pop_2019``, rates, averages) are not keys; :meth:`Policy.protect` drops
the numeric ones from its output since they may hold raw values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.columns import column_role, column_roles


def is_key(name: object, series: pd.Series) -> bool:
    """Whether a column is a key by the one rule (:func:`vizkit.data.columns.column_role`)."""
    return column_role(name, series) == "key"


def infer_keys(df: pd.DataFrame, count: str, exclude: Sequence[str] = ()) -> list[str]:
    """Key columns of ``df`` by the one rule, in column order (``count`` and ``exclude`` left
    out; roles a reader declared in ``df.attrs`` are honoured)."""
    return list(column_roles(df, exclude=[count, *exclude]).keys)


def resolve_keys(
    df: pd.DataFrame, count: str, keys: Sequence[str] | None, exclude: Sequence[str] = ()
) -> list[str]:
    """Check ``count``/``keys`` exist and return the key list (inferred when None)."""
    if count not in df.columns:
        raise KeyError(f"count column {count!r} not in table; columns: {list(df.columns)}")
    if keys is None:
        return infer_keys(df, count, exclude)
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise KeyError(f"key column(s) {missing} not in table; columns: {list(df.columns)}")
    return list(keys)


def check_counts(counts: npt.ArrayLike, *, column: str | None = None,
                 rows: Sequence[object] | None = None) -> None:
    """Refuse negative counts with one line naming the column, the first row and its value.

    Args:
        counts: (N,) counts (NaN allowed: missing cells).
        column: the count column's name, when the counts came from a table.
        rows: (N,) row labels (index values) to name instead of positions.

    Raises:
        ValueError: ``"count column 'value': negative count -2 in row 3 (1 such cell); counts
            must be >= 0"`` (``cell 3`` when no row labels are given).
    """
    n = np.asarray(counts, dtype=np.float64)
    negative = np.flatnonzero(n < 0)
    if not negative.size:
        return
    i = int(negative[0])
    where = f"row {rows[i]}" if rows is not None else f"cell {i}"
    what = f"count column {column!r}" if column is not None else "counts"
    raise ValueError(f"{what}: negative count {n[i]:g} in {where} ({negative.size} such "
                     f"cell{'s' if negative.size > 1 else ''}); counts must be >= 0")


def counts_of(df: pd.DataFrame, count: str) -> npt.NDArray[np.float64]:
    """The count column as float64 (NaN where missing), refusing text and negative counts.

    Raises:
        ValueError: one line naming the column, the first bad row (index label) and its value.
    """
    column = df[count]
    numbers = pd.to_numeric(column, errors="coerce")
    text = numbers.isna() & column.notna()
    if text.any():
        where = np.flatnonzero(text.to_numpy())
        i = int(where[0])
        raise ValueError(f"count column {count!r}: text {column.iloc[i]!r} in row "
                         f"{df.index[i]} ({where.size} such cell{'s' if where.size > 1 else ''})"
                         "; counts must be numbers")
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    check_counts(values, column=count, rows=df.index)
    return values
