"""Open data in: statistics-office tables, regions and grids, with provenance.

Readers return tidy pandas DataFrames with metadata in ``DataFrame.attrs`` (always a
``"provenance"`` entry, a :class:`Provenance`). Bad input raises :class:`DataError`, whose
message names the file and the field. See ``docs/data.md``.
"""

from __future__ import annotations

from vizkit.data.crs import SWEREF99_TM, UTM33N, WGS84, project
from vizkit.data.errors import DataError
from vizkit.data.geojson import read_geojson, region_rings, simplify_regions
from vizkit.data.grid import (
    Grid,
    grid_from_frame,
    grid_from_ids,
    grid_points,
    inspire_id,
    parse_inspire_id,
    parse_ssbid,
    ssbid,
)
from vizkit.data.join import JoinReport, join_regions
from vizkit.data.jsonstat import read_jsonstat
from vizkit.data.levels import region_level, select_level
from vizkit.data.provenance import Provenance, attach, get_provenance
from vizkit.data.pxjson import read_px_json
from vizkit.data.pxweb import PxWebQuery, fetch, read_pxweb
from vizkit.data.read import read
from vizkit.data.tabular import read_csv, read_parquet, write_parquet
from vizkit.data.topojson import read_topojson

__all__ = [
    "SWEREF99_TM",
    "UTM33N",
    "WGS84",
    "DataError",
    "Grid",
    "JoinReport",
    "Provenance",
    "PxWebQuery",
    "attach",
    "fetch",
    "get_provenance",
    "grid_from_frame",
    "grid_from_ids",
    "grid_points",
    "inspire_id",
    "join_regions",
    "parse_inspire_id",
    "parse_ssbid",
    "project",
    "read",
    "read_csv",
    "read_geojson",
    "read_jsonstat",
    "read_parquet",
    "read_px_json",
    "read_pxweb",
    "read_topojson",
    "region_level",
    "region_rings",
    "select_level",
    "simplify_regions",
    "ssbid",
    "write_parquet",
]
