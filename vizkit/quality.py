"""Quality report for a data file or DataFrame: how good is what an exhibit is about to show.

:func:`quality_report` returns a JSON-serialisable dict:

- ``file``, ``title``, ``rows``, ``columns``, ``metadata_only``;
- ``dimensions``: key column → number of distinct categories (JSON-stat: the declared sizes);
- ``value_columns`` (the measures), ``count_column``, ``missing`` (NaN cells in the measures),
  ``missing_share``, ``missing_by_column``;
- ``status_flagged``: status symbol → cells (e.g. ``{".": 7200}``), ``status_labels`` (symbol →
  the publisher's meaning, when the file has them);
- ``duplicates``: rows repeating another row's keys;
- ``negative_counts``: negative cells in the count columns, ``negative_examples`` the first ones;
- ``text_in_measures``: measure column → cells that are text, with the first rows and values;
- ``regions`` (when regions are given): ``code_column``, ``without_geometry`` (codes in the data
  without a polygon), ``without_values``, and ``zero_padding``/``suggested_zfill`` when codes
  differ only by leading zeros;
- ``updated``, ``timeliness_days`` (days since updated), ``licence``, ``licence_present``,
  ``attribution``, ``provenance``;
- ``disclosure`` (when ``min_count`` is given): :func:`vizkit.privacy.disclosure_report`'s
  result;
- ``errors``: one line each for what makes the data unusable as it is (text in a count column,
  a disclosure report that cannot be made).

Which columns are keys and which are measures is decided by :mod:`vizkit.data.columns`, the
rule the CSV reader and disclosure control use too.

:func:`format_report` renders it as a readable table; :func:`check_command` is ``vizkit check``
(also ``python -m vizkit.quality PATH [--json] [--min-count K] [--regions GEOJSON]``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import math
import sys
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from vizkit.data import DataError, get_provenance, read
from vizkit.data.columns import (
    column_roles,
    count_column,
    is_count_name,
    measure_numbers,
    text_cells,
)
from vizkit.data.join import leading_zero_pairs
from vizkit.data.provenance import parse_date
from vizkit.data.read import read_regions

#: How many bad rows a report names per column.
EXAMPLES = 5


def quality_report(data: pd.DataFrame | str | PathLike[str], *,
                   regions: pd.DataFrame | str | PathLike[str] | None = None,
                   code_column: str | None = None, min_count: int | None = None,
                   today: _dt.date | None = None) -> dict[str, Any]:
    """Measure the quality of one dataset.

    Args:
        data: A tidy DataFrame from a :mod:`vizkit.data` reader, or a path to read.
        regions: Regions (a frame from :func:`~vizkit.data.read_geojson`, or a GeoJSON path)
            to check region codes against.
        code_column: The data's region code column; guessed when None (the ``geo`` role,
            ``Region``, else the key column sharing most codes with ``regions``).
        min_count: Run the disclosure report with this threshold *k*.
        today: Reference date for timeliness (default: today, UTC).

    Returns:
        The report dict (see the module docstring). A collection or bundle of several
        datasets gives ``{"datasets": {name: report}}``.

    Raises:
        DataError: ``data`` or ``regions`` cannot be read.
    """
    file = None
    if not isinstance(data, pd.DataFrame):
        file = str(data)
        data = read(data)
    if isinstance(regions, (str, PathLike)):
        regions = read_regions(regions)
    if isinstance(data, Mapping):
        return {"file": file, "datasets": {
            name: quality_report(df, regions=regions, code_column=code_column,
                                 min_count=min_count, today=today) for name, df in data.items()}}
    return _report(data, file, regions, code_column, min_count, today)


def _report(df: pd.DataFrame, file: str | None, regions: pd.DataFrame | None,
            code_column: str | None, min_count: int | None, today: _dt.date | None
            ) -> dict[str, Any]:
    prov = get_provenance(df)
    roles = column_roles(df)
    keys, values = list(roles.keys), list(roles.measures)
    dims = {k: int(v["size"]) for k, v in (df.attrs.get("dimensions") or {}).items()} or {
        k: int(df[k].nunique()) for k in keys}
    decimal = (df.attrs.get("csv") or {}).get("decimal", ".")
    numbers = {c: measure_numbers(df[c], decimal) for c in values}
    where = _Rows(df, csv=bool(df.attrs.get("csv")))
    cells = len(df) * len(values)
    is_text = {c: text_cells(df[c], numbers[c]) for c in values}
    missing_by = {c: int((numbers[c].isna() & ~is_text[c]).sum()) for c in values}
    missing = sum(missing_by.values())
    count = count_column(df, roles)
    counts = [c for c in values if is_count_name(c) or c == count]
    negative = {c: where.examples(numbers[c] < 0, df[c]) for c in counts}
    text = {c: where.examples(is_text[c], df[c]) for c in values}
    text = {c: t for c, t in text.items() if t["cells"]}
    report: dict[str, Any] = {
        "file": file or (prov.file if prov else None),
        "title": (prov.title if prov else "") or df.attrs.get("title", ""),
        "rows": len(df),
        "columns": [str(c) for c in df.columns],
        "metadata_only": bool(df.attrs.get("metadata_only", False)),
        "dimensions": dims,
        "value_columns": values,
        "count_column": count,
        "missing": missing,
        "missing_share": round(missing / cells, 6) if cells else 0.0,
        "missing_by_column": missing_by,
        "status_flagged": _status(df),
        "status_labels": dict(df.attrs.get("status_labels") or {}),
        "duplicates": _duplicates(df, keys),
        "negative_counts": sum(n["cells"] for n in negative.values()),
        "negative_examples": {c: n for c, n in negative.items() if n["cells"]},
        "text_in_measures": text,
    }
    errors = [f"{'count' if c in counts else 'measure'} column {c!r} has text in "
              f"{t['cells']} cell(s): {where.describe(t)}" for c, t in text.items()]
    if regions is not None:
        report["regions"] = _regions(df, regions, code_column, keys)
    updated = prov.updated if prov else df.attrs.get("updated")
    date = parse_date(updated)
    today = today or _dt.datetime.now(_dt.UTC).date()
    report["updated"] = updated
    report["timeliness_days"] = (today - date).days if date else None
    licence = prov.licence if prov else df.attrs.get("licence")
    report["licence"] = licence
    report["licence_present"] = bool(licence)
    report["attribution"] = prov.attribution() if prov else None
    report["provenance"] = prov.to_dict() if prov else None
    if min_count is not None:
        if text and count in text:
            errors.append("disclosure report not made: the count column holds text")
        else:
            report["disclosure"], error = _disclosure(df, min_count, count, numbers, where)
            errors += [error] if error else []
    report["errors"] = errors
    return report


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


class _Rows:
    """Names rows the way a user finds them: file lines for CSV, index labels otherwise."""

    def __init__(self, df: pd.DataFrame, *, csv: bool) -> None:
        self.index = df.index
        # read_csv numbers rows 0, 1, … (kept through selections): the file line is label + 2
        self.csv = csv and pd.api.types.is_integer_dtype(df.index.dtype)
        self.word = "line" if self.csv else "row"

    def examples(self, mask: pd.Series, values: pd.Series) -> dict[str, Any]:
        """``{"cells": n, "first": [{"line"/"row": …, "value": …}, …]}`` for the cells in
        ``mask``: a CSV file's line (the header is line 1; one line per row, as offices write
        them), else the frame's index label."""
        hit = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
        first = [{self.word: int(self.index[i]) + 2 if self.csv
                  else _jsonable(self.index[int(i)]),
                  "value": _jsonable(values.iloc[int(i)])} for i in hit[:EXAMPLES]]
        return {"cells": int(hit.size), "first": first}

    def describe(self, examples: Mapping[str, Any]) -> str:
        shown = ", ".join(f"{self.word} {e[self.word]} {_shown(e['value'])}"
                          for e in examples["first"])
        return shown + (", …" if examples["cells"] > len(examples["first"]) else "")


def _status(df: pd.DataFrame) -> dict[str, int]:
    if "status" not in df.columns:
        return {}
    counts = df["status"].dropna().astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.items() if v}


def _duplicates(df: pd.DataFrame, keys: list[str]) -> int:
    if len(df) == 0:
        return 0
    if keys:
        return int(df.duplicated(subset=keys).sum())
    hashable = [c for c in df.columns if str(c) not in ("geometry",)
                and df[c].dtype != object]
    return int(df.duplicated(subset=hashable).sum()) if hashable else 0


def _regions(df: pd.DataFrame, regions: pd.DataFrame, code_column: str | None,
             keys: list[str]) -> dict[str, Any]:
    region_codes = set(regions.index.astype(str))
    if code_column is None:
        geo = (df.attrs.get("role") or {}).get("geo") or []
        candidates = [*geo, "Region", *keys]
        best, overlap = None, -1
        for c in dict.fromkeys(candidates):
            if c in df.columns:
                n = len(set(df[c].astype(str).unique()) & region_codes)
                if n > overlap:
                    best, overlap = c, n
        code_column = best
    if code_column is None or code_column not in df.columns:
        return {"code_column": code_column, "error": "no region code column found"}
    present = set(df[code_column].astype(str).unique())
    if len(df) == 0 and isinstance(df[code_column].dtype, pd.CategoricalDtype):
        present = set(df[code_column].cat.categories.astype(str))  # metadata-only result
    pairs, width = leading_zero_pairs(present, region_codes)
    return {"code_column": code_column,
            "without_geometry": sorted(present - region_codes),
            "without_values": sorted(region_codes - present),
            "zero_padding": [list(p) for p in pairs],
            "suggested_zfill": width}


def _disclosure(df: pd.DataFrame, k: int, count: str | None,
                numbers: Mapping[str, pd.Series], where: _Rows) -> tuple[Any, str | None]:
    """The disclosure report of the count column, or ``(None, one line saying why not)``."""
    if count is None:
        return None, ("disclosure report not made: no count column found (name it value, "
                      "count, volume, antal, population …)")
    negative = numbers[count] < 0
    if negative.any():
        examples = where.examples(negative, df[count])
        return None, (f"disclosure report not made: count column {count!r} has "
                      f"{examples['cells']} negative count(s): {where.describe(examples)}")
    from vizkit.privacy import disclosure_report  # GL-free; loaded only when asked for

    table = df.copy(deep=False)
    table[count] = numbers[count]
    try:
        result = disclosure_report(table, count=count, keys=None, k=k)
    except (KeyError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).strip("'\"").split())
        return None, f"disclosure report not made: {reason}"
    return _jsonable(result), None


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    if hasattr(obj, "to_dict") and not isinstance(obj, Mapping):
        return _jsonable(obj.to_dict())
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def format_report(report: Mapping[str, Any], *, errors: bool = True) -> str:
    """The report as a readable two-column table (nested datasets one after another); with
    ``errors``, the report's errors as ``ERROR`` rows at the end."""
    if "datasets" in report:
        parts = [f"file: {report.get('file')}"]
        for name, sub in report["datasets"].items():
            parts.append(f"\n== dataset {name}\n{format_report(sub, errors=errors)}")
        return "\n".join(parts)
    lines: list[tuple[str, str]] = [
        ("file", str(report.get("file"))),
        ("title", str(report.get("title") or "-")),
        ("rows", f"{report['rows']:,}" + ("  (metadata only: no values)"
                                          if report.get("metadata_only") else "")),
        ("dimensions", ", ".join(f"{k} ({v})" for k, v in report["dimensions"].items()) or "-"),
        ("value columns", ", ".join(report["value_columns"]) or "-"),
        ("missing cells", f"{report['missing']:,} ({report['missing_share']:.1%})"),
        ("status flagged", ", ".join(f"{k!r}: {v:,}" for k, v in report["status_flagged"].items())
         or "none"),
        ("duplicate keys", f"{report['duplicates']:,}"),
        ("negative counts", f"{report['negative_counts']:,}"),
    ]
    labels = report.get("status_labels") or {}
    if labels:
        lines.append(("status symbols", "; ".join(f"{k!r} {v}" for k, v in labels.items())))
    if "regions" in report:
        reg = report["regions"]
        if "error" in reg:
            lines.append(("regions", reg["error"]))
        else:
            lines.append(("region column", str(reg["code_column"])))
            lines.append(("codes w/o geometry", _short(reg["without_geometry"])))
            lines.append(("regions w/o values", _short(reg["without_values"])))
            if reg.get("zero_padding"):
                pairs = reg["zero_padding"]
                lines.append(("leading zeros", f"{len(pairs)} codes differ only by leading "
                              f"zeros ({', '.join(f'{a!r} ~ {b!r}' for a, b in pairs[:3])}"
                              f"{', …' if len(pairs) > 3 else ''}): pad them with "
                              f"join_regions(..., zfill={reg['suggested_zfill']}) or "
                              f"read_geojson(..., id_width={reg['suggested_zfill']})"))
    days = report.get("timeliness_days")
    lines += [
        ("updated", f"{report.get('updated') or 'unknown'}"
         + (f"  ({days:,} days ago)" if days is not None else "")),
        ("licence", report.get("licence") or "MISSING"),
        ("attribution", report.get("attribution") or "-"),
    ]
    width = max(len(k) for k, _ in lines)
    text = "\n".join(f"{k:<{width}}  {v}" for k, v in lines)
    if report.get("disclosure") is not None:
        text += "\n" + _format_disclosure(report["disclosure"], width)
    for error in report.get("errors") or [] if errors else []:
        text += f"\n{'ERROR':<{width}}  {error}"
    return text


def _short(codes: Sequence[str], limit: int = 12) -> str:
    if not codes:
        return "none"
    shown = ", ".join(codes[:limit])
    return f"{len(codes)}: {shown}" + (", …" if len(codes) > limit else "")


def _format_disclosure(value: Mapping[str, Any], width: int) -> str:
    from vizkit.privacy import format_disclosure_report

    return format_disclosure_report(dict(value))


def check_command(path: str, *, as_json: bool = False, min_count: int | None = None,
                  regions: str | None = None) -> int:
    """``vizkit check``: print the quality report of ``path``; return the exit code.

    Returns:
        0 when the file was read and nothing in it is unusable (whatever its quality);
        1 when it was read but the report has ``errors`` (text in a count column, no
        disclosure report) — the report is printed to stdout and each error as one line on
        stderr; 2 when it (or ``regions``) could not be read, after printing a one-line
        reason to stderr (no traceback).
    """
    try:
        report = quality_report(path, regions=regions, min_count=min_count)
    except (DataError, OSError, ValueError, KeyError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        what = path
        if isinstance(exc, DataError) and regions is not None and exc.file == str(regions):
            what = f"the --regions file {regions}"
        print(f"vizkit check: cannot read {what}: {reason}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(_jsonable(report), ensure_ascii=False, indent=1, default=str))
    else:
        print(format_report(report, errors=False))
    errors = report.get("errors") or [
        f"dataset {name!r}: {e}" for name, sub in (report.get("datasets") or {}).items()
        for e in sub.get("errors") or []]
    for error in errors:
        print(f"vizkit check: {path}: {error}", file=sys.stderr)
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m vizkit.quality PATH [--json] [--min-count K] [--regions GEOJSON]``."""
    parser = argparse.ArgumentParser(prog="python -m vizkit.quality",
                                     description="Quality report of a data file.")
    parser.add_argument("path", help="JSON-stat, PxWeb json, CSV, Parquet or GeoJSON file")
    parser.add_argument("--json", action="store_true", help="machine-readable JSON")
    parser.add_argument("--min-count", type=int, default=None, metavar="K",
                        help="also run the disclosure report with threshold K")
    parser.add_argument("--regions", default=None, metavar="GEOJSON",
                        help="check region codes against these polygons")
    args = parser.parse_args(argv)
    return check_command(args.path, as_json=args.json, min_count=args.min_count,
                         regions=args.regions)


if __name__ == "__main__":
    sys.exit(main())
