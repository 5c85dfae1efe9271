"""Land and linework of a base map, GL-free: land masks against hand-made polygons with known
answers, coverage cleaning (slivers closed, real lakes kept), and every edge classified once —
coastline, border, or a stronger border of a coarser grouping."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import shapely

import vizkit.data as vd
from vizkit.data.land import land_geometry, land_mask
from vizkit.layers.linework import Linework

ROOT = Path(__file__).resolve().parent.parent
OPEN = ROOT / "assets" / "open"
OKFSE = ROOT.parent / "shared" / "data" / "real" / "geo" / "se_kommuner_okfse.geojson"


def square(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def feature_collection(regions: dict[str, list[list[tuple[float, float]]]]) -> dict:
    """A FeatureCollection of polygons already in SWEREF99 TM metres (read as they are)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "group": code[0]},
         "geometry": {"type": "Polygon",
                      "coordinates": [[list(p) for p in ring] for ring in rings]}}
        for code, rings in regions.items()]}


def read(regions: dict[str, list[list[tuple[float, float]]]]):
    return vd.read_geojson(feature_collection(regions), "code", src_crs="EPSG:3006",
                           crs="EPSG:3006")


# -- land masks: known answers ------------------------------------------------------------------

def test_a_square_with_a_hole_masks_exactly_the_ring_of_cells_around_the_hole():
    land = read({"A": [square(0, 0, 10, 10), square(3, 3, 7, 7)]})
    mask = land_mask(land, (0, 0, 10, 10), (10, 10))
    expected = np.ones((10, 10), bool)
    expected[3:7, 3:7] = False          # cells whose centres (3.5 … 6.5) lie in the hole
    np.testing.assert_array_equal(mask, expected)


def test_an_island_is_land_and_the_strait_between_is_water():
    land = read({"main": [square(0, 0, 4, 4)], "isle": [square(6, 1, 8, 3)]})
    mask = land_mask(land, (-1, 0, 9, 4), (4, 10))        # 1 m cells, x from −1
    xc = -1 + np.arange(10) + 0.5
    yc = np.arange(4) + 0.5
    x, y = np.meshgrid(xc, yc)
    expected = ((x > 0) & (x < 4)) | ((x > 6) & (x < 8) & (y > 1) & (y < 3))
    np.testing.assert_array_equal(mask, expected)
    assert mask[:, 5:7].sum() == 0                         # the strait: x 4–6


def test_row_zero_is_the_southern_row():
    # a triangle wide in the south, a point in the north
    land = read({"T": [[(0, 0), (8, 0), (0, 8)]]})
    mask = land_mask(land, (0, 0, 8, 8), (8, 8))
    assert mask[0].sum() == 7 and mask[-1].sum() == 0      # x + y < 8 at centres (i+½, j+½)
    x, y = np.meshgrid(np.arange(8) + 0.5, np.arange(8) + 0.5)
    np.testing.assert_array_equal(mask, x + y < 8)


def test_cells_need_not_be_square_and_the_extent_may_exceed_the_land():
    land = read({"A": [square(100, 200, 300, 260)]})
    mask = land_mask(land, (0, 100, 400, 400), (30, 8))    # 50 m × 10 m cells
    xc = 25 + 50 * np.arange(8)
    yc = 105 + 10 * np.arange(30)
    x, y = np.meshgrid(xc, yc)
    np.testing.assert_array_equal(mask, (x > 100) & (x < 300) & (y > 200) & (y < 260))


def test_a_land_mask_of_2000_by_1500_cells_is_vectorised():
    circle = shapely.Point(0, 0).buffer(1000.0, quad_segs=1000)      # 4,000 vertices
    start = time.perf_counter()
    mask = land_mask(circle, (-1000, -750, 1000, 750), (1500, 2000))
    elapsed = time.perf_counter() - start
    x, y = np.meshgrid(-999.5 + np.arange(2000), -749.5 + np.arange(1500))
    r = np.hypot(x, y)
    inside, outside = r < 999.0, r > 1000.0     # clear of the polygon's chords near the rim
    assert mask[inside].all() and not mask[outside].any()
    assert elapsed < 5.0, f"{elapsed:.2f} s for 3 million cells (shapely.contains_xy: ~0.2 s)"


def test_bad_extent_and_shape_are_one_clear_line():
    land = read({"A": [square(0, 0, 1, 1)]})
    with pytest.raises(ValueError, match=r"land_mask: extent .* xmax > xmin"):
        land_mask(land, (5, 0, 1, 1), (2, 2))
    with pytest.raises(ValueError, match=r"land_mask: shape must be two whole numbers ≥ 1"):
        land_mask(land, (0, 0, 1, 1), (0, 2))
    with pytest.raises(TypeError, match=r"land_geometry: boundaries must be a read_geojson"):
        land_mask("not boundaries", (0, 0, 1, 1), (2, 2))


# -- cleaning: slivers closed, lakes kept -------------------------------------------------------

def test_a_sliver_between_neighbours_is_land_and_a_lake_stays_water():
    # A and B: 1 km squares 5 cm apart, N and S close the sliver at both ends.
    # C, D and E (with B) enclose a lake 100 m wide (y 400–500).
    regions = {"A": [square(0, 0, 1000, 1000)], "B": [square(1000.05, 0, 2000, 1000)],
               "N": [square(0, 1000, 2000, 1100)], "S": [square(0, -100, 2000, 0)],
               "C": [square(2000, -100, 3000, 400)], "D": [square(2000, 500, 3000, 1100)],
               "E": [square(3000, -100, 3100, 1100)]}
    land = read(regions)
    geom = land_geometry(land)                             # default gap: 0.62 m here
    assert len(geom.geoms) == 1 and len(geom.geoms[0].interiors) == 1
    np.testing.assert_allclose(shapely.Polygon(geom.geoms[0].interiors[0]).area, 1000 * 100)
    sliver = land_mask(land, (999.9, 500, 1000.1, 501), (1, 8))     # 2.5 cm cells across it
    assert sliver.all()
    lake = land_mask(land, (2000, 0, 3000, 1000), (100, 100))       # 10 m cells
    assert not lake[40:50].any() and lake[:40].all() and lake[50:].all()
    raw = land_geometry(land, gap_width=0.0)               # gap_width=0: the sliver stays
    assert len(raw.geoms[0].interiors) == 2
    assert not land_mask(raw, (999.9, 500, 1000.1, 501), (1, 8))[0, 4:6].any()


# -- linework: every edge once ------------------------------------------------------------------

def lengths(segments: np.ndarray) -> float:
    return float(np.hypot(segments[:, 2] - segments[:, 0], segments[:, 3] - segments[:, 1]).sum())


def test_two_squares_share_one_border_and_a_coastline_of_six_sides():
    work = Linework(read({"A": [square(0, 0, 10, 10)], "B": [square(10, 0, 20, 10)]}))
    assert len(work.borders) == 1
    np.testing.assert_allclose(lengths(work.borders[0]), 10.0)
    np.testing.assert_allclose(lengths(work.coastline), 60.0)
    assert np.allclose(work.borders[0][:, [0, 2]], 10.0)          # on x = 10, once


def test_a_shared_edge_with_a_vertex_on_one_side_only_is_still_one_border():
    # B's west edge has an extra vertex at (10, 4); A's east edge does not
    work = Linework(read({"A": [square(0, 0, 10, 10)],
                          "B": [[(10, 0), (20, 0), (20, 10), (10, 10), (10, 4)]]}))
    np.testing.assert_allclose(lengths(work.borders[0]), 10.0)
    np.testing.assert_allclose(lengths(work.coastline), 60.0)


def test_a_coarser_column_makes_the_borders_between_its_groups_stronger():
    # codes a1 a2 | b1 in a row: 'group' is the code's first letter
    work = Linework(read({"a1": [square(0, 0, 1, 1)], "a2": [square(1, 0, 2, 1)],
                          "b1": [square(2, 0, 3, 1)]}), ["group"])
    inner, between = work.borders
    assert np.allclose(inner[:, [0, 2]], 1.0) and len(inner) == 1
    assert np.allclose(between[:, [0, 2]], 2.0) and len(between) == 1   # not also in `inner`
    np.testing.assert_allclose(lengths(work.coastline), 8.0)


def test_coarser_boundaries_group_each_region_by_its_largest_overlap():
    fine = read({"a1": [square(0, 0, 1, 1)], "a2": [square(1, 0, 2, 1)],
                 "b1": [square(2, 0, 3, 1)]})
    # a coarse, differently generalised county file: its border at x = 2.2, not 2
    coarse = read({"A": [square(-0.1, -0.1, 2.2, 1.1)], "B": [square(2.2, -0.1, 3.1, 1.1)]})
    work = Linework(fine, [coarse])
    np.testing.assert_array_equal(work.groups[0], [0, 0, 1])
    assert np.allclose(work.borders[1][:, [0, 2]], 2.0)      # drawn on the regions' own edge


def test_land_triangles_cover_the_land_exactly():
    work = Linework(read({"A": [square(0, 0, 10, 10), square(3, 3, 7, 7)],
                          "isle": [[(12, 0), (15, 0), (13, 4)]]}))
    p = work.land_points.astype(np.float64)[work.land_indices.reshape(-1, 3)]
    area = 0.5 * np.abs((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
                        - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1])).sum()
    np.testing.assert_allclose(area, 100 - 16 + 6)


def test_bad_coarser_levels_name_the_layer_and_the_column():
    fine = read({"a1": [square(0, 0, 1, 1)]})
    with pytest.raises(ValueError, match=r"BaseMap: coarser level 1: no column 'lan'"):
        Linework(fine, ["lan"])
    with pytest.raises(TypeError, match=r"coarser level 1 names a column"):
        Linework({"a1": [square(0, 0, 1, 1)]}, ["lan"])


def test_swedish_kommuner_classify_into_one_border_per_shared_edge():
    kommuner = vd.read_geojson(OPEN / "se_kommuner.geojson", "code")       # SCB, CC0
    lan = vd.read_geojson(OPEN / "se_lan.geojson", "code")
    work = Linework(kommuner, [lan])
    # GEOS's union of all region outlines merges shared edges too: the same total length
    union = shapely.union_all(shapely.boundary(work.shapes))
    drawn = lengths(work.coastline) + sum(lengths(b) for b in work.borders)
    np.testing.assert_allclose(drawn, union.length, rtol=1e-9)
    np.testing.assert_allclose(lengths(work.coastline), work.land.boundary.length, rtol=1e-9)
    # every kommun is in the län its code starts with, found by overlap alone
    np.testing.assert_array_equal(np.asarray(lan.index)[work.groups[0]],
                                  [code[:2] for code in kommuner.index])
    strong = work.borders[1]
    assert 500 < len(strong) < len(work.borders[0])


def test_norwegian_kommuner_group_into_fylker_of_another_generalisation():
    kommuner = vd.read_geojson(OPEN / "no_kommuner_2020-2022.geojson", "code", crs="EPSG:25833")
    fylker = vd.read_geojson(OPEN / "no_fylker_2020.geojson", "code", crs="EPSG:25833")
    work = Linework(kommuner, [fylker])          # Kartverket "medium" kommuner, "small" fylker
    found = np.where(work.groups[0] >= 0, np.asarray(fylker.index)[work.groups[0]], "--")
    expected = np.array([code[:2] for code in kommuner.index])
    wrong = {kommuner.index[i]: found[i] for i in np.flatnonzero(found != expected)}
    # Kvitsøy and Træna, islands the fylker file simplified away, are in no fylke
    assert wrong == {"1144": "--", "1835": "--"}
    assert sum(len(p.interiors) for p in work.land.geoms) < 29     # raw union: 29 holes


@pytest.mark.skipif(not OKFSE.exists(), reason="../shared/data/real/geo is not present")
def test_a_union_with_80_sliver_holes_is_cleaned():
    kommuner = vd.read_geojson(OKFSE, "id")     # okfse/sweden-geojson: mapshaper at 2 %
    raw = shapely.union_all(vd.land.region_shapes(kommuner))
    assert sum(len(p.interiors) for p in raw.geoms) == 80
    work = Linework(kommuner, ["lan_code"])
    assert sum(len(p.interiors) for p in work.land.geoms) < 10  # lakes stay, slivers go
    union = shapely.union_all(shapely.boundary(work.shapes))
    drawn = lengths(work.coastline) + sum(lengths(b) for b in work.borders)
    np.testing.assert_allclose(drawn, union.length, rtol=1e-9)
