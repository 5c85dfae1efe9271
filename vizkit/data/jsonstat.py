"""JSON-stat 2.0 (dataset, collection) and 1.x (bundle) → tidy pandas DataFrames.

A JSON-stat dataset is a cube: ``id`` lists the dimensions, ``size`` their lengths, and ``value``
holds ``prod(size)`` cells in row-major order over ``id`` (the last dimension varies fastest),
either as a dense array or as a sparse object ``{"cell index": value}``. This module unrolls the
cube into one row per cell with numpy index arithmetic — cell ``i`` has category
``(i // stride[d]) % size[d]`` on dimension ``d`` — so no Python code runs per cell.

Output columns, in this order:

- per dimension ``d`` of ``id``: ``d`` (category code) and ``d_label`` (category label). Both are
  pandas ``Categorical`` columns whose categories are *strings* in the dimension's index order,
  so codes keep their leading zeros (``"0581"``) and sorting follows the publisher's order.
- ``value``: float64, NaN where the cell is ``null`` or absent from a sparse ``value``.
- ``status``: Categorical of strings (e.g. ``"."``, ``".."``), only when the dataset has ``status``.

``DataFrame.attrs`` holds ``title``, ``source``, ``updated``, ``notes`` (list of str), ``unit``
(metric category → unit dict), ``licence`` (SPDX), ``role``, ``dimensions`` (per id: label, size,
codes, labels, and ``child``/``coordinates``/``notes`` where the file has them), ``extension``,
``status_labels`` (status symbol → the publisher's meaning, ``{":": "not available"}``),
``metadata_only`` and ``provenance`` (a :class:`~vizkit.data.provenance.Provenance`).

**Published variants** read as well as the standard form:

- ``size`` written as strings (``["1", "12"]``, Ireland's CSO) — digit strings are lengths;
- ``status`` as the older Eurostat object ``{"value": [...], "category": {"label": {":": "not
  available"}}}`` (dense, with its own label table), or sparse/dense/single as the standard has
  it; the current Eurostat API's labels in ``extension.status.label`` are kept the same way;
- ``value`` cells written as strings (``"12.5"``), and missing-value symbols written into
  ``value`` (``".."``, ``":"``) — read as NaN, the symbol kept in ``status``;
- ``category.index`` positions written as strings;
- an error response (JSON-stat's ``error`` list, or ``"class": "error"``) is refused with the
  publisher's own message.


**Metadata responses** (PxWeb API v2 ``/metadata``) carry the dimensions but an empty
``value`` while ``size`` may promise millions of cells. They are read as a *dimensions-only*
result: a frame with zero rows, the usual columns (whose categories still list every code) and
``attrs["metadata_only"] = True``. Nothing of ``prod(size)`` is allocated.

PxWeb's plain ``"json"`` format (``columns``/``data``) is not JSON-stat; :func:`read_jsonstat`
refuses it with a message that points to :func:`vizkit.data.read_px_json`.

This module stays whole (a little over 400 lines) on purpose: it reads one format, and the
published variants, the status forms and the cube arithmetic all share its cell-index helpers
(``_cells``) and error context; split, each part would import the others' internals.

The module stays whole (about 460 lines): it is one format's reader — datasets, collections and
bundles, dense and sparse values and statuses, the publishers' variants — whose helpers share one
parsing context for their error messages; split up, the format would be scattered over files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data._load import Source, load_json
from vizkit.data.columns import MISSING
from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance, publisher_licence

#: Refuse to expand a sparse ``value`` object into more dense rows than this (pass
#: ``sparse=True`` to get only the stored cells instead).
MAX_DENSE_CELLS = 50_000_000


def read_jsonstat(source: Source, *, licence: str | None = None, sparse: bool = False,
                  url: str | None = None, retrieved: str | None = None
                  ) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read a JSON-stat document into tidy DataFrames.

    Args:
        source: Path to a ``.json`` file, or the parsed document (a mapping).
        licence: SPDX licence id to record when the document does not state one. Without it,
            the licence of a known publisher (SCB: CC0-1.0, Statistics Norway: CC-BY-4.0,
            Eurostat: CC-BY-4.0) is used, else ``None``.
        sparse: For a sparse ``value`` object, return only the stored cells instead of one row
            per cell of the cube.
        url: Where the document was fetched from (recorded in the provenance).
        retrieved: When it was fetched, ISO 8601 (recorded in the provenance).

    Returns:
        One DataFrame for a single dataset (also a bundle or collection holding one dataset);
        a dict name → DataFrame for a bundle or collection of several.

    Raises:
        DataError: invalid or truncated JSON, PxWeb plain json, a dimension in ``id`` that is
            not described, ``size`` not matching the categories or the number of values,
            non-numeric values. The message names the file and the field.
    """
    doc, file = load_json(source)
    ctx = _Context(file, licence, url, retrieved)
    datasets = _datasets(doc, ctx)
    frames = {name: _read_dataset(ds, ctx.at(path), sparse) for name, (path, ds) in
              datasets.items()}
    if len(frames) == 1:
        return next(iter(frames.values()))
    return frames


class _Context:
    """File name and caller options, plus the JSON path prefix of the dataset being read."""

    def __init__(self, file: str | None, licence: str | None, url: str | None,
                 retrieved: str | None, prefix: str = "") -> None:
        self.file, self.licence, self.url, self.retrieved = file, licence, url, retrieved
        self.prefix = prefix

    def at(self, prefix: str) -> _Context:
        return _Context(self.file, self.licence, self.url, self.retrieved, prefix)

    def error(self, field: str, reason: str, value: object = None) -> DataError:
        full = f"{self.prefix}.{field}" if self.prefix and field else (self.prefix or field)
        return DataError(self.file, full, reason, value)


def _datasets(doc: Any, ctx: _Context) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Name → (JSON path, dataset object) for every dataset in the document."""
    if not isinstance(doc, Mapping):
        raise ctx.error("(root)", f"expected a JSON object, got {type(doc).__name__}")
    if "columns" in doc and "data" in doc:
        raise ctx.error("columns", "this is PxWeb's plain 'json' format, not JSON-stat; read it "
                        "with vizkit.data.read_px_json() or request outputFormat=json-stat2")
    klass = doc.get("class")
    if klass == "error" or ("error" in doc and "dimension" not in doc):
        raise ctx.error("error", f"the publisher answered with an error: {error_text(doc)}")
    if klass == "dataset" or (klass is None and "value" in doc and "dimension" in doc):
        return {str(doc.get("label") or "dataset"): ("", doc)}
    if klass == "collection":
        items = (doc.get("link") or {}).get("item")
        if not isinstance(items, list) or not items:
            raise ctx.error("link.item", "a collection needs a non-empty 'link.item' list")
        out: dict[str, tuple[str, Mapping[str, Any]]] = {}
        for i, item in enumerate(items):
            path = f"link.item[{i}]"
            if not isinstance(item, Mapping) or "dimension" not in item:
                href = item.get("href") if isinstance(item, Mapping) else item
                raise ctx.error(path, "collection item is a link only (no embedded dataset); "
                                "fetch it separately", href)
            out[_unique(out, str(item.get("label") or f"item{i}"))] = (path, item)
        return out
    if klass in (None, "bundle"):  # JSON-stat 1.x bundle: name -> dataset
        out = {}
        for name, ds in doc.items():
            if isinstance(ds, Mapping) and "dimension" in ds:
                out[_unique(out, str(name))] = (str(name), ds)
        if out:
            return out
        raise ctx.error("(root)", "no JSON-stat dataset found (expected 'class', 'dimension' "
                        "and 'value', or a 1.x bundle of datasets)")
    raise ctx.error("class", "unsupported JSON-stat class (only dataset, collection and 1.x "
                    "bundles hold data)", klass)


def error_text(doc: Mapping[str, Any]) -> str:
    """The publisher's own words from a JSON-stat error response (``error`` list or object,
    or ``class: error`` with ``label``/``status``)."""
    errors = doc.get("error")
    items = errors if isinstance(errors, list) else [errors] if errors else [doc]
    parts = []
    for item in items:
        if not isinstance(item, Mapping):
            parts.append(str(item))
            continue
        status = item.get("status")
        words = item.get("label") or item.get("message") or item.get("detail") or item.get("id")
        parts.append(" ".join(str(x) for x in (status, words) if x not in (None, "")))
    return "; ".join(p for p in parts if p) or "no message given"


def _unique(existing: Mapping[str, object], name: str) -> str:
    out, n = name, 2
    while out in existing:
        out, n = f"{name} ({n})", n + 1
    return out


class _Dimension:
    """One dimension: id, label, category codes and labels in index order, units."""

    def __init__(self, dim_id: str, label: str, codes: list[str], labels: list[str],
                 unit: Mapping[str, Any] | None, extra: dict[str, Any] | None = None) -> None:
        self.id, self.label, self.codes, self.labels, self.unit = dim_id, label, codes, labels, unit
        self.extra = extra or {}  # child (hierarchy), coordinates (lon, lat), notes


def _dimensions(ds: Mapping[str, Any], ctx: _Context) -> tuple[list[_Dimension], dict[str, Any]]:
    dims = ds.get("dimension")
    if not isinstance(dims, Mapping):
        raise ctx.error("dimension", "missing or not an object")
    # JSON-stat 2.0 keeps id/size/role at the top; 1.x keeps them inside "dimension".
    ids = ds.get("id", dims.get("id"))
    sizes = ds.get("size", dims.get("size"))
    role = ds.get("role", dims.get("role")) or {}
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ctx.error("id", "missing or not a list of dimension ids", ids)
    if not isinstance(sizes, list) or len(sizes) != len(ids):
        raise ctx.error("size", f"must be a list with one length per id ({len(ids)})", sizes)
    out = []
    for i, dim_id in enumerate(ids):
        d = dims.get(dim_id)
        if not isinstance(d, Mapping):
            raise ctx.error(f"dimension.{dim_id}", "listed in 'id' but not described in "
                            "'dimension'")
        cat = d.get("category")
        if not isinstance(cat, Mapping):
            raise ctx.error(f"dimension.{dim_id}.category", "missing or not an object")
        codes = _codes(cat, ctx, f"dimension.{dim_id}.category")
        label_map = cat.get("label") or {}
        labels = [str(label_map.get(c, c)) for c in codes]
        size = sizes[i]
        if isinstance(size, str) and size.strip().isdigit():  # Ireland's CSO writes "12"
            size = int(size)
        if not isinstance(size, int) or isinstance(size, bool) or size != len(codes):
            raise ctx.error(f"size[{i}]", f"size of dimension {dim_id!r} does not match its "
                            f"{len(codes)} categories", size)
        extra = {key: cat[key] for key in ("child", "coordinates") if cat.get(key)}
        if isinstance(cat.get("note"), Mapping) and cat["note"]:
            extra["notes"] = {str(k): _notes(v) for k, v in cat["note"].items()}
        out.append(_Dimension(dim_id, str(d.get("label") or dim_id), codes, labels,
                              cat.get("unit"), extra))
    return out, dict(role)


def _codes(cat: Mapping[str, Any], ctx: _Context, field: str) -> list[str]:
    """Category codes in index order, as strings."""
    index = cat.get("index")
    if index is None:  # allowed when the dimension has a single category
        labels = cat.get("label")
        if not isinstance(labels, Mapping) or not labels:
            raise ctx.error(field, "has neither 'index' nor 'label'")
        return [str(k) for k in labels]
    if isinstance(index, list):
        return [str(k) for k in index]
    if isinstance(index, Mapping):
        keys = [str(k) for k in index]
        try:
            pos = np.asarray(list(index.values()), dtype=np.int64)
        except (TypeError, ValueError) as exc:
            raise ctx.error(f"{field}.index", "positions must be integers") from exc
        if not np.array_equal(np.sort(pos), np.arange(len(keys))):
            raise ctx.error(f"{field}.index", "positions must be 0..n-1, each once")
        ordered = np.empty(len(keys), dtype=object)
        ordered[pos] = keys
        return list(ordered)
    raise ctx.error(f"{field}.index", "must be an object or a list", type(index).__name__)


def _as_float(values: Sequence[Any], ctx: _Context, field: str,
              keys: npt.NDArray[np.int64] | None = None
              ) -> tuple[npt.NDArray[np.float64], dict[int, str]]:
    """Values as float64 (None → NaN) and the missing-value symbols written in their place
    (item position → symbol, e.g. ``".."``); a DataError names the first non-numeric one."""
    try:
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim == 1:
            return arr, {}
    except (TypeError, ValueError):
        pass
    # Not plain numbers: a scan (never on good data) for symbols, then for the first bad cell.
    symbols = {i: v.strip() for i, v in enumerate(values)
               if isinstance(v, str) and v.strip() in MISSING}
    if symbols:
        cleaned = [None if i in symbols else v for i, v in enumerate(values)]
        try:
            arr = np.asarray(cleaned, dtype=np.float64)
            if arr.ndim == 1:
                return arr, symbols
        except (TypeError, ValueError):
            pass
    bad = [i for i, v in enumerate(values) if v is not None and i not in symbols
           and not _is_number(v)]
    i = bad[0] if bad else 0
    where = int(keys[i]) if keys is not None else i
    raise ctx.error(f"{field}[{where}]", f"non-numeric value ({max(len(bad), 1)} such cells)",
                    values[i])


def _is_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        return False
    try:
        float(v)
    except ValueError:
        return False
    return True


def _cells(obj: Any, n: int, ctx: _Context, field: str
           ) -> tuple[npt.NDArray[np.int64] | None, Any]:
    """Split a dense list or sparse mapping into (cell indices or None if dense, items)."""
    if isinstance(obj, list):
        if len(obj) != n:
            raise ctx.error(field, f"has {len(obj)} entries but 'size' promises {n} cells")
        return None, obj
    if isinstance(obj, Mapping):
        try:
            keys = np.asarray(list(obj.keys())).astype(np.int64) if obj else np.zeros(0, np.int64)
        except ValueError as exc:
            raise ctx.error(field, "sparse keys must be cell indices") from exc
        if len(keys) and (keys.min() < 0 or keys.max() >= n):
            bad = int(keys[(keys < 0) | (keys >= n)][0])
            raise ctx.error(f"{field}[{bad}]", f"cell index outside the cube of {n} cells")
        return keys, list(obj.values())
    raise ctx.error(field, "must be a list or an object", type(obj).__name__)


def _read_dataset(ds: Mapping[str, Any], ctx: _Context, sparse: bool) -> pd.DataFrame:
    dims, role = _dimensions(ds, ctx)
    sizes = [len(d.codes) for d in dims]
    n = math.prod(sizes)
    if "value" not in ds:
        raise ctx.error("value", "missing")
    symbols: dict[int, str] = {}
    keys: npt.NDArray[np.int64] | None = None
    raw = ds["value"]
    metadata_only = isinstance(raw, (list, Mapping)) and len(raw) == 0 and n > 0
    if metadata_only:
        rows = np.zeros(0, dtype=np.int64)
        values = np.zeros(0, dtype=np.float64)
    else:
        keys, items = _cells(raw, n, ctx, "value")
        vals, symbols = _as_float(items, ctx, "value", keys)
        if keys is None:
            rows, values = None, vals
        elif sparse:
            order = np.argsort(keys, kind="stable")
            rows, values = keys[order], vals[order]
        else:
            if n > MAX_DENSE_CELLS:
                raise ctx.error("value", f"sparse cube of {n} cells is too large to expand; "
                                "pass sparse=True")
            rows, values = None, np.full(n, np.nan)
            values[keys] = vals
    columns: dict[str, Any] = {}
    count = n if rows is None else len(rows)
    cell = np.arange(n, dtype=np.int64) if rows is None else rows
    stride = n
    for d in dims:
        size = len(d.codes)
        stride //= size
        idx = (cell // stride) % size if size > 1 else np.zeros(count, dtype=np.int64)
        columns[d.id] = pd.Categorical.from_codes(idx, categories=pd.Index(d.codes, dtype=str))
        columns[f"{d.id}_label"] = _labels(idx, d.labels)
    columns["value"] = values
    status_labels: dict[str, str] = {}
    status_obj = ds.get("status")
    if status_obj is not None and not metadata_only:
        columns["status"], status_labels = _status(status_obj, n, rows, ctx)
    if symbols:  # symbols written into value: the cell's status, unless it has one
        cells = np.asarray(list(symbols)) if keys is None else keys[np.asarray(list(symbols))]
        columns["status"] = _with_symbols(columns.get("status"), n, rows, cells,
                                          list(symbols.values()))
    frame = pd.DataFrame(columns)
    frame.attrs.update(_attrs(ds, ctx, dims, role, metadata_only))
    extension = ds.get("extension") if isinstance(ds.get("extension"), Mapping) else {}
    ext_status = extension.get("status") if isinstance(extension.get("status"), Mapping) else {}
    if isinstance(ext_status.get("label"), Mapping):  # the current Eurostat API
        status_labels = {**{str(k): str(v) for k, v in ext_status["label"].items()},
                         **status_labels}
    frame.attrs["status_labels"] = status_labels
    return frame


def _labels(idx: npt.NDArray[np.int64], labels: list[str]) -> pd.Categorical | np.ndarray:
    if len(set(labels)) == len(labels):
        return pd.Categorical.from_codes(idx, categories=pd.Index(labels, dtype=str))
    return np.asarray(labels, dtype=object)[idx]  # duplicate labels cannot be categories


def _status(obj: Any, n: int, rows: npt.NDArray[np.int64] | None, ctx: _Context
            ) -> tuple[pd.Categorical, dict[str, str]]:
    """Status per output row as a Categorical of strings (missing where none is given), and
    the symbols' labels when the status carries its own label table (older Eurostat JSON)."""
    labels: dict[str, str] = {}
    field = "status"
    if isinstance(obj, Mapping) and "value" in obj and ("category" in obj or len(obj) == 1):
        category = obj.get("category") if isinstance(obj.get("category"), Mapping) else {}
        table = category.get("label") if isinstance(category.get("label"), Mapping) else {}
        labels = {str(k): str(v) for k, v in table.items()}
        obj, field = obj["value"], "status.value"
    return _status_codes(obj, n, rows, ctx, field), labels


def _status_codes(obj: Any, n: int, rows: npt.NDArray[np.int64] | None, ctx: _Context,
                  field: str) -> pd.Categorical:
    count = n if rows is None else len(rows)
    if isinstance(obj, str):
        return pd.Categorical.from_codes(np.zeros(count, np.int64), categories=[obj])
    if isinstance(obj, list) and len(obj) == 1 and n != 1:  # one status for every cell
        if obj[0] is None:
            return pd.Categorical.from_codes(np.full(count, -1, np.int64), categories=[])
        return _status_codes(str(obj[0]), n, rows, ctx, field)
    keys, items = _cells(obj, n, ctx, field)
    codes, uniques = pd.factorize(pd.Series(np.asarray(items, dtype=object)).astype(object))
    categories = pd.Index([str(u) for u in uniques], dtype=str)
    if keys is None:
        full = codes.astype(np.int64)
    else:
        full = np.full(n, -1, dtype=np.int64)
        full[keys] = codes
    if rows is not None:
        full = full[rows]
    return pd.Categorical.from_codes(full, categories=categories)


def _with_symbols(status: pd.Categorical | None, n: int, rows: npt.NDArray[np.int64] | None,
                  cells: npt.NDArray[np.int64], symbols: list[str]) -> pd.Categorical:
    """``status`` with ``symbols`` filled in at ``cells`` (cube positions) where it has none."""
    count = n if rows is None else len(rows)
    current = (np.full(count, None, dtype=object) if status is None
               else np.asarray(status.astype(object)))
    position = cells if rows is None else np.searchsorted(rows, cells)
    free = pd.isna(current[position])
    current[position[free]] = np.asarray(symbols, dtype=object)[free]
    return pd.Categorical(current)


def _notes(obj: Any) -> list[str]:
    if obj is None:
        return []
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, Mapping):
        return [str(v) for v in obj.values()]
    return [str(v) for v in obj]


def _attrs(ds: Mapping[str, Any], ctx: _Context, dims: list[_Dimension], role: dict[str, Any],
           metadata_only: bool) -> dict[str, Any]:
    extension = ds.get("extension") if isinstance(ds.get("extension"), Mapping) else {}
    metric = (role.get("metric") or [None])[0]
    unit: dict[str, Any] = {}
    for d in dims:
        if d.unit and (metric is None or d.id == metric):
            unit.update({str(k): v for k, v in d.unit.items()})
    source = str(ds.get("source") or "")
    licence = (ds.get("license") or ds.get("licence") or extension.get("licence")
               or extension.get("license") or ctx.licence or publisher_licence(source))
    title = str(ds.get("label") or "")
    updated = ds.get("updated")
    prov = Provenance(source=source, licence=licence, updated=updated, retrieved=ctx.retrieved,
                      url=ctx.url or ds.get("href"), title=title,
                      citation_text=str(extension.get("citation") or ""),
                      modelled=bool(extension.get("modelled", False)), file=ctx.file)
    return {
        "title": title,
        "source": source,
        "updated": updated,
        "notes": _notes(ds.get("note")),
        "unit": unit,
        "licence": licence,
        "role": role,
        "dimensions": {d.id: {"label": d.label, "size": len(d.codes), "codes": d.codes,
                              "labels": d.labels, **d.extra} for d in dims},
        "extension": dict(extension),
        "metadata_only": metadata_only,
        "provenance": prov,
    }
