"""Which columns of a count table are its keys (the cell's identity).

The rule used when ``keys=None`` (by :meth:`Policy.protect` and :func:`disclosure_report`):
a column is a **key** unless it is

* the count column or the cell key column;
* a float column (measures, shares, coordinates are not codes);
* a label or metadata column: its name ends with ``label``, ``name``, ``text``, ``title`` or
  ``description``, or is ``status``, ``note``, ``notes``, ``unit``, ``flag`` or ``suppressed``
  / ``rule`` (case-insensitive);
* a text column in which most values contain a space (free text such as "Stockholm county").

So integer, boolean, categorical and short string columns ("0581", "2024", "men") are keys.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

LABEL_SUFFIXES = ("label", "name", "text", "title", "description")
META_NAMES = frozenset({"status", "note", "notes", "unit", "flag", "suppressed", "rule"})


def _is_label(name: object, series: pd.Series) -> bool:
    low = str(name).lower()
    if low in META_NAMES or low.endswith(LABEL_SUFFIXES):
        return True
    if pd.api.types.is_float_dtype(series.dtype):
        return True
    if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
        sample = series.dropna().astype(str).head(1000)
        return len(sample) > 0 and bool(sample.str.contains(" ").mean() > 0.5)
    return False


def infer_keys(df: pd.DataFrame, count: str, exclude: Sequence[str] = ()) -> list[str]:
    """Key columns of ``df`` by the module's rule, in column order."""
    skip = {count, *exclude}
    return [c for c in df.columns if c not in skip and not _is_label(c, df[c])]


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
