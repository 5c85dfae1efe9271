"""Read any supported data file, choosing the reader from its name and content."""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import pandas as pd

from vizkit.data._load import load_json
from vizkit.data.errors import DataError
from vizkit.data.jsonstat import read_jsonstat
from vizkit.data.pxjson import is_px_json, read_px_json
from vizkit.data.tabular import read_csv, read_parquet

_ID_CANDIDATES = ("id", "kommun", "code", "kod", "lan_code", "l_id", "kn", "knkod")


def read(path: str | PathLike[str], *, id_property: str | None = None
         ) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Read a data file with the reader its format needs.

    ``.json``: JSON-stat (any version) or PxWeb plain json, told apart by content;
    ``.geojson`` (or JSON with ``"type": "FeatureCollection"``) and ``.topojson`` (or JSON with
    ``"type": "Topology"``, one object): regions, keyed by ``id_property`` (default: the first
    of ``id``, ``kommun``, ``code``, … that every feature has); ``.csv``/``.tsv``/``.txt``:
    :func:`~vizkit.data.read_csv`; ``.parquet``/``.pq``.

    Raises:
        DataError: unknown format, or any reader's error.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return read_csv(p)
    if suffix in (".parquet", ".pq"):
        return read_parquet(p)
    if suffix in (".json", ".geojson", ".topojson"):
        doc, _ = load_json(p)
        if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Topology"):
            from vizkit.data.geojson import read_geojson  # here: tables need no pyproj

            return read_geojson(p, id_property or _guess_id(doc, p))
        if is_px_json(doc):
            return _with_file(read_px_json(doc), p)
        return read_jsonstat(p)
    raise DataError(p, "(format)", "unknown file type; expected .json, .geojson, .topojson, "
                    ".csv or .parquet", suffix or None)


def read_regions(path: str | PathLike[str], *, id_property: str | None = None
                 ) -> pd.DataFrame:
    """Read a file that must hold region polygons (``vizkit check --regions``): a GeoJSON
    FeatureCollection of (Multi)Polygons, keyed as :func:`read` keys it.

    Raises:
        DataError: the file is not GeoJSON — the message names the path and what it is instead.
    """
    suffix = str(path).lower().rsplit(".", 1)[-1] if "." in str(path) else ""
    if suffix not in ("json", "geojson"):
        raise DataError(path, "(format)", "--regions needs a GeoJSON FeatureCollection of "
                        "region polygons; this is not a .geojson/.json file", suffix or None)
    doc, _ = load_json(path)
    kind = doc.get("type") or doc.get("class") if isinstance(doc, Mapping) else None
    if kind != "FeatureCollection":
        what = ("a JSON-stat table" if isinstance(doc, Mapping) and "dimension" in doc else
                f"JSON of type {kind!r}" if kind else f"a JSON {type(doc).__name__}")
        raise DataError(path, "type", f"--regions needs a GeoJSON FeatureCollection of region "
                        f"polygons; this is {what}")
    regions = read(path, id_property=id_property)
    assert isinstance(regions, pd.DataFrame)
    return regions


def _guess_id(doc: dict, path: Path) -> str:
    features = doc.get("features") or []
    if doc.get("type") == "Topology":  # the geometries of its (only) object
        objects = [o for o in (doc.get("objects") or {}).values() if isinstance(o, dict)]
        features = objects[0].get("geometries") or [] if len(objects) == 1 else []
    props = [f.get("properties") or {} for f in features if isinstance(f, dict)]
    for name in _ID_CANDIDATES:
        if props and all(name in pr for pr in props):
            return name
    raise DataError(path, "properties", "cannot guess the region id property; pass one",
                    sorted(props[0]) if props else None)


def _with_file(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    prov = frame.attrs.get("provenance")
    if prov is not None and getattr(prov, "file", None) is None:
        frame.attrs["provenance"] = prov.replace(file=str(path))
    return frame
