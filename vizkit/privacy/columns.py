"""Which columns of a count table are its keys (the cell's identity).

The rule used when ``keys=None`` (by :meth:`Policy.protect` and :func:`disclosure_report`):
a column is a **key** if it looks like a code, that is

* a text, categorical, boolean or date/time column ("0581", "men", "2024", "car") — unless it
  is a label or metadata column: its name ends with ``label``, ``name``, ``text``, ``title`` or
  ``description``, or is ``status``, ``note``, ``notes``, ``unit``, ``flag``, ``suppressed`` or
  ``rule`` (case-insensitive), or most of its values contain a space ("Stockholm county");
* an integer column whose name is a code or time word (whole word or ``_``-separated part):
  ``year``, ``month``, ``week``, ``day``, ``hour``, ``time``, ``period``, ``age``, ``code``,
  ``kod``, ``id``, ``region``, ``kommun``, ``county``, ``zone``, ``origin``, ``destination``,
  ``sex``, ``mode``, ``category``, ``class``, ``group``, ``row``, ``col``, ``ix``, ``iy``.

Other integer columns and all float columns are measures (``pop_2020`` next to ``pop_2019``), not
keys; :meth:`Policy.protect` drops them from its output since they may hold raw values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

LABEL_SUFFIXES = ("label", "name", "text", "title", "description")
META_NAMES = frozenset({"status", "note", "notes", "unit", "flag", "suppressed", "rule"})
CODE_WORDS = re.compile(
    r"(^|_)(year|month|week|day|hour|time|period|age|code|kod|id|region|kommun|county|zone|"
    r"origin|destination|sex|mode|category|class|group|row|col|ix|iy)($|_)"
)


def is_key(name: object, series: pd.Series) -> bool:
    """Whether a column looks like a code by the module's rule."""
    low = str(name).lower()
    if low in META_NAMES or low.endswith(LABEL_SUFFIXES):
        return False
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return True
    if pd.api.types.is_integer_dtype(dtype):
        return bool(CODE_WORDS.search(low))
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        sample = series.dropna().astype(str).head(1000)
        return len(sample) == 0 or not bool(sample.str.contains(" ").mean() > 0.5)
    return False


def infer_keys(df: pd.DataFrame, count: str, exclude: Sequence[str] = ()) -> list[str]:
    """Key columns of ``df`` by the module's rule, in column order."""
    skip = {count, *exclude}
    return [c for c in df.columns if c not in skip and is_key(c, df[c])]


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
