"""PxWeb's plain ``"json"`` response format (not JSON-stat) → tidy DataFrame.

PxWeb API v1 can answer ``{"response": {"format": "json"}}`` with::

    {"columns": [{"code": "Region", "text": "region", "type": "d"}, ...,
                 {"code": "BE0101N1", "text": "Folkmängd", "type": "c"}],
     "data": [{"key": ["0180", "2017"], "values": ["949761"]}, ...],
     "metadata": [{"label": ..., "source": "SCB", "updated": "..."}]}

Column ``type`` is ``d`` (dimension), ``t`` (time) or ``c`` (content). Keys and values are
strings. The frame has one column per ``d``/``t`` column (codes as strings), then
``ContentsCode`` (the ``c`` column's code) and ``value`` (float64); PX missing-value symbols
(``".."``, ``"..."``, ``"-"`` …) become NaN and are kept in ``status``. There are no category
labels in this format; column texts are in ``attrs["column_labels"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from vizkit.data._load import Source, load_json
from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance, publisher_licence

#: PX-file symbols for missing or special values.
PX_MISSING = ("..", "...", "....", ".....", "......", "-", ".")


def is_px_json(doc: Any) -> bool:
    """True for a PxWeb plain-json document (``columns`` + ``data``)."""
    return isinstance(doc, Mapping) and "columns" in doc and "data" in doc


def read_px_json(source: Source, *, licence: str | None = None) -> pd.DataFrame:
    """Read a PxWeb plain-json response.

    Args:
        source: Path to the file, or the parsed document.
        licence: SPDX licence id when the publisher's default is not wanted.

    Returns:
        Tidy DataFrame: one row per data record and content column.

    Raises:
        DataError: not this format, malformed columns or records, non-numeric values.
    """
    doc, file = load_json(source)
    if not is_px_json(doc):
        raise DataError(file, "columns", "not PxWeb plain json (needs 'columns' and 'data')")
    columns = doc["columns"]
    if not isinstance(columns, list) or not all(isinstance(c, Mapping) and "code" in c
                                                for c in columns):
        raise DataError(file, "columns", "must be a list of objects with 'code'")
    keys = [str(c["code"]) for c in columns if c.get("type", "d") != "c"]
    contents = [c for c in columns if c.get("type") == "c"]
    if not contents:
        raise DataError(file, "columns", "no content column (type 'c')")
    data = doc["data"]
    if not isinstance(data, list):
        raise DataError(file, "data", "must be a list of records")
    try:  # records are parsed JSON objects: one comprehension to flatten them
        table = np.array([list(r["key"]) + list(r["values"]) for r in data], dtype=object)
    except (KeyError, TypeError) as exc:
        raise DataError(file, "data", "records need 'key' and 'values' lists") from exc
    width = len(keys) + len(contents)
    if len(data) and (table.ndim != 2 or table.shape[1] != width):
        raise DataError(file, "data", f"every record needs {len(keys)} keys and "
                        f"{len(contents)} values")
    table = table.reshape(len(data), width)
    n = len(data)
    out: dict[str, Any] = {k: pd.array(np.tile(table[:, i], len(contents)), dtype=str)
                           for i, k in enumerate(keys)}
    codes = [str(c["code"]) for c in contents]
    out["ContentsCode"] = pd.Categorical.from_codes(np.repeat(np.arange(len(codes)), n),
                                                    categories=pd.Index(codes, dtype=str))
    raw = pd.Series(table[:, len(keys):].T.reshape(-1), dtype=str).str.strip()
    missing = raw.isin(PX_MISSING)
    value = pd.to_numeric(raw.where(~missing), errors="coerce")
    bad = np.flatnonzero(value.isna().to_numpy() & ~missing.to_numpy())
    if len(bad):
        i = int(bad[0])
        raise DataError(file, f"data[{i % n}].values[{i // n}]", "non-numeric value",
                        raw.iloc[i])
    out["value"] = value.to_numpy(dtype=np.float64)
    if missing.any():
        out["status"] = pd.Categorical(raw.where(missing).to_numpy())
    frame = pd.DataFrame(out)
    meta = (doc.get("metadata") or [{}])[0] or {}
    source_name = str(meta.get("source") or "")
    lic = licence or publisher_licence(source_name)
    frame.attrs.update({
        "title": str(meta.get("label") or ""),
        "source": source_name,
        "updated": meta.get("updated"),
        "notes": [str(c.get("comment", c)) for c in doc.get("comments") or []],
        "licence": lic,
        "column_labels": {str(c["code"]): str(c.get("text", "")) for c in columns},
        "column_types": {str(c["code"]): str(c.get("type", "d")) for c in columns},
        "provenance": Provenance(source=source_name, licence=lic, updated=meta.get("updated"),
                                 title=str(meta.get("label") or ""), file=file),
    })
    return frame
