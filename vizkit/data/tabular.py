"""CSV (with Swedish conventions detected) and Parquet → DataFrame.

Statistics offices in the Nordics publish CSV with a semicolon separator, a decimal comma,
``".."`` for a missing value and, in older exports, ISO-8859-1 instead of UTF-8 (often with a
BOM); Statistics Norway's grid files are separated by single spaces (``rute_100m sum``).
:func:`read_csv` detects all of these (each can also be given) and lets pandas do the parsing.
Every column is first read as text; a column is converted to numbers only when *every*
non-missing cell parses (digit groups such as ``"1 234"`` or a quoted ``"1,234"`` included), and
code-like columns stay strings so ``"0114"`` keeps its zero. A column is code-like when it is
named like an identifier (:func:`vizkit.data.columns.is_identifier_name`: ``*code*``, ``*kod*``,
``id``, ``*_id``, ``ssbid*``, ``rute_100m``, ``kommun``, ``lan``, ``region``, ``origin``,
``destination`` …) or any of its all-digit values starts with ``0``. Which columns are keys and
which are measures is decided by :mod:`vizkit.data.columns`, the one rule for every module.
"""

from __future__ import annotations

import csv as _csv
import io
import re
from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vizkit.data.columns import (
    MISSING,
    ends_in_place_word,
    is_identifier_name,
    looks_like_codes,
    to_numbers,
)
from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance, sidecar_provenance

_SEPARATORS = (";", "\t", ",", "|")
#: ``sep`` for files whose fields are separated by runs of spaces (pandas' whitespace mode).
WHITESPACE = r"\s+"
_SAMPLE_LINES = 200


def detect_encoding(raw: bytes) -> str:
    """``"utf-8-sig"`` (with BOM), ``"utf-16"`` (with its BOM: Excel's "Unicode text"),
    ``"utf-8"``, or ``"iso-8859-1"`` when not valid UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "iso-8859-1"
    return "utf-8"


def detect_separator(lines: list[str]) -> str:
    """The separator found the same nonzero number of times on every sample line.

    When none of ``;``, tab, ``,`` and ``|`` occurs, but every line splits on spaces into the
    same number (≥ 2) of fields, the file is whitespace-separated: :data:`WHITESPACE`.
    """
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return ","
    if not any(sep in ln for ln in lines for sep in _SEPARATORS):
        widths = {len(ln.split()) for ln in lines}
        if len(widths) == 1 and widths.pop() >= 2:
            return WHITESPACE
    best, best_score = ",", -1.0
    for sep in _SEPARATORS:
        counts = [next(_csv.reader([ln], delimiter=sep)).__len__() - 1 for ln in lines]
        if counts[0] == 0:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * 10 + (sep == ";") * 0.5  # prefer ';' on ties (Swedish exports)
        if score > best_score:
            best, best_score = sep, score
    return best


def detect_decimal(lines: list[str], sep: str) -> str:
    """``","`` when fields like ``39,9`` appear (only possible when ``sep`` is not a comma)."""
    if sep in (",", WHITESPACE):
        return "."
    field = re.compile(rf"(?:^|{re.escape(sep)})\s*-?\d+,\d+\s*(?={re.escape(sep)}|$)")
    return "," if any(field.search(ln) for ln in lines[1:]) else "."


def read_csv(path: str | PathLike[str], *, sep: str | None = None, decimal: str | None = None,
             encoding: str | None = None, missing: Iterable[str] = MISSING,
             codes: Iterable[str] = (), provenance: Provenance | None = None) -> pd.DataFrame:
    """Read a CSV file, detecting separator, decimal mark and encoding.

    Args:
        path: The file.
        sep: Field separator; detected from the first lines when None (``;``, tab, ``,``, ``|``,
            or :data:`WHITESPACE` for space-separated files).
        decimal: ``"."`` or ``","``; detected when None.
        encoding: Text encoding; UTF-8 (with or without BOM) or ISO-8859-1 when None.
        missing: Cell texts that mean "missing" (NaN in numeric columns).
        codes: Column names that must stay strings whatever their content.
        provenance: Source and licence to attach (CSV files do not carry them). Default: a
            ``<name>.provenance.json`` sidecar next to the file, else one naming the file.

    Returns:
        DataFrame with numeric columns as int64 (all integers, none missing) or float64, and
        the others as strings. ``attrs["csv"]`` records the detected sep/decimal/encoding;
        ``attrs["provenance"]`` the given provenance (or one naming just the file).

    Raises:
        DataError: unreadable, empty, or ragged file (the message names file and line).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(path, "(file)", f"cannot open: {exc.strerror or exc}") from exc
    encoding = encoding or detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(path, "(encoding)", f"cannot decode as {encoding}: {exc}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    sample = text.splitlines()[:_SAMPLE_LINES]
    if not sample or not sample[0].strip():
        raise DataError(path, "(header)", "the file is empty or has no header line")
    sep = sep or detect_separator(sample)
    decimal = decimal or detect_decimal(sample, sep)
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            na_filter=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(path, "(rows)", f"cannot parse as CSV with sep={sep!r}: {exc}") from exc
    missing = tuple(missing)
    forced = set(codes)
    out = {}
    for name in table.columns:  # loops over columns, never rows
        out[name] = _convert(table[name], str(name), decimal, missing, str(name) in forced)
    frame = pd.DataFrame(out)
    frame.attrs["csv"] = {"sep": sep, "decimal": decimal, "encoding": encoding}
    frame.attrs["provenance"] = (provenance or sidecar_provenance(path)
                                 or Provenance(file=str(path), title=path.stem))
    return frame


def is_code_column(name: str, values: pd.Series, missing: tuple[str, ...] = MISSING) -> bool:
    """True when a text column holds codes that must stay strings."""
    if is_identifier_name(name):
        return True
    s = values[~values.isin(missing)]
    if ends_in_place_word(name) and looks_like_codes(s):
        return True
    digits = s.str.fullmatch(r"\d+")
    return bool(digits.all() and (s.str.len() > 1).any()
                and (s.str.startswith("0") & (s.str.len() > 1)).any())


def _convert(s: pd.Series, name: str, decimal: str, missing: tuple[str, ...], force: bool
             ) -> pd.Series:
    s = s.str.strip()
    is_missing = s.isin(missing)
    if force or is_code_column(name, s, missing):
        return s.where(~is_missing).astype(str)
    num = to_numbers(s.where(~is_missing), decimal)
    if (num.isna() & ~is_missing).any():
        return s.where(~is_missing).astype(str)  # not numeric: keep the text
    arr = num.to_numpy(dtype=np.float64)
    if not is_missing.any() and len(arr) and np.all(np.isfinite(arr)) and np.all(
            arr == np.round(arr)) and np.abs(arr).max() < 2**53:
        return pd.Series(arr.astype(np.int64), index=s.index)
    return pd.Series(arr, index=s.index)


def read_parquet(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a Parquet file written by :func:`write_parquet` (or any Parquet file).

    Provenance stored by :func:`write_parquet` is restored into ``attrs["provenance"]``.

    Raises:
        DataError: the file cannot be read as Parquet.
    """
    path = Path(path)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise DataError(path, "(file)", f"cannot read as Parquet: {exc}") from exc
    prov = frame.attrs.get("provenance")
    if isinstance(prov, Mapping):
        frame.attrs["provenance"] = Provenance.from_dict(prov)
    elif not isinstance(prov, Provenance):
        frame.attrs["provenance"] = sidecar_provenance(path) or Provenance(file=str(path),
                                                                           title=path.stem)
    return frame


def write_parquet(df: pd.DataFrame, path: str | PathLike[str]) -> None:
    """Write ``df`` to Parquet, keeping its provenance (stored as a dict in the metadata)."""
    out = df.copy(deep=False)
    out.attrs = {k: _jsonable(v) for k, v in df.attrs.items()}
    out.to_parquet(path)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Provenance):
        return value.to_dict()
    return value
