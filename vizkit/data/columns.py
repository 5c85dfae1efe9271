"""Which columns of a table are keys, which are measures and which are labels — one rule.

The CSV reader (which columns stay text), disclosure control (which columns identify a cell)
and the quality report (which columns to count missing and negative values in) all ask the
same question, so they all ask this module. A column is one of three **roles**:

- ``"key"`` — part of a cell's identity: a region code, a year, a sex, a mode of travel;
- ``"measure"`` — a number about the cell: a count, a rate, an average (``pop_2019``);
- ``"label"`` — text that describes a key, or metadata: ``Region_label``, ``kommun_namn``,
  ``status``, ``geometry``, ``area``. Neither identifies nor counts.

The rule, first match wins, for a column named ``N`` (compared in lower case; a *word* is the
whole name or one of its ``_``-separated parts):

1. **Declared by the reader.** A JSON-stat or PxWeb frame lists its dimensions in ``attrs``
   (``"dimensions"``, or PxWeb plain json's ``"column_types"``): those are keys, ``value`` is
   the measure.
2. **Label or metadata by name.** ``N`` ends with ``label``, ``name``, ``namn``, ``navn``,
   ``text``, ``title`` or ``description``, or is one of :data:`META_NAMES` (``status``,
   ``note``, ``unit``, ``flag``, ``suppressed``, ``rule``, ``geometry``, ``area``,
   ``centroid_x`` …).
3. **Text that reads like prose** — most values are words with a space (``"Stockholm
   county"``; ``"1 234"`` is a number) — is a label, whatever its name.
4. **Identifier by name** (:func:`is_identifier_name`): ``code``/``kod`` anywhere in ``N``,
   ``ssbid…``, ``rutid``, ``ru250m``, ``rute_100m``, ``grid_id``, ``id``, ``…_id``, ``id_…``, or
   exactly one of the place words ``kommun``, ``lan``/``län``, ``region``, ``county``,
   ``zone``, ``municipality``, ``origin``, ``destination`` — a key. Readers keep these columns
   as text so ``"0114"`` keeps its zero. A longer name that only *ends* in a place word
   (``home_kommune``, but also ``employed_in_home_kommune``) is a key when its values look like
   codes (:func:`looks_like_codes`: text, a leading zero, or whole numbers all of one width),
   else the rules below decide.
5. **Ordinal by name** (:func:`is_ordinal_name`): a word among ``year``, ``month``, ``hour``,
   ``age``, ``sex``, ``mode``, ``tid``, ``alder`` … — a key when its values are whole numbers
   or text (a float column with fractions, such as a mean age, is a measure).
6. **Count by name** (:func:`is_count_name`): a word among ``value``, ``count``, ``volume``,
   ``antal``, ``pop``, ``population``, ``persons``, ``trips``, ``sum`` … — a measure, even when
   it holds text (then the text is an error the quality report names).
7. **By type.** Boolean, categorical and date/time columns are keys; numbers are measures; text
   is a key — unless it is *partly numeric* (at least half of its cells are numbers, some are
   not), which is a measure with bad cells.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

Role = Literal["key", "measure", "label"]

#: Cell texts that mean "missing" in published tables: ``.`` (Statistics Norway: not
#: applicable), ``..`` (SCB: missing), ``:`` (Eurostat: not available) and the like. Other
#: symbols (``x`` for suppressed, ``-`` for nil) differ between offices: pass them to the
#: reader when a file uses them.
MISSING = ("", ".", "..", "...", "....", ":", "NA", "NaN")

LABEL_SUFFIXES = ("label", "name", "namn", "navn", "text", "title", "description")
META_NAMES = frozenset({
    "status", "note", "notes", "unit", "flag", "flags", "suppressed", "rule", "geometry",
    "geometry_type", "geo_point_2d", "area", "centroid_x", "centroid_y", "color", "colour",
})
_IDENTIFIER = re.compile(
    r"(code|kod)"                                   # municipality_code, knkod, lan_code
    r"|^(ssbid|rutid|ru\d+m$|rute_?\d+m$)"          # grid square ids (SSB, SCB)
    r"|grid_?id|^id$|_id$|^id_"
    r"|^(kommun|kommune|lan|län|region|county|zone|municipality|origin|destination)$")
_ENDS_IN_PLACE = re.compile(
    r"_(kommun|kommune|lan|län|region|county|zone|municipality|origin|destination)$")
_ORDINAL = re.compile(
    r"(^|_)(year|ar|år|month|manad|månad|week|day|hour|time|tid|period|quarter|kvartal|age|"
    r"alder|ålder|sex|kon|kön|kjonn|kjønn|mode|category|class|group|row|col|ix|iy)($|_)")
_COUNT = re.compile(
    r"(^|_)(value|values|obs_value|count|counts|n|volume|antal|pop|population|persons|personer|"
    r"befolkning|folkmangd|folkmängd|trips|flow|flows|sum|total|number)($|_)")


def _low(name: object) -> str:
    return str(name).strip().lower()


def is_label_name(name: object) -> bool:
    """Named like a label or metadata column (rule 2)."""
    low = _low(name)
    return low in META_NAMES or low.endswith(LABEL_SUFFIXES)


def is_identifier_name(name: object) -> bool:
    """Named like an identifier code, which must stay text (rule 4)."""
    low = _low(name)
    return not is_label_name(low) and bool(_IDENTIFIER.search(low))


def ends_in_place_word(name: object) -> bool:
    """A compound name ending in a place word (``home_kommune``): a key only when its values
    look like codes (rule 4)."""
    low = _low(name)
    return not is_label_name(low) and bool(_ENDS_IN_PLACE.search(low))


def looks_like_codes(series: pd.Series) -> bool:
    """Values that read as codes, not amounts: text that is not a number, a leading zero
    (``"0301"``), or whole numbers all written with the same number of digits."""
    sample = _text_sample(series)
    if len(sample) == 0:
        return False
    digits = sample.str.fullmatch(r"\d+")
    if not digits.all():
        return bool(to_numbers(sample).isna().any())
    if ((sample.str.len() > 1) & sample.str.startswith("0")).any():
        return True
    return sample.str.len().nunique() == 1 and sample.nunique() > 1


def is_ordinal_name(name: object) -> bool:
    """Named like a time, age, sex or class dimension (rule 5)."""
    return bool(_ORDINAL.search(_low(name)))


def is_count_name(name: object) -> bool:
    """Named like a count (rule 6): a text cell in such a column is an error, not a code."""
    return bool(_COUNT.search(_low(name)))


def _is_text(dtype: Any) -> bool:
    return (pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)) \
        and not isinstance(dtype, pd.CategoricalDtype)


def _text_sample(series: pd.Series, limit: int = 2000) -> pd.Series:
    """Non-missing cells as stripped strings, a strided sample of at most ``limit``."""
    s = series.dropna()
    if len(s) > limit:
        s = s.iloc[:: len(s) // limit + 1]
    s = s.astype(str).str.strip()
    return s[~s.isin(MISSING)]


def _reads_like_prose(series: pd.Series) -> bool:
    """Most cells hold words separated by spaces ("Upplands Väsby"; not "1 234")."""
    sample = _text_sample(series)
    return len(sample) > 0 and bool(sample.str.contains(r"[^\W\d_].*\s|\s.*[^\W\d_]").mean()
                                    > 0.5)


_SPACE_GROUPED = re.compile(r"^[+-]?\d{1,3}([ \u00a0\u202f']\d{3})+([.,]\d+)?$")
_COMMA_GROUPED = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"      # 1,234,567.5
_DOT_GROUPED = r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$"        # 1.234.567,5


def to_numbers(text: pd.Series, decimal: str = ".") -> pd.Series:
    """Text cells as float64 (NaN where a cell is not a number), the way offices write them.

    Besides plain numbers this reads a decimal comma (``decimal=","``) and digit groups
    separated by spaces, no-break spaces or apostrophes (``"1 234"``, ``"1'234"``), by commas
    in a decimal-point table (``"1,234"`` — quoted in a comma-separated file) or by points in
    a decimal-comma table (``"1.234,5"``).
    """
    t = text.astype(str).str.strip()
    spaced = t.str.fullmatch(_SPACE_GROUPED.pattern)
    if spaced.any():
        t = t.where(~spaced, t.str.replace(r"[ \u00a0\u202f']", "", regex=True))
    if decimal == ",":
        grouped = t.str.fullmatch(_DOT_GROUPED)
        if grouped.any():
            t = t.where(~grouped, t.str.replace(".", "", regex=False))
        t = t.str.replace(",", ".", regex=False)
    else:
        grouped = t.str.fullmatch(_COMMA_GROUPED)
        if grouped.any():
            t = t.where(~grouped, t.str.replace(",", "", regex=False))
    return pd.to_numeric(t, errors="coerce")


def measure_numbers(series: pd.Series, decimal: str = ".") -> pd.Series:
    """A measure column as float64: numbers as they are, text read by :func:`to_numbers`
    (cells that are not numbers become NaN)."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype):
        return series.astype(np.float64)
    return to_numbers(series.where(series.notna(), ""), decimal).astype(np.float64)


def text_cells(series: pd.Series, numbers: pd.Series) -> pd.Series:
    """Cells of a measure column that hold text: not a number (``numbers`` is NaN there), not
    empty and not a missing-value symbol (:data:`MISSING`)."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return pd.Series(False, index=series.index)
    shown = series.astype(str).str.strip()
    return series.notna() & numbers.isna() & ~shown.isin(MISSING)


def _partly_numeric(series: pd.Series) -> bool:
    sample = _text_sample(series)
    if len(sample) == 0:
        return False
    numeric = to_numbers(sample).notna() | to_numbers(sample, ",").notna()
    return bool(numeric.mean() >= 0.5 and not numeric.all())


def _has_fractions(series: pd.Series) -> bool:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[np.isfinite(values)]
    return bool(values.size and np.any(values != np.round(values)))


def declared_roles(attrs: Mapping[str, Any]) -> dict[str, Role]:
    """Roles a reader declared in ``DataFrame.attrs`` (rule 1): JSON-stat's ``dimensions``,
    PxWeb plain json's ``column_types`` (``d``/``t`` keys, ``c`` content codes)."""
    out: dict[str, Role] = {}
    for dim in attrs.get("dimensions") or {}:
        out[str(dim)] = "key"
        out[f"{dim}_label"] = "label"
    types = attrs.get("column_types") or {}
    for column, kind in types.items():
        if kind in ("d", "t"):
            out[str(column)] = "key"
    if types:
        out["ContentsCode"] = "key"
    if out:
        out["value"] = "measure"
        out["status"] = "label"
    return out


def column_role(name: object, series: pd.Series, declared: Mapping[str, Role] | None = None
                ) -> Role:
    """The role of one column by the module's rule."""
    if declared and str(name) in declared:
        return declared[str(name)]
    dtype = series.dtype
    if is_label_name(name):
        return "label"
    text = _is_text(dtype)
    if text and _reads_like_prose(series):
        return "label"
    if is_identifier_name(name) or (ends_in_place_word(name) and looks_like_codes(series)):
        return "key"
    numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    if is_ordinal_name(name):
        return "measure" if numeric and _has_fractions(series) else "key"
    if is_count_name(name):
        return "measure"
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return "key"
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return "key"
    if numeric:
        return "measure"
    if text:
        return "measure" if _partly_numeric(series) else "key"
    return "label"


@dataclass(frozen=True)
class ColumnRoles:
    """Column names of a table by role, each in column order."""

    keys: tuple[str, ...]
    measures: tuple[str, ...]
    labels: tuple[str, ...]

    def role(self, column: str) -> Role:
        """The role of ``column`` (KeyError when it is not a column of the table)."""
        for role, names in (("key", self.keys), ("measure", self.measures),
                            ("label", self.labels)):
            if column in names:
                return role  # type: ignore[return-value]
        raise KeyError(column)


def column_roles(df: pd.DataFrame, *, exclude: Sequence[str] = ()) -> ColumnRoles:
    """Every column of ``df`` (but ``exclude``) sorted into keys, measures and labels."""
    declared = declared_roles(df.attrs)
    skip = set(exclude)
    groups: dict[Role, list[str]] = {"key": [], "measure": [], "label": []}
    for column in df.columns:
        if column in skip:
            continue
        groups[column_role(column, df[column], declared)].append(column)
    return ColumnRoles(tuple(groups["key"]), tuple(groups["measure"]), tuple(groups["label"]))


def count_column(df: pd.DataFrame, roles: ColumnRoles | None = None) -> str | None:
    """The table's count column: the first measure named like a count, else the only
    measure; None when that is ambiguous or there is none."""
    roles = roles or column_roles(df)
    named = [c for c in roles.measures if is_count_name(c)]
    if named:
        return str(named[0])
    return str(roles.measures[0]) if len(roles.measures) == 1 else None
