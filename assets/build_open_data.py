"""Build vizkit's real open-data assets (``assets/open/``) from the published files.

Run from the repository root::

    python assets/build_open_data.py [--source ../shared/data/open] [--out assets/open] [--check]

``--source`` is the folder of unchanged published files described in its README (default
``../shared/data/open`` beside the repository). Without ``--check`` the assets are (re)written;
with ``--check`` they are built into a temporary folder and compared with the committed ones
(content-equal: same rows and values, same JSON), exit status 1 on any difference.

The R serialisations are read with the ``rdata`` package (MIT; ``pip install ".[build]"``), never
a runtime dependency of vizkit. Output is deterministic: rows sorted, coordinates rounded to
whole metres, degrees to 6 decimals, JSON written with fixed key order. The build checks what it
writes against the sources and against the totals published in the source folder's README
(Σ commuters, Σ home-kommune workers and non-zero cells per year, Σ persons and cells per grid
year), and that every flow code has a boundary and a centroid in its own kommune structure; a
failed check stops the build with one line naming the file and the numbers.

Norway's kommune codes come in **three** structures in these years, not two: 2017 (426
kommuner), 2018–2019 (422; Trøndelag's kommuner were renumbered 50xx in 2018) and 2020–2022
(356, the 2020 reform). Every table carries a ``structure`` column and every boundary file
names its structure, so codes of different structures are never joined silently.

This file is one linear recipe (read → check → write, per dataset) and stays in one piece so it
can be run as a script and imported by the tests; that is why it is longer than 400 lines.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import multiprocessing
import shutil
import sys
import tempfile
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "open"
DEFAULT_OUT = ROOT / "assets" / "open"

PENDLING = "norway/ssb_pendling_03321"
GRID = "norway/ssb_grid_1km"
KARTVERKET = "norway/kartverket_boundaries_robhop"
SE_BOUNDARIES = "sweden/scb_boundaries_swemapdata"
SE_CODES = "sweden/scb_codes_sjbrg"

NO_CRS, SE_CRS = "EPSG:25833", "EPSG:3006"
YEARS = list(range(2017, 2023))
GRID_YEARS = [2001, 2007, 2013, 2019]
#: Kommune structure of each year's codes, and where its polygons come from.
STRUCTURE = {2017: "2017", 2018: "2018-2019", 2019: "2018-2019",
             2020: "2020-2022", 2021: "2020-2022", 2022: "2020-2022"}
SHAPES = {"2017": "komm_shape2017", "2018-2019": "komm_shape2019", "2020-2022": "kartverket"}

#: Published totals from the source folder's README (its tables), checked on every build:
#: year → (Σ value, non-zero cells, Σ diagonal, kommuner).
FLOW_TOTALS = {2017: (2_609_737, 29_632, 1_710_155, 426), 2018: (2_667_158, 30_263, 1_737_492, 422),
               2019: (2_691_283, 30_529, 1_740_395, 422), 2020: (2_673_248, 25_424, 1_783_408, 356),
               2021: (2_753_966, 26_236, 1_822_120, 356), 2022: (2_809_789, 26_923, 1_849_365, 356)}
GRID_TOTALS = {2001: (55_991, 4_445_028), 2007: (55_569, 4_667_394),
               2013: (55_130, 5_028_982), 2019: (54_988, 5_317_737)}

SSB = "Statistics Norway (SSB)"
SSB_CREDIT = "Source: Statistics Norway (SSB)"
KARTVERKET_CREDIT = "© Kartverket, CC BY 4.0"
ROBHOP_SOURCE = "Kartverket (simplified by robhop/fylker-og-kommuner)"
PENDLING_REPO = {"repository": "statisticsnorway/pendling",
                 "commit": "b3d34483cc46755f683e2bb398853f32bf62783b", "commit_date": "2023-09-29",
                 "licence": "Apache-2.0", "licence_file": "LICENSE-statisticsnorway-pendling.txt"}
GRID_REPO = {"repository": "jgaffuri/tiled-grid-norway",
             "commit": "d9da9c5dc06e7b8318b0270ddb2302bcf3d844d5", "commit_date": "2023-10-16",
             "licence": "none stated; SSB's NLOD applies to its own files"}
ROBHOP_REPO = {"repository": "robhop/fylker-og-kommuner",
               "commit": "ae8782500090144c2b74d6bb2a89365a7ff2236d", "commit_date": "2025-04-08",
               "licence": "CC-BY-4.0 (Kartverket data, stated in the repository README)"}
SWEMAP_REPO = {"repository": "borstell/swemapdata",
               "commit": "2dcca1da76662582ddb499d69d7b38bbb12f242c", "commit_date": "2025-12-31",
               "licence": "CC0 (package DESCRIPTION)"}
SJBRG_REPO = {"repository": "sjbrg/swedish-geodata",
              "commit": "03b0a24be1f08f1b7127a1e1fc74fa5e81a6b1ba", "commit_date": None,
              "licence": "CC0-1.0 (repository LICENSE)"}
RINDAL_2019 = ("source quirk kept: in 2019 Rindal (1567; renumbered 5061 when it moved to "
               "Trøndelag on 1 January 2019) is 0 in every cell and 5061 is absent — the "
               "source app dropped codes missing from its 2019 map — so Rindal's ~1,000 employed "
               "residents are missing from 2019")
RETRIEVED_NOTE = ("'retrieved' is the date of the source repository commit the unchanged files "
                  "were copied from (their git blob ids match that commit); the copy date itself "
                  "was not recorded.")


class BuildError(RuntimeError):
    """A source that does not hold what the build expects (message: file, what, numbers)."""


def check(ok: bool, where: str, what: str) -> None:
    """Stop the build with ``where: what`` unless ``ok``."""
    if not ok:
        raise BuildError(f"{where}: {what}")


# --- reading the R files --------------------------------------------------------------------

def read_rds_files(paths: list[Path]) -> list[tuple[pd.DataFrame, list[str]]]:
    """Read several ``.rds`` files with rdata, two at a time (rdata parses in pure Python:
    a 181k-row commuting matrix takes ~8 s). Returns ``(frame, comment)`` per file."""
    ctx = multiprocessing.get_context("fork")  # the worker needs no pickling of this module
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        return list(pool.map(read_rds_with_comment, paths))


def read_rds_with_comment(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """One ``.rds`` data frame and its R ``comment`` attribute (SSB's table title, publisher
    and update time; ``[]`` when absent), which rdata's conversion drops."""
    import rdata

    parsed = rdata.parser.parse_file(path)
    comment: list[str] = []
    attr = parsed.object.attributes
    while attr is not None and attr.info.type.name == "LIST":
        tag = attr.tag.referenced_object if attr.tag.info.type.name == "REF" else attr.tag
        if tag.value.value == b"comment":
            comment = [s.value.decode("utf-8") for s in attr.value[0].value]
        attr = attr.value[1]
    return rdata.conversion.convert(parsed), comment


def read_rda(path: Path) -> Any:
    """The single object of an ``.RData``/``.rda`` file (sp/sf classes come back as
    namespaces; rdata warns that it has no constructor for them, which is expected)."""
    import rdata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        objects = rdata.read_rda(path)
    check(len(objects) == 1, str(path), f"expected one object, found {sorted(objects)}")
    return next(iter(objects.values()))


def r_strings(path: Path, prefix: bytes) -> list[str]:
    """Every string in an R file that starts with ``prefix`` (e.g. an sf object's WKT)."""
    import rdata

    found: list[str] = []
    stack, seen = [rdata.parser.parse_file(path).object], set()
    while stack:
        obj = stack.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        value = getattr(obj, "value", None)
        if isinstance(value, bytes) and value.startswith(prefix):
            found.append(value.decode("utf-8"))
        elif isinstance(value, (list, tuple)):  # vectors: list; pairlists: (car, cdr)
            stack.extend(v for v in value if hasattr(v, "info"))
        stack.extend(x for x in (getattr(obj, "attributes", None), getattr(obj, "tag", None),
                                 getattr(obj, "referenced_object", None)) if x is not None)
    return found


# --- geometry ---------------------------------------------------------------------------------

def clean_ring(xy: np.ndarray, exterior: bool) -> np.ndarray | None:
    """Round to whole metres, drop repeated points, close, orient (RFC 7946: exteriors
    counter-clockwise, holes clockwise). None when fewer than 3 distinct points remain."""
    r = np.round(np.asarray(xy, dtype=np.float64)[:, :2]).astype(np.int64)
    keep = np.ones(len(r), dtype=bool)
    keep[1:] = (r[1:] != r[:-1]).any(axis=1)
    r = r[keep]
    if len(r) > 1 and (r[0] == r[-1]).all():
        r = r[:-1]
    if len(r) < 3:
        return None
    x, y = r[:, 0].astype(np.float64), r[:, 1].astype(np.float64)
    signed = np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)
    if (signed > 0) != exterior:
        r = r[::-1]
    return np.vstack([r, r[:1]])


def clean_polygons(polygons: list[list[np.ndarray]]) -> tuple[list[list[list[list[int]]]], int]:
    """:func:`clean_ring` for every ring; returns GeoJSON MultiPolygon coordinates and how many
    rings vanished (smaller than a metre)."""
    out, dropped = [], 0
    for poly in polygons:
        rings = [clean_ring(r, k == 0) for k, r in enumerate(poly)]
        if rings[0] is None:
            dropped += len(rings)
            continue
        dropped += sum(r is None for r in rings)
        out.append([r.tolist() for r in rings if r is not None])
    return out, dropped


def sp_polygons(sp: Any, where: str) -> dict[str, list[list[np.ndarray]]]:
    """An sp ``SpatialPolygonsDataFrame`` → ``NR code → polygons`` (lon/lat rings). sp keeps a
    flat ring list per feature with ``hole`` flags; each hole goes to the exterior that
    contains it."""
    import shapely

    data = sp.data
    check(len(data) == len(sp.polygons), where, "data rows and polygons differ in number")
    out: dict[str, list[list[np.ndarray]]] = {}
    for i, feature in enumerate(sp.polygons):
        check(str(feature.ID[0]) == str(data.index[i]), where, f"polygon {i} has ID "
              f"{feature.ID[0]} but data row {data.index[i]}")
        rings = [(np.asarray(p.coords, dtype=np.float64), bool(p.hole[0]))
                 for p in feature.Polygons]
        polys = [[xy] for xy, hole in rings if not hole]
        for xy, hole in rings:
            if hole:
                inside = shapely.Polygon(xy).representative_point()
                owner = [p for p in polys if shapely.Polygon(p[0]).contains(inside)]
                check(len(owner) == 1, where, f"hole of feature {i} has no single exterior")
                owner[0].append(xy)
        out[str(data["NR"].iloc[i])] = polys
    return out


def projected(polygons: list[list[np.ndarray]], src: str, dst: str) -> list[list[np.ndarray]]:
    """Project every ring (one pyproj call per ring; a few thousand rings per file)."""
    from vizkit.data.crs import project

    return [[np.column_stack(project(r[:, 0], r[:, 1], src, dst)) for r in poly]
            for poly in polygons]


def write_geojson(path: Path, name: str, crs: str, features: list[tuple[dict, list]]) -> int:
    """A FeatureCollection of MultiPolygons in projected metres with a legacy ``crs`` member
    (which :func:`vizkit.data.read_geojson` reads), one feature per line, sorted by code.
    Returns the number of rings dropped by rounding."""
    dropped, lines = 0, []
    for props, polygons in sorted(features, key=lambda f: f[0]["code"]):
        coords, gone = clean_polygons(polygons)
        dropped += gone
        check(bool(coords), str(path), f"region {props['code']} vanished when rounded")
        lines.append(json.dumps({"type": "Feature", "properties": props, "geometry": {
            "type": "MultiPolygon", "coordinates": coords}}, ensure_ascii=False,
            separators=(",", ":")))
    epsg = crs.split(":")[1]
    head = json.dumps({"type": "FeatureCollection", "name": name, "crs": {
        "type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}},
        ensure_ascii=False, separators=(",", ":"))[:-1]
    path.write_text(head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    return dropped


# --- writing tables ---------------------------------------------------------------------------

def write_csv(df: pd.DataFrame, path: Path) -> None:
    """UTF-8, comma, LF, no index; floats as written by the caller (already rounded)."""
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Parquet (zstd) without index; provenance lives in the sidecar, not in the file."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table.replace_schema_metadata(None), path, compression="zstd")


def write_provenance(data_path: Path, **fields: Any) -> None:
    """``<stem>.provenance.json``: the fields of :class:`vizkit.data.Provenance` first (what
    :func:`vizkit.data.provenance.sidecar_provenance` reads), then the build's own record."""
    base = {"source": "", "licence": None, "updated": None, "retrieved": None, "url": None,
            "title": "", "citation_text": "", "modelled": False}
    base.update(fields)
    side = data_path.with_name(f"{data_path.stem}.provenance.json")
    side.write_text(json.dumps(base, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- the datasets -----------------------------------------------------------------------------

def build_commuting(src: Path, out: Path) -> dict[str, set[str]]:
    """Flows (03321) and kommune figures (11618); returns the codes of each structure."""
    folder = src / PENDLING
    frames = read_rds_files([folder / f"data_pendling{y}.rds" for y in YEARS]
                            + [folder / f"data_kommune{y}.rds" for y in YEARS])
    flows_by_year = [frame for frame, _ in frames[:len(YEARS)]]
    kommune_by_year = [frame for frame, _ in frames[len(YEARS):]]
    codes: dict[str, set[str]] = {}
    od, home, figures, totals = [], [], [], {}
    for year, raw, kom in zip(YEARS, flows_by_year, kommune_by_year, strict=True):
        where = str(folder / f"data_pendling{year}.rds")
        check(set(raw["ContentsCode"]) == {"Sysselsatte"} and set(raw["Tid"]) == {str(year)},
              where, "expected ContentsCode 'Sysselsatte' and one year")
        check(not raw["value"].isna().any(), where, "NA values")
        frame = pd.DataFrame({"origin": raw["Bokommuen"].astype(str).to_numpy(),
                              "destination": raw["ArbstedKomm"].astype(str).to_numpy(),
                              "commuters": raw["value"].to_numpy(np.int64)})
        kommuner = sorted(set(frame["origin"]))
        structure = STRUCTURE[year]
        codes.setdefault(structure, set(kommuner))
        check(codes[structure] == set(kommuner) == set(frame["destination"]), where,
              f"codes differ from the other years of structure {structure}")
        check(all(len(c) == 4 and c.isdigit() for c in kommuner), where, "non-4-digit codes")
        total, nonzero, diagonal, n = FLOW_TOTALS[year]
        check(len(frame) == n * n and len(kommuner) == n, where, f"{len(kommuner)} kommuner, "
              f"{len(frame)} rows; README says {n}² rows")
        is_home = frame["origin"] == frame["destination"]
        off = frame[~is_home & (frame["commuters"] > 0)]
        diag = frame[is_home]
        got = (int(frame["commuters"].sum()), int((frame["commuters"] > 0).sum()),
               int(diag["commuters"].sum()))
        check(got == (total, nonzero, diagonal), where, f"Σ value, non-zero cells, Σ diagonal "
              f"= {got}; README says {(total, nonzero, diagonal)}")
        check(int(off["commuters"].sum()) + got[2] == total, where, "kept rows lose commuters")
        od.append(off.assign(structure=structure, year=year))
        home.append(diag[["origin", "commuters"]].rename(columns={
            "origin": "kommune_code", "commuters": "employed_in_home_kommune"})
            .assign(structure=structure, year=year))
        totals[str(year)] = {"commuters_between_kommuner": int(off["commuters"].sum()),
                             "flows": len(off), "employed_in_home_kommune": got[2],
                             "all_employed_in_matrix": total}
        kwhere = str(folder / f"data_kommune{year}.rds")
        wide = kom.pivot(index="Region", columns="ContentsCode", values="value")
        check(set(kom["Kjonn"]) == {"0"} and set(kom["Alder"]) == {"15-74"}, kwhere,
              "expected both sexes, age 15-74")
        check(set(wide.index.astype(str)) == set(kommuner), kwhere, "codes differ from flows")
        figures.append(pd.DataFrame({
            "structure": structure, "year": year, "kommune_code": wide.index.astype(str),
            "residents_15_74": wide["BefolkningBosted"].to_numpy(np.int64),
            "employed_by_residence": wide["SysselBosted"].to_numpy(np.int64),
            "employed_by_workplace": wide["SysselArbsted"].to_numpy(np.int64)}))
    d22 = od[-1]
    top = d22.loc[d22["commuters"].idxmax()]
    check((len(d22), int(d22["commuters"].sum()), top["origin"], top["destination"],
           int(top["commuters"])) == (26_567, 960_424, "3024", "0301", 29_502),
          "data_pendling2022.rds", "2022 off-diagonal flows differ from the README")

    cols = ["structure", "year", "origin", "destination", "commuters"]
    flows = (pd.concat(od)[cols].sort_values(["year", "origin", "destination"])
             .reset_index(drop=True).astype({"year": "int16", "commuters": "int32"}))
    write_parquet(flows, out / "no_commuting_od.parquet")
    within = (pd.concat(home)[["structure", "year", "kommune_code", "employed_in_home_kommune"]]
              .sort_values(["year", "kommune_code"]))
    write_csv(within, out / "no_commuting_within.csv")
    kommune = pd.concat(figures).sort_values(["year", "kommune_code"])
    write_csv(kommune, out / "no_kommune_employment.csv")

    comment, comment_k = frames[len(YEARS) - 1][1], frames[-1][1]
    check(len(comment) == 3 and comment[0].startswith("03321"), "data_pendling2022.rds",
          f"unexpected comment {comment}")
    check(len(comment_k) == 3 and comment_k[0].startswith("11618"), "data_kommune2022.rds",
          f"unexpected comment {comment_k}")
    sources = dict(PENDLING_REPO, paths=[f"data/data_pendling{y}.rds" for y in YEARS])
    common = dict(source=SSB, licence="NLOD-2.0 AND Apache-2.0", updated=comment[2][:10],
                  retrieved=PENDLING_REPO["commit_date"], credit=SSB_CREDIT,
                  publisher_comment=comment, retrieved_note=RETRIEVED_NOTE,
                  structures=_structure_note())
    write_provenance(
        out / "no_commuting_od.parquet", **common,
        url="https://www.ssb.no/statbank/table/03321/",
        title="Commuting between Norwegian kommuner 2017–2022: employed persons aged 15–74 in "
              "the 4th quarter, by residence kommune (origin) and workplace kommune "
              "(destination), off-diagonal non-zero flows (SSB table 03321)",
        citation_text="Statistics Norway (SSB), StatBank table 03321 (Sysselsatte 15–74 år per "
                      "4. kvartal, pendlingsstrømmer), 2017–2022, via statisticsnorway/pendling "
                      "(Apache-2.0). NLOD.",
        table="03321", sources=[sources], totals=totals,
        processing=[
            "read the six .rds files with the rdata package",
            "renamed Bokommuen → origin (residence), ArbstedKomm → destination (workplace), "
            "value → commuters; dropped ContentsCode (always 'Sysselsatte') and Tid (→ year)",
            "kept rows with origin != destination and commuters > 0 (the diagonal is in "
            "no_commuting_within.csv)",
            "added structure (kommune codes of 2017, 2018-2019 or 2020-2022)",
            "no other filter, no rounding, no suppression; codes kept as 4-digit strings",
            "upstream (make_data.R): Svalbard, continental shelf, unknown and abroad dropped",
            RINDAL_2019])
    write_provenance(
        out / "no_commuting_within.csv", **common,
        url="https://www.ssb.no/statbank/table/03321/",
        title="Employed persons aged 15–74 (4th quarter) working in their home kommune, "
              "Norway 2017–2022: the diagonal of SSB table 03321",
        citation_text="Statistics Norway (SSB), StatBank table 03321, diagonal, 2017–2022, via "
                      "statisticsnorway/pendling (Apache-2.0). NLOD.",
        table="03321", sources=[sources], totals=totals,
        processing=["read with rdata; kept rows with Bokommuen == ArbstedKomm (zeros kept)",
                    "columns: kommune_code (4-digit string), employed_in_home_kommune",
                    RINDAL_2019])
    write_provenance(
        out / "no_kommune_employment.csv",
        **dict(common, publisher_comment=comment_k, updated=comment_k[2][:10]),
        url="https://www.ssb.no/statbank/table/11618/",
        title="Residents aged 15–74 and employed persons 15–74 by residence and by workplace, "
              "per Norwegian kommune, 4th quarter, 2017–2022 (SSB table 11618)",
        citation_text="Statistics Norway (SSB), StatBank table 11618 (Befolkning og sysselsatte "
                      "per 4. kvartal), 2017–2022, via statisticsnorway/pendling (Apache-2.0). "
                      "NLOD.",
        table="11618",
        sources=[dict(PENDLING_REPO, paths=[f"data/data_kommune{y}.rds" for y in YEARS])],
        processing=[
            "read with rdata; kept Kjonn '0' (both sexes), Alder '15-74' (the only values)",
            "one row per kommune and year: BefolkningBosted → residents_15_74, SysselBosted → "
            "employed_by_residence, SysselArbsted → employed_by_workplace",
            "no filter, no rounding; note: in 2019 Σ employed_by_workplace (2,691,643) is 360 "
            "above Σ of the 03321 matrix (2,691,283); the other years agree exactly",
            RINDAL_2019])
    return codes


def _structure_note() -> str:
    return ("Kommune codes belong to one of three structures: 2017 (426 kommuner), 2018-2019 "
            "(422) and 2020-2022 (356); join a year only to the boundaries and centroids of "
            "its structure.")


def build_centroids(src: Path, out: Path, codes: dict[str, set[str]]) -> None:
    """Label points per year (komm_punkt), with projected x, y."""
    from vizkit.data.crs import WGS84, project

    rows = []
    for year in YEARS:
        where = str(src / PENDLING / f"komm_punkt{year}.RData")
        pts = read_rda(src / PENDLING / f"komm_punkt{year}.RData")
        code = pts["NR"].astype(str).to_numpy()
        check(set(code) == codes[STRUCTURE[year]], where, "NR codes differ from the flows")
        x, y = project(pts["lng"].to_numpy(float), pts["lat"].to_numpy(float), WGS84, NO_CRS)
        rows.append(pd.DataFrame({
            "structure": STRUCTURE[year], "year": year, "kommune_code": code,
            "name": pts["NAVN"].astype(str).to_numpy(),
            "lon": np.round(pts["lng"].to_numpy(float), 6),
            "lat": np.round(pts["lat"].to_numpy(float), 6),
            "x": np.round(x).astype(np.int64), "y": np.round(y).astype(np.int64)}))
    table = pd.concat(rows).sort_values(["year", "kommune_code"])
    write_csv(table, out / "no_kommune_centroids.csv")
    write_provenance(
        out / "no_kommune_centroids.csv", source=f"{SSB}; Kartverket (N5000)",
        licence="CC-BY-4.0 AND Apache-2.0", retrieved=PENDLING_REPO["commit_date"],
        url="https://github.com/statisticsnorway/pendling",
        title="Label points of Norwegian kommuner per year, 2017–2022 (SSB's commuting app, "
              "from Kartverket's N5000 map)",
        citation_text="Kommune label points from statisticsnorway/pendling (Apache-2.0), "
                      "computed from Kartverket N5000 (© Kartverket, CC BY 4.0).",
        credit=f"{SSB_CREDIT}; {KARTVERKET_CREDIT}", retrieved_note=RETRIEVED_NOTE,
        structures=_structure_note(),
        sources=[dict(PENDLING_REPO, paths=[f"data/komm_punkt{y}.RData" for y in YEARS])],
        processing=[
            "read with rdata; NR → kommune_code (join key), NAVN → name (the app's names, "
            "duplicates disambiguated such as 'Nes (Akershus)'), lng/lat → lon/lat rounded to "
            "6 decimals",
            "x, y: lon/lat projected to EPSG:25833 (ETRS89 / UTM 33N) with pyproj, rounded to "
            "whole metres",
            "points are sp::coordinates() label points of the largest ring, not area centroids",
            "dropped OBJECTID, OBJTYPE, KOMM, Shape_Leng, Shape_Area"])


def build_no_boundaries(src: Path, out: Path, codes: dict[str, set[str]]) -> None:
    """Kommuner per structure and fylker 2020, projected to EPSG:25833."""
    from vizkit.data.crs import WGS84
    from vizkit.data.topojson import read_topojson

    common = dict(credit=f"{KARTVERKET_CREDIT}; {SSB_CREDIT}", retrieved_note=RETRIEVED_NOTE,
                  structures=_structure_note())
    steps = ["coordinates projected from WGS84 lon/lat to EPSG:25833 (ETRS89 / UTM 33N) with "
             "pyproj, rounded to whole metres; repeated points removed; rings oriented as in "
             "RFC 7946; written as MultiPolygons with a legacy crs member",
             "no further simplification: the source is already generalised, and simplifying "
             "each polygon on its own would open slivers between neighbours"]
    for structure, shape in SHAPES.items():
        path = out / f"no_kommuner_{structure}.geojson"
        if shape == "kartverket":
            topo = src / KARTVERKET / "Kommuner-medium.topojson"
            regions = read_topojson(topo, "kommunenummer", id_width=4, crs=NO_CRS)
            features = [({"code": code, "name": row["navn"]}, row["geometry"])
                        for code, row in regions.iterrows()]
            meta = dict(source=ROBHOP_SOURCE, licence="CC-BY-4.0",
                        retrieved=ROBHOP_REPO["commit_date"],
                        url="https://kartkatalog.geonorge.no/metadata/"
                            "cbbdf78c-fa3a-48bf-8f3f-9eec74e428fd",
                        citation_text="Kommuner 2020, © Kartverket (CC BY 4.0), simplified by "
                                      "robhop/fylker-og-kommuner.",
                        sources=[dict(ROBHOP_REPO, paths=["2020/Kommuner-medium.topojson"])],
                        processing=["read with vizkit.data.read_topojson (object 'Kommuner'); "
                                    "kommunenummer zero-padded to 4 digits → code, navn → name",
                                    *steps])
        else:
            where = str(src / PENDLING / f"{shape}.RData")
            sp = read_rda(src / PENDLING / f"{shape}.RData")
            check("longlat" in str(sp.proj4string.projargs[0]), where, "expected lon/lat")
            polys = sp_polygons(sp, where)
            names = dict(zip(sp.data["NR"].astype(str), sp.data["NAVN"].astype(str),
                             strict=True))
            features = [({"code": code, "name": names[code]}, projected(p, WGS84, NO_CRS))
                        for code, p in polys.items()]
            meta = dict(source="Kartverket (N5000), via Statistics Norway",
                        licence="CC-BY-4.0 AND Apache-2.0", retrieved=PENDLING_REPO["commit_date"],
                        url="https://github.com/statisticsnorway/pendling",
                        citation_text=f"Kommuner ({structure} structure) from Kartverket's N5000 "
                                      "map (© Kartverket, CC BY 4.0), as published in "
                                      "statisticsnorway/pendling (Apache-2.0).",
                        sources=[dict(PENDLING_REPO, paths=[f"data/{shape}.RData"])],
                        processing=[f"read the sp SpatialPolygonsDataFrame {shape} with rdata; "
                                    "NR → code, NAVN → name; holes assigned to the exterior "
                                    "that contains them", *steps])
        got = {f[0]["code"] for f in features}
        check(got == codes[structure], str(path), f"boundary codes differ from the flows of "
              f"{structure}: {sorted(got ^ codes[structure])[:5]}")
        dropped = write_geojson(path, f"kommuner {structure}", NO_CRS, features)
        meta["processing"].append(f"{dropped} rings smaller than a metre dropped")
        write_provenance(path, **meta, **common,
                         title=f"Norwegian kommuner, {structure} structure ({len(got)}), "
                               "boundaries in EPSG:25833")
    regions = read_topojson(src / KARTVERKET / "Fylker-small.topojson", "fylkesnummer",
                            id_width=2, crs=NO_CRS)
    check(set(regions.index) == {c[:2] for c in codes["2020-2022"]}, "Fylker-small.topojson",
          "fylke numbers differ from the first two digits of the 2020 kommune codes")
    path = out / "no_fylker_2020.geojson"
    dropped = write_geojson(path, "fylker 2020", NO_CRS, [
        ({"code": code, "name": row["navn"]}, row["geometry"]) for code, row in regions.iterrows()])
    write_provenance(
        path, source=ROBHOP_SOURCE, licence="CC-BY-4.0",
        retrieved=ROBHOP_REPO["commit_date"], **common,
        url="https://kartkatalog.geonorge.no/metadata/cbbdf78c-fa3a-48bf-8f3f-9eec74e428fd",
        title="Norwegian fylker 2020 (11), boundaries in EPSG:25833",
        citation_text="Fylker 2020, © Kartverket (CC BY 4.0), simplified by "
                      "robhop/fylker-og-kommuner.",
        sources=[dict(ROBHOP_REPO, paths=["2020/Fylker-small.topojson"])],
        processing=["read with vizkit.data.read_topojson (object 'Fylker'); fylkesnummer "
                    "zero-padded to 2 digits → code, navn → name", *steps,
                    f"{dropped} rings smaller than a metre dropped"])


def build_grid(src: Path, out: Path) -> None:
    """Population per 1 km cell, the four years side by side on the cell id."""
    columns = {}
    for year in GRID_YEARS:
        path = src / GRID / f"NOR1000M_POP_{year}.csv"
        table = pd.read_csv(path, sep=";", usecols=["SSBID1000M", "pop_tot"],
                            dtype={"SSBID1000M": "int64", "pop_tot": "int64"})
        cells, persons = GRID_TOTALS[year]
        got = (len(table), int(table["pop_tot"].sum()))
        check(got == (cells, persons), str(path), f"cells, Σ pop_tot = {got}; README says "
              f"{(cells, persons)}")
        check(not table["SSBID1000M"].duplicated().any() and table["pop_tot"].min() >= 1,
              str(path), "duplicate ids or a cell with fewer than 1 person")
        columns[f"pop_{year}"] = table.set_index("SSBID1000M")["pop_tot"]
    wide = pd.DataFrame(columns).fillna(0).astype("int32").sort_index()
    ids = wide.index.to_numpy(np.int64)
    x, y = ids // 10_000_000 - 2_000_000, ids % 10_000_000
    check(bool((x % 1000 == 0).all() and (y % 1000 == 0).all()), GRID, "corners off the 1 km grid")
    grid = pd.concat([pd.DataFrame({"ssbid_1000m": ids, "x": x.astype(np.int32),
                                    "y": y.astype(np.int32)}),
                      wide.reset_index(drop=True)], axis=1)
    write_parquet(grid, out / "no_grid_1km_population.parquet")
    write_provenance(
        out / "no_grid_1km_population.parquet", source=SSB, licence="NLOD-2.0",
        retrieved=GRID_REPO["commit_date"], credit=SSB_CREDIT, retrieved_note=RETRIEVED_NOTE,
        url="https://www.ssb.no/natur-og-miljo/areal/artikler/kart-og-geodata-fra-ssb",
        title="Population (registered residents) on Statistics Norway's 1 km grid, 2001, 2007, "
              "2013 and 2019",
        citation_text="Statistics Norway (SSB), population on 1 km grid squares (NOR1000M_POP), "
                      "2001/2007/2013/2019, via jgaffuri/tiled-grid-norway. NLOD.",
        table="NOR1000M_POP",
        sources=[dict(GRID_REPO, paths=[f"input/pop_1000m/NOR1000M_POP_{y}.csv"
                                        for y in GRID_YEARS])],
        totals={str(y): {"cells": GRID_TOTALS[y][0], "persons": GRID_TOTALS[y][1]}
                for y in GRID_YEARS},
        processing=[
            "kept SSBID1000M and pop_tot; dropped pop_mal and pop_fem (zero, i.e. unpublished, "
            "in 2001 and 2007) and pop_ave2 (average age, '0,0' for cells of 1–4 persons)",
            "aligned the four years on the cell id: one row per cell listed in any year; "
            "pop_<year> = 0 where the cell is not listed that year (SSB lists populated cells "
            "only, at least 1 person)",
            "x, y: the cell's south-west corner in EPSG:25833 (ETRS89 / UTM 33N), decoded from "
            "the id: x = id // 10^7 − 2,000,000, y = id mod 10^7; cells are 1,000 m",
            "no rounding, no suppression"])


def build_sweden(src: Path, out: Path) -> None:
    """SCB kommun and län boundaries (EPSG:3006) and code lists."""
    from pyproj import CRS

    codes = {}
    for kind, name_col in (("municipalities", "municipality"), ("counties", "county")):
        table = pd.read_csv(src / SE_CODES / f"{kind}.csv", dtype=str, keep_default_na=False)
        rename = {f"{name_col}_code": "code", f"{name_col}_name": "name",
                  f"{name_col}_name_short": "name_short"}
        if kind == "municipalities":
            rename["county_code"] = "lan_code"
        table = table.rename(columns=rename).sort_values("code")
        codes[kind] = table
    kommun_codes, lan_codes = codes["municipalities"], codes["counties"]
    check(len(kommun_codes) == 290 and len(lan_codes) == 21, SE_CODES, "expected 290 and 21 codes")
    write_csv(kommun_codes, out / "se_kommuner_codes.csv")
    write_csv(lan_codes[["code", "name", "name_short"]], out / "se_lan_codes.csv")
    code_meta = dict(source="Statistics Sweden (SCB)", licence="CC0-1.0",
                     retrieved=SJBRG_REPO["commit_date"], credit="Source: Statistics Sweden",
                     url="https://github.com/sjbrg/swedish-geodata",
                     retrieved_note="retrieved: the source commit's date was not recorded")
    for name, kind, title in (("se_kommuner_codes.csv", "municipalities", "Swedish kommuner "
                               "(290): codes, names and län"),
                              ("se_lan_codes.csv", "counties", "Swedish län (21): codes and "
                               "names")):
        write_provenance(out / name, **code_meta, title=title,
                         citation_text=f"{title}. Statistics Sweden (SCB) codes, via "
                                       "sjbrg/swedish-geodata (CC0-1.0).",
                         sources=[dict(SJBRG_REPO, paths=[f"data/{kind}.csv"])],
                         processing=[f"renamed {kind}.csv columns to code, name, name_short"
                                     + (", lan_code" if kind == "municipalities" else "")
                                     + "; codes kept as strings; sorted by code"])
    for rda, expected, code_table in (("kommuner", 290, kommun_codes), ("lan", 21, lan_codes)):
        where = str(src / SE_BOUNDARIES / f"{rda}.rda")
        wkt = r_strings(src / SE_BOUNDARIES / f"{rda}.rda", b"PROJCRS")
        check(len(wkt) == 1, where, f"expected one WKT CRS, found {len(wkt)}")
        with warnings.catch_warnings():  # to_dict warns that a PROJ string is lossy: it is
            warnings.simplefilter("ignore", UserWarning)  # only read for the parameters
            params = CRS.from_wkt(wkt[0]).to_dict()
        check(params.get("ellps") == "GRS80" and (
            (params.get("proj"), params.get("zone")) == ("utm", 33)
            or (params.get("proj"), params.get("lon_0"), params.get("k"), params.get("x_0"))
            == ("tmerc", 15, 0.9996, 500000)), where,
            f"CRS parameters are not SWEREF 99 TM's (UTM zone 33 on GRS 80): {params}")
        sf = read_rda(src / SE_BOUNDARIES / f"{rda}.rda")
        check(len(sf) == expected and set(sf["code"].astype(str)) == set(code_table["code"]),
              where, f"codes differ from the code list ({len(sf)} rows)")
        features = [({"code": str(c), "name": str(n)},
                     [[np.asarray(r, dtype=np.float64) for r in poly] for poly in geom])
                    for c, n, geom in zip(sf["code"], sf["name"], sf["geometry"], strict=True)]
        path = out / f"se_{rda}.geojson"
        dropped = write_geojson(path, rda, SE_CRS, features)
        write_provenance(
            path, source="Statistics Sweden (SCB)", licence="CC0-1.0", updated="2024-05-17",
            retrieved=SWEMAP_REPO["commit_date"], credit="Source: Statistics Sweden",
            retrieved_note=RETRIEVED_NOTE,
            url="https://www.scb.se/hitta-statistik/regional-statistik-och-kartor/"
                "regionala-indelningar/digitala-granser/",
            title=f"Swedish {'kommuner (290)' if rda == 'kommuner' else 'län (21)'}, SCB "
                  "digital boundaries, generalised, EPSG:3006",
            citation_text="Statistics Sweden (SCB), digital boundaries (shape_svenska_240517), "
                          "via the swemapdata R package (CC0).",
            sources=[dict(SWEMAP_REPO, paths=[f"data/{rda}.rda"])],
            processing=[
                "read the sf tibble with rdata; code (4 or 2 digits, string) and name kept",
                "CRS assigned as EPSG:3006: the file's WKT is 'unnamed' but has SWEREF 99 TM's "
                "parameters (GRS 80, central meridian 15°, scale 0.9996, false easting 500,000)",
                "coordinates rounded to whole metres; repeated points removed; rings oriented "
                "as in RFC 7946; no further simplification (SCB's file is generalised)",
                f"{dropped} rings smaller than a metre dropped",
                "updated: the SCB release named by data-raw/scb_regions.R at the source commit"])


def build(source: Path, out: Path) -> None:
    """Write every asset of ``assets/open/`` into ``out`` from the files in ``source``."""
    check(source.is_dir(), str(source), "source folder not found (pass --source)")
    out.mkdir(parents=True, exist_ok=True)
    codes = build_commuting(source, out)
    build_centroids(source, out, codes)
    build_no_boundaries(source, out, codes)
    build_grid(source, out)
    build_sweden(source, out)
    shutil.copyfile(source / PENDLING / "LICENSE", out / PENDLING_REPO["licence_file"])


def differences(built: Path, committed: Path) -> list[str]:
    """Files that differ in content between two asset folders (Parquet by table, JSON by
    value, anything else by bytes)."""
    names = sorted({p.name for p in built.iterdir()} | {p.name for p in committed.iterdir()})
    diffs = []
    for name in names:
        a, b = built / name, committed / name
        if not (a.is_file() and b.is_file()):
            diffs.append(f"{name}: only in {'built' if a.is_file() else 'committed'} assets")
        elif name.endswith(".parquet"):
            if not pq.read_table(a).equals(pq.read_table(b)):
                diffs.append(f"{name}: table differs")
        elif name.endswith((".json", ".geojson")):
            if json.loads(a.read_text("utf-8")) != json.loads(b.read_text("utf-8")):
                diffs.append(f"{name}: JSON differs")
        elif not filecmp.cmp(a, b, shallow=False):
            diffs.append(f"{name}: bytes differ")
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="folder of the published files (default: ../shared/data/open)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="asset folder to write")
    parser.add_argument("--check", action="store_true",
                        help="build into a temporary folder and compare with --out")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # vizkit from this checkout when run as a script
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                build(args.source, Path(tmp))
                diffs = differences(Path(tmp), args.out)
            for line in diffs:
                print(line)
            print("assets match the sources" if not diffs else
                  f"{len(diffs)} asset files differ from a fresh build")
            return 1 if diffs else 0
        build(args.source, args.out)
    except BuildError as exc:
        print(f"build_open_data: {exc}", file=sys.stderr)
        return 2
    total = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {len(list(args.out.iterdir()))} files, {total / 1e6:.2f} MB, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
