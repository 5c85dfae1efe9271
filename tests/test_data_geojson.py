"""GeoJSON regions: holes, multipolygons, ids, centroids, projection, simplification."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vizkit.data import (
    SWEREF99_TM,
    WGS84,
    DataError,
    project,
    read,
    read_geojson,
    region_rings,
    simplify_regions,
)


def square(x0: float, y0: float, s: float) -> list[list[float]]:
    return [[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]]


def collection(features: list[dict], **extra: object) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}


def feature(props: dict, gtype: str, coords: object) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": gtype, "coordinates": coords}}


def metric_doc() -> dict:
    """Regions in SWEREF99 TM metres (legacy crs member), easy to check by hand."""
    base_x, base_y = 600_000.0, 6_600_000.0
    with_hole = [square(base_x, base_y, 1000), square(base_x + 250, base_y + 250, 500)[::-1]]
    multi = [[square(base_x + 2000, base_y, 1000)], [square(base_x + 4000, base_y, 2000)]]
    return collection([
        feature({"kommun": "0305", "name": "A"}, "Polygon", with_hole),
        feature({"kommun": "0380", "name": "B"}, "MultiPolygon", multi),
    ], crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}})


def test_holes_and_multipolygons_area_and_centroid() -> None:
    r = read_geojson(metric_doc(), "kommun")
    assert r.index.tolist() == ["0305", "0380"] and r.index.name == "kommun"
    assert r.attrs["source_crs"] == "EPSG:3006" and r.attrs["crs"] == SWEREF99_TM
    assert r.loc["0305", "area"] == pytest.approx(1000**2 - 500**2)
    # the hole is centred, so the centroid is the square's centre
    assert r.loc["0305", "centroid_x"] == pytest.approx(600_500.0)
    assert r.loc["0305", "centroid_y"] == pytest.approx(6_600_500.0)
    assert r.loc["0380", "area"] == pytest.approx(1000**2 + 2000**2)
    # area-weighted: (1e6 * 602500 + 4e6 * 605000) / 5e6
    assert r.loc["0380", "centroid_x"] == pytest.approx(604_500.0)
    assert r.loc["0380", "centroid_y"] == pytest.approx((1e6 * 6_600_500 + 4e6 * 6_601_000) / 5e6)
    assert r.loc["0380", "geometry_type"] == "MultiPolygon"
    geom = r.loc["0305", "geometry"]
    assert len(geom) == 1 and len(geom[0]) == 2  # one polygon: exterior + hole
    assert geom[0][0].shape == (5, 2) and np.array_equal(geom[0][0][0], geom[0][0][-1])
    assert r.loc["0305", "name"] == "A"


def test_wgs84_input_is_projected_to_sweref99() -> None:
    lon0, lat0 = 17.6, 59.85
    ring = [[lon0, lat0], [lon0 + 0.02, lat0], [lon0 + 0.02, lat0 + 0.01], [lon0, lat0 + 0.01]]
    r = read_geojson(collection([feature({"id": "0380"}, "Polygon", [ring])]), "id")
    x, y = project([lon0], [lat0], WGS84, SWEREF99_TM)
    ext = r.loc["0380", "geometry"][0][0]
    np.testing.assert_allclose(ext[0], [x[0], y[0]], atol=1e-6)
    assert len(ext) == 5  # the open ring was closed
    # 0.02° lon × 0.01° lat at 59.85° N ≈ 1.118 km × 1.113 km
    assert r.loc["0380", "area"] == pytest.approx(1.118e3 * 1.113e3, rel=0.01)


def test_integer_ids_as_strings_and_padding() -> None:
    doc = collection([feature({"l_id": 3}, "Polygon", [square(0, 0, 1)]),
                      feature({"l_id": 25}, "Polygon", [square(2, 2, 1)])])
    assert read_geojson(doc, "l_id", crs=WGS84).index.tolist() == ["3", "25"]
    assert read_geojson(doc, "l_id", crs=WGS84, id_width=2).index.tolist() == ["03", "25"]


def test_missing_id_property_names_file_and_field(tmp_path: Path) -> None:
    doc = metric_doc()
    del doc["features"][1]["properties"]["kommun"]
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_geojson(path, "kommun")
    assert str(path) in str(err.value)
    assert err.value.field == "features[1].properties.kommun"


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["features"][0].update(geometry=None), "features[0].geometry"),
    (lambda d: d["features"][0]["geometry"].update(type="Point"), "features[0].geometry.type"),
    (lambda d: d["features"][0]["geometry"].update(coordinates=[[[0, 0], [1, 1]]]),
     "features[0].geometry.coordinates[0]"),
    (lambda d: d["features"][1]["properties"].update(kommun="0305"), "properties.kommun"),
    (lambda d: d.update(type="Feature"), "type"),
])
def test_bad_geometry_is_refused(mutate: object, field: str) -> None:
    doc = metric_doc()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(DataError) as err:
        read_geojson(doc, "kommun")
    assert err.value.field == field


def test_region_rings_flattening() -> None:
    r = read_geojson(metric_doc(), "kommun")
    flat = region_rings(r)
    assert flat["ring_offsets"].tolist() == [0, 5, 10, 15, 20]
    assert flat["polygon_offsets"].tolist() == [0, 2, 3, 4]
    assert flat["polygon_region"].tolist() == [0, 1, 1]
    assert flat["xy"].shape == (20, 2)


def test_simplify_reduces_vertices_and_keeps_shape() -> None:
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    ring = np.column_stack([600_000 + 5000 * np.cos(t), 6_600_000 + 5000 * np.sin(t)])
    hole = np.column_stack([600_000 + 1000 * np.cos(t), 6_600_000 + 1000 * np.sin(t)])[::-1]
    doc = collection([feature({"id": "x"}, "Polygon", [ring.tolist(), hole.tolist()])],
                     crs={"type": "name", "properties": {"name": "EPSG:3006"}})
    r = read_geojson(doc, "id")
    s = simplify_regions(r, 50.0)
    before = sum(len(ring) for poly in r.loc["x", "geometry"] for ring in poly)
    after = sum(len(ring) for poly in s.loc["x", "geometry"] for ring in poly)
    assert after < before / 4
    assert len(s.loc["x", "geometry"][0]) == 2  # hole kept
    ext = s.loc["x", "geometry"][0][0]
    radius = np.hypot(ext[:, 0] - 600_000, ext[:, 1] - 6_600_000)
    assert radius.min() > 5000 - 50 and radius.max() <= 5000 + 1e-6


def test_read_guesses_id_property(tmp_path: Path) -> None:
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps(metric_doc()), encoding="utf-8")
    assert read(path).index.tolist() == ["0305", "0380"]
