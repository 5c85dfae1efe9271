"""TopoJSON regions: quantized and plain arcs, shared and reversed arcs, holes, multipolygons,
named objects, ids, errors; and Kartverket's real municipality boundaries (skipped when absent).

The fixture below is written by hand in quantized units; every decoded coordinate, area and
centroid in the assertions was worked out by hand from ``x = 600000 + 10 qx``,
``y = 6600000 + 5 qy`` (the fixture's transform), not taken from the reader.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import numpy as np
import pytest
import shapely

from vizkit.data import DataError, read, read_geojson, read_topojson

ROOT = Path(__file__).resolve().parents[1]
OPEN = Path(os.environ.get("VIZKIT_OPEN_DATA", ROOT.parent / "shared" / "data" / "open"))
KARTVERKET = OPEN / "norway" / "kartverket_boundaries_robhop"

EPSG3006 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}


def quantized_doc() -> dict:
    """Four regions in quantized units (scale 10 m × 5 m, SWEREF99 TM).

    A (301) and B (1103) are adjacent 4×4 squares sharing arc 0 (the edge qx = 4), which B walks
    backwards (``-1`` = ``~0``); C (5001) is an 8×8 square with a 2×2 hole whose arc is stored
    clockwise-first and used reversed (``~4``); D (1835) is a MultiPolygon of a triangle and a
    square. Arc positions are delta-encoded.
    """
    return {
        "type": "Topology",
        "crs": EPSG3006,
        "transform": {"scale": [10, 5], "translate": [600_000, 6_600_000]},
        "objects": {"kommuner": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0, 1]], "properties": {"code": 301, "name": "Oslo"}},
            {"type": "Polygon", "arcs": [[2, -1]],
             "properties": {"code": 1103, "name": "Stavanger"}},
            {"type": "Polygon", "arcs": [[3], [~4]],
             "properties": {"code": 5001, "name": "Trondheim"}},
            {"type": "MultiPolygon", "arcs": [[[5]], [[6]]],
             "properties": {"code": 1835, "name": "Træna"}},
        ]}},
        "arcs": [
            [[4, 0], [0, 4]],                                  # 0: (4,0) → (4,4)
            [[4, 4], [-4, 0], [0, -4], [4, 0]],                # 1: (4,4) → (0,4) → (0,0) → (4,0)
            [[4, 0], [4, 0], [0, 4], [-4, 0]],                 # 2: (4,0) → (8,0) → (8,4) → (4,4)
            [[10, 0], [8, 0], [0, 8], [-8, 0], [0, -8]],       # 3: square (10,0)–(18,8)
            [[12, 2], [0, 2], [2, 0], [0, -2], [-2, 0]],       # 4: hole (12,2)–(14,4)
            [[20, 0], [2, 0], [-2, 2], [0, -2]],               # 5: triangle
            [[24, 0], [2, 0], [0, 2], [-2, 0], [0, -2]],       # 6: square (24,0)–(26,2)
        ],
    }


def plain_doc() -> dict:
    """The same topology without a transform: absolute positions in metres."""
    doc = quantized_doc()
    del doc["transform"]
    arcs = []
    for arc in doc["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        arcs.append((q * [10, 5] + [600_000, 6_600_000]).tolist())
    doc["arcs"] = arcs
    return doc


def test_quantized_topology_decodes_to_hand_derived_coordinates() -> None:
    r = read_topojson(quantized_doc(), "code", id_width=4)
    assert r.index.tolist() == ["0301", "1103", "5001", "1835"] and r.index.name == "code"
    assert r.attrs["topojson_object"] == "kommuner" and r.attrs["source_crs"] == "EPSG:3006"
    # A: arc 0 then arc 1 (its first position, the join, dropped)
    np.testing.assert_array_equal(r.loc["0301", "geometry"][0][0], [
        [600_040, 6_600_000], [600_040, 6_600_020], [600_000, 6_600_020],
        [600_000, 6_600_000], [600_040, 6_600_000]])
    # B: arc 2 then arc 0 reversed — the shared edge is the same two points
    np.testing.assert_array_equal(r.loc["1103", "geometry"][0][0], [
        [600_040, 6_600_000], [600_080, 6_600_000], [600_080, 6_600_020],
        [600_040, 6_600_020], [600_040, 6_600_000]])
    # C: the hole is arc 4 reversed
    outer, hole = r.loc["5001", "geometry"][0]
    np.testing.assert_array_equal(outer[[0, 2]], [[600_100, 6_600_000], [600_180, 6_600_040]])
    np.testing.assert_array_equal(hole, [
        [600_120, 6_600_010], [600_140, 6_600_010], [600_140, 6_600_020],
        [600_120, 6_600_020], [600_120, 6_600_010]])
    assert r.loc["0301", "area"] == pytest.approx(40 * 20)
    assert (r.loc["0301", "centroid_x"], r.loc["0301", "centroid_y"]) == pytest.approx(
        (600_020, 6_600_010))
    assert r.loc["5001", "area"] == pytest.approx(80 * 40 - 20 * 10)
    assert r.loc["5001", "centroid_x"] == pytest.approx(600_140 + 200 * 10 / 3000)
    assert r.loc["5001", "centroid_y"] == pytest.approx(6_600_020 + 200 * 5 / 3000)
    # D: triangle (area 100, centroid (600206.67, 6600003.33)) + square (200, (600250, 6600005))
    assert r.loc["1835", "geometry_type"] == "MultiPolygon"
    assert len(r.loc["1835", "geometry"]) == 2
    assert r.loc["1835", "area"] == pytest.approx(300)
    assert r.loc["1835", "centroid_x"] == pytest.approx((100 * (600_000 + 620 / 3)
                                                         + 200 * 600_250) / 300)
    assert r.loc["1835", "centroid_y"] == pytest.approx((100 * (6_600_000 + 10 / 3)
                                                         + 200 * 6_600_005) / 300)
    assert r.loc["1835", "name"] == "Træna"


def test_plain_and_quantized_topologies_read_the_same() -> None:
    q = read_topojson(quantized_doc(), "code", id_width=4)
    p = read_topojson(plain_doc(), "code", id_width=4)
    for code in q.index:
        for a, b in zip(q.loc[code, "geometry"], p.loc[code, "geometry"], strict=True):
            for ra, rb in zip(a, b, strict=True):
                np.testing.assert_allclose(ra, rb, atol=1e-6)
    np.testing.assert_allclose(q["area"], p["area"])


def test_shared_border_is_exactly_shared_after_projection() -> None:
    """After projection (to WGS84 here) both neighbours carry bit-identical border points."""
    r = read_topojson(quantized_doc(), "code", id_width=4, crs="EPSG:4326")
    a = {tuple(p) for p in r.loc["0301", "geometry"][0][0]}
    b = {tuple(p) for p in r.loc["1103", "geometry"][0][0]}
    assert len(a & b) == 2  # the two ends of arc 0


def test_geojson_reader_and_read_dispatch_on_topology(tmp_path: Path) -> None:
    path = tmp_path / "kommuner.topojson"
    path.write_text(json.dumps(quantized_doc()), encoding="utf-8")
    via_geojson = read_geojson(path, "code", id_width=4)
    assert via_geojson.index.tolist() == ["0301", "1103", "5001", "1835"]
    assert read(path, id_property="code").index.tolist() == ["301", "1103", "5001", "1835"]
    assert str(path) in via_geojson.attrs["provenance"].file


def test_geometry_id_member_and_object_selection() -> None:
    doc = quantized_doc()
    for g, gid in zip(doc["objects"]["kommuner"]["geometries"], "abcd", strict=True):
        g["id"] = gid
    doc["objects"]["fylker"] = {"type": "Polygon", "arcs": [[0, 1]],
                                "properties": {"nr": 3}}
    with pytest.raises(DataError) as err:
        read_topojson(doc, "code")
    assert err.value.field == "objects" and err.value.value == ["fylker", "kommuner"]
    r = read_topojson(doc, "id", object="kommuner")
    assert r.index.tolist() == ["a", "b", "c", "d"] and r.loc["a", "code"] == 301
    single = read_topojson(doc, "nr", object="fylker", id_width=2)
    assert single.index.tolist() == ["03"] and single.loc["03", "area"] == pytest.approx(800)


def _mutated(mutate) -> dict:
    doc = copy.deepcopy(quantized_doc())
    mutate(doc)
    return doc


GEOMS = "objects.kommuner.geometries"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["objects"]["kommuner"]["geometries"][1].update(arcs=[[2, 7]]),
     f"{GEOMS}[1].arcs[0][1]"),
    (lambda d: d["objects"]["kommuner"]["geometries"][1].update(arcs=[[2, 0]]),
     f"{GEOMS}[1].arcs[0][1]"),                          # arc 0 forwards does not join
    (lambda d: d["objects"]["kommuner"]["geometries"][3].update(arcs=[[[5]], [[1.5]]]),
     f"{GEOMS}[3].arcs[1][0][0]"),
    (lambda d: d["objects"]["kommuner"]["geometries"][0].update(type="LineString"),
     f"{GEOMS}[0].type"),
    (lambda d: d["objects"]["kommuner"]["geometries"][0].update(type=None), f"{GEOMS}[0].type"),
    (lambda d: d["objects"]["kommuner"]["geometries"][2].update(arcs=[]), f"{GEOMS}[2].arcs"),
    (lambda d: d["objects"]["kommuner"]["geometries"][2]["properties"].pop("code"),
     f"{GEOMS}[2].properties.code"),
    (lambda d: d["objects"]["kommuner"]["geometries"][2]["properties"].update(code=301),
     "properties.code"),
    (lambda d: d["transform"].update(scale=[10]), "transform.scale"),
    (lambda d: d["arcs"].__setitem__(5, [[20, 0]]), "arcs[5]"),
    (lambda d: d.update(objects={}), "objects"),
    (lambda d: d.update(type="FeatureCollection"), "type"),
])
def test_bad_topology_is_refused_naming_the_field(mutate, field: str) -> None:
    with pytest.raises(DataError) as err:
        read_topojson(_mutated(mutate), "code")
    assert err.value.field == field


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.topojson"
    path.write_text(json.dumps(_mutated(lambda d: d["objects"]["kommuner"]["geometries"][1]
                                        .update(arcs=[[2, 7]]))), encoding="utf-8")
    with pytest.raises(DataError, match="arc index out of range") as err:
        read_geojson(path, "code")
    assert str(path) in str(err.value) and "(value 7)" in str(err.value)
    with pytest.raises(DataError, match="no object named 'fylker'"):
        read_topojson(quantized_doc(), "code", object="fylker")


def test_object_is_refused_for_geojson() -> None:
    doc = {"type": "FeatureCollection", "features": []}
    with pytest.raises(DataError) as err:
        read_geojson(doc, "code", object="kommuner")
    assert err.value.field == "object"


# --- Kartverket's real boundaries -------------------------------------------------------------

needs_kartverket = pytest.mark.skipif(
    not KARTVERKET.is_dir(), reason=f"open data folder {KARTVERKET} is absent "
    "(../shared/data/open; set VIZKIT_OPEN_DATA to point elsewhere)")


@needs_kartverket
def test_kartverket_kommuner_2020() -> None:
    r = read_topojson(KARTVERKET / "Kommuner-medium.topojson", "kommunenummer", id_width=4,
                      crs="EPSG:25833")
    assert len(r) == 356 and r.index.str.fullmatch(r"\d{4}").all()
    assert r.loc["0301", "navn"] == "Oslo" and (r["geometry_type"] == "MultiPolygon").all()
    # Norway's mainland is 323,781 km² (land and fresh water; Kartverket); Oslo 454 km²
    assert r["area"].sum() / 1e6 == pytest.approx(323_781, rel=0.01)
    assert r.loc["0301", "area"] / 1e6 == pytest.approx(454, rel=0.03)
    # Oslo's centroid lies near 10.75° E 59.91° N = about (262 km, 6,650 km) in UTM 33N
    assert r.loc["0301", "centroid_x"] == pytest.approx(262_000, abs=15_000)
    assert r.loc["0301", "centroid_y"] == pytest.approx(6_653_000, abs=15_000)
    # shared arcs: neighbouring kommuner tile the country without overlaps or gaps (27 of the
    # simplified source polygons self-intersect, hence make_valid before the union)
    shapes = shapely.make_valid(np.array([
        shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])
        for polys in r["geometry"]]))
    union = shapely.union_all(shapes)
    assert union.area == pytest.approx(r["area"].sum(), rel=1e-5)
    pieces = sum(len(shapely.get_parts(s)) for s in shapes)
    assert len(shapely.get_parts(union)) < 0.8 * pieces  # neighbours merge along shared arcs


@needs_kartverket
def test_kartverket_fylker_contain_their_kommuner() -> None:
    kommuner = read_geojson(KARTVERKET / "Kommuner-medium.topojson", "kommunenummer",
                            id_width=4, crs="EPSG:25833")
    fylker = read_geojson(KARTVERKET / "Fylker-small.topojson", "fylkesnummer", id_width=2,
                          crs="EPSG:25833", object="Fylker")
    assert sorted(fylker.index) == ["03", "11", "15", "18", "30", "34", "38", "42", "46", "50",
                                    "54"]
    assert set(kommuner.index.str[:2]) == set(fylker.index)
    fylke = {code: shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])
             for code, polys in fylker["geometry"].items()}
    lost = {"1144", "1835"}  # Kvitsøy and Træna: islands too small for the "small" fylker file
    for code, polys in kommuner["geometry"].items():
        if code in lost:
            continue
        inner = shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polys])
        # the two files are simplified differently, so allow 2 km around the fylke outline
        assert fylke[code[:2]].buffer(2_000).contains(inner.point_on_surface()), code
