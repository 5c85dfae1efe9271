"""Quality report for a data file or DataFrame: how good is what an exhibit is about to show.

:func:`quality_report` returns a JSON-serialisable dict:

- ``file``, ``title``, ``rows``, ``columns``, ``metadata_only``;
- ``dimensions``: key column → number of distinct categories (JSON-stat: the declared sizes);
- ``value_columns``, ``missing`` (NaN cells in them), ``missing_share``,
  ``missing_by_column``;
- ``status_flagged``: status symbol → cells (e.g. ``{".": 7200}``);
- ``duplicates``: rows repeating another row's keys;
- ``negative_counts``: negative cells in the value columns;
- ``regions`` (when regions are given): ``code_column``, ``without_geometry`` (codes in the data
  without a polygon), ``without_values``;
- ``updated``, ``timeliness_days`` (days since updated), ``licence``, ``licence_present``,
  ``attribution``, ``provenance``;
- ``disclosure`` (when ``min_count`` is given): :func:`vizkit.privacy.disclosure_report`'s
  result, or ``"disclosure report unavailable"``.

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
from vizkit.data.provenance import parse_date

_NON_KEY = ("status", "geometry", "geometry_type")
_COUNT_NAMES = ("value", "count", "volume", "antal", "pop_tot", "population", "n")


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
        regions = read(regions)
        if not isinstance(regions, pd.DataFrame) or "geometry" not in regions.columns:
            raise DataError(None, "regions", "not a GeoJSON region file")
    if isinstance(data, Mapping):
        return {"file": file, "datasets": {
            name: quality_report(df, regions=regions, code_column=code_column,
                                 min_count=min_count, today=today) for name, df in data.items()}}
    return _report(data, file, regions, code_column, min_count, today)


def _report(df: pd.DataFrame, file: str | None, regions: pd.DataFrame | None,
            code_column: str | None, min_count: int | None, today: _dt.date | None
            ) -> dict[str, Any]:
    prov = get_provenance(df)
    keys = _key_columns(df)
    values = _value_columns(df)
    dims = {k: int(v["size"]) for k, v in (df.attrs.get("dimensions") or {}).items()} or {
        k: int(df[k].nunique()) for k in keys}
    cells = len(df) * len(values)
    missing_by = {c: int(df[c].isna().sum()) for c in values}
    missing = sum(missing_by.values())
    report: dict[str, Any] = {
        "file": file or (prov.file if prov else None),
        "title": (prov.title if prov else "") or df.attrs.get("title", ""),
        "rows": len(df),
        "columns": [str(c) for c in df.columns],
        "metadata_only": bool(df.attrs.get("metadata_only", False)),
        "dimensions": dims,
        "value_columns": values,
        "missing": missing,
        "missing_share": round(missing / cells, 6) if cells else 0.0,
        "missing_by_column": missing_by,
        "status_flagged": _status(df),
        "duplicates": _duplicates(df, keys),
        "negative_counts": int(sum((df[c] < 0).sum() for c in values)),
    }
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
        report["disclosure"] = _disclosure(df, min_count, values)
    return report


def _key_columns(df: pd.DataFrame) -> list[str]:
    """Code columns: categorical or text, not labels, status or geometry."""
    dims = df.attrs.get("dimensions")
    if dims:
        return [k for k in dims if k in df.columns]
    out = []
    for c in df.columns:
        name = str(c)
        if name in _NON_KEY or name.endswith("_label"):
            continue
        dtype = df[c].dtype
        if isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype)) or (
                pd.api.types.is_object_dtype(dtype)
                and pd.api.types.infer_dtype(df[c], skipna=True) == "string"):
            out.append(name)
    return out


def _value_columns(df: pd.DataFrame) -> list[str]:
    if "value" in df.columns:
        return ["value"]
    skip = {"area", "centroid_x", "centroid_y"}
    return [str(c) for c in df.columns if str(c) not in skip
            and pd.api.types.is_numeric_dtype(df[c].dtype)
            and not pd.api.types.is_bool_dtype(df[c].dtype)]


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
    return {"code_column": code_column,
            "without_geometry": sorted(present - region_codes),
            "without_values": sorted(region_codes - present)}


def _disclosure(df: pd.DataFrame, k: int, values: Sequence[str]) -> Any:
    try:
        from vizkit.privacy import disclosure_report  # the privacy helper's module, lazily
    except ImportError:
        return "disclosure report unavailable"
    count = next((c for c in _COUNT_NAMES if c in df.columns), values[0] if values else "value")
    try:
        result = disclosure_report(df, count=count, keys=None, k=k)
    except Exception as exc:
        return f"disclosure report failed: {type(exc).__name__}: {exc}"
    return _jsonable(result)


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


def format_report(report: Mapping[str, Any]) -> str:
    """The report as a readable two-column table (nested datasets one after another)."""
    if "datasets" in report:
        parts = [f"file: {report.get('file')}"]
        for name, sub in report["datasets"].items():
            parts.append(f"\n== dataset {name}\n{format_report(sub)}")
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
    if "regions" in report:
        reg = report["regions"]
        if "error" in reg:
            lines.append(("regions", reg["error"]))
        else:
            lines.append(("region column", str(reg["code_column"])))
            lines.append(("codes w/o geometry", _short(reg["without_geometry"])))
            lines.append(("regions w/o values", _short(reg["without_values"])))
    days = report.get("timeliness_days")
    lines += [
        ("updated", f"{report.get('updated') or 'unknown'}"
         + (f"  ({days:,} days ago)" if days is not None else "")),
        ("licence", report.get("licence") or "MISSING"),
        ("attribution", report.get("attribution") or "-"),
    ]
    width = max(len(k) for k, _ in lines)
    text = "\n".join(f"{k:<{width}}  {v}" for k, v in lines)
    if "disclosure" in report:
        text += "\n" + _format_disclosure(report["disclosure"], width)
    return text


def _short(codes: Sequence[str], limit: int = 12) -> str:
    if not codes:
        return "none"
    shown = ", ".join(codes[:limit])
    return f"{len(codes)}: {shown}" + (", …" if len(codes) > limit else "")


def _format_disclosure(value: Any, width: int) -> str:
    if isinstance(value, Mapping):
        try:
            from vizkit.privacy import format_disclosure_report

            return format_disclosure_report(dict(value))
        except (ImportError, KeyError, TypeError, ValueError):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
    return f"{'disclosure':<{width}}  {value}"


def check_command(path: str, *, as_json: bool = False, min_count: int | None = None,
                  regions: str | None = None) -> int:
    """``vizkit check``: print the quality report of ``path``; return the exit code.

    Returns:
        0 when the file was read (whatever its quality); 2 when it (or ``regions``) could not
        be read, after printing a one-line reason to stderr (no traceback).
    """
    try:
        report = quality_report(path, regions=regions, min_count=min_count)
    except (DataError, OSError, ValueError, KeyError, TypeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"vizkit check: cannot read {path}: {reason}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(_jsonable(report), ensure_ascii=False, indent=1, default=str))
    else:
        print(format_report(report))
    return 0


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
