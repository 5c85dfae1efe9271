"""Open data in: statistics-office tables, regions and grids, with provenance.

Readers return tidy pandas DataFrames with metadata in ``DataFrame.attrs`` (always a
``"provenance"`` entry, a :class:`Provenance`). Bad input raises :class:`DataError`, whose
message names the file and the field. See ``docs/data.md``.

Names are imported on first use (:mod:`vizkit._lazy`), except :func:`read`: it shares its name
with the module :mod:`vizkit.data.read`, and Python binds a submodule to its package's attribute
when the submodule is first imported, so a lazy ``read`` would turn into the module as soon as
any code imported ``vizkit.data.read`` first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vizkit._lazy import lazy_exports
from vizkit.data.read import read, read_regions  # eager: see above

if TYPE_CHECKING:
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
    from vizkit.data.land import land_geometry, land_mask
    from vizkit.data.levels import region_level, select_level
    from vizkit.data.provenance import Provenance, attach, get_provenance
    from vizkit.data.pxjson import read_px_json
    from vizkit.data.pxweb import PxWebQuery, fetch, read_pxweb
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
    "land_geometry",
    "land_mask",
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
    "read_regions",
    "read_topojson",
    "region_level",
    "region_rings",
    "select_level",
    "simplify_regions",
    "ssbid",
    "write_parquet",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "SWEREF99_TM": "vizkit.data.crs",
    "UTM33N": "vizkit.data.crs",
    "WGS84": "vizkit.data.crs",
    "project": "vizkit.data.crs",
    "DataError": "vizkit.data.errors",
    "read_geojson": "vizkit.data.geojson",
    "region_rings": "vizkit.data.geojson",
    "simplify_regions": "vizkit.data.geojson",
    "Grid": "vizkit.data.grid",
    "grid_from_frame": "vizkit.data.grid",
    "grid_from_ids": "vizkit.data.grid",
    "grid_points": "vizkit.data.grid",
    "inspire_id": "vizkit.data.grid",
    "parse_inspire_id": "vizkit.data.grid",
    "parse_ssbid": "vizkit.data.grid",
    "ssbid": "vizkit.data.grid",
    "JoinReport": "vizkit.data.join",
    "join_regions": "vizkit.data.join",
    "land_geometry": "vizkit.data.land",
    "land_mask": "vizkit.data.land",
    "read_jsonstat": "vizkit.data.jsonstat",
    "region_level": "vizkit.data.levels",
    "select_level": "vizkit.data.levels",
    "Provenance": "vizkit.data.provenance",
    "attach": "vizkit.data.provenance",
    "get_provenance": "vizkit.data.provenance",
    "read_px_json": "vizkit.data.pxjson",
    "PxWebQuery": "vizkit.data.pxweb",
    "fetch": "vizkit.data.pxweb",
    "read_pxweb": "vizkit.data.pxweb",
    "read_csv": "vizkit.data.tabular",
    "read_parquet": "vizkit.data.tabular",
    "write_parquet": "vizkit.data.tabular",
    "read_topojson": "vizkit.data.topojson",
})
