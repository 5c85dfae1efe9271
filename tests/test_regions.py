"""Regions layer: prisms from polygons with holes and multipolygons, joined values, time steps."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import vizkit
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.colormap import Colormap
from vizkit.layers.legend import NO_DATA_GREY
from vizkit.layers.prisms import build_prism_mesh
from vizkit.privacy import Policy
from vizkit.testing import diff_images, shown

# Small made-up numbers that test joins, not people: shown raw, on purpose.
SYNTHETIC = Policy.off("synthetic test values, no persons")

FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (320, 180)
VIRIDIS = Colormap("viridis").lut()


def square(x0, y0, size, clockwise=False):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return ring[::-1] if clockwise else ring


# A (square with a square hole), B (multipolygon: two squares with a gap), C (a triangle given
# as a GeoJSON geometry), D (a polygon whose hole has the "wrong" winding: earcut must not care).
GEOMETRY = {
    "A": [square(0, 0, 1000), square(300, 300, 400, clockwise=True)],
    "B": [[square(1400, 0, 400)], [square(1400, 600, 400)]],
    "C": {"type": "Polygon", "coordinates": [[[2200, 0], [3000, 0], [2600, 1000], [2200, 0]]]},
    "D": [square(3300, 0, 700, clockwise=True), square(3500, 200, 300)],
}
DATA = pd.DataFrame({
    "kommun": ["A", "B", "C", "D"] * 2,
    "year": [2020] * 4 + [2021] * 4,
    "persons": [10.0, 20.0, 5.0, 40.0, 30.0, 10.0, 15.0, 40.0],
})


class TopDown(vizkit.Scene):
    """Straight down on the regions, unlit (ambient 1): caps show exact colour-map colours."""

    def __init__(self, geometry=GEOMETRY, data=DATA, **kw):
        super().__init__()
        self.geometry, self.data, self.kw = geometry, data, kw

    def setup(self, assets):
        self.regions = self.add(vizkit.Regions(self.geometry, self.data, code="kommun",
                                               value="persons", time="year", ambient=1.0,
                                               **self.kw))
        self.orbit = None
        self.camera.target = (2000, 500, 0)
        self.camera.position = (2000, 500, 3500)
        self.camera.near, self.camera.far = 10.0, 10_000.0

    def screen(self, x, y, z=0.0):
        return project_to_screen((x, y, z), self.camera.view_matrix(),
                                 self.camera.projection_matrix(SIZE[0] / SIZE[1]), SIZE)


class Oblique(TopDown):
    def setup(self, assets):
        self.regions = self.add(vizkit.Regions(self.geometry, self.data, code="kommun",
                                               value="persons", time="year", **self.kw))
        self.frame_all(azimuth=20, elevation=40, margin=0.75)


def pixel(image, scene, x, y, z=0.0):
    sx, sy = scene.screen(x, y, z)
    return image[int(sy), int(sx)].astype(int)


def background(scene):
    return np.round(np.array(scene.background) * 255)


# -- geometry -----------------------------------------------------------------------------------
def test_holes_and_multipolygons_render_without_spurious_triangles(offscreen, reference):
    scene = TopDown()
    image = offscreen.render(scene, FRAME)
    rgb = image.rgb.astype(int)
    top = scene.regions.height("A")
    bg = background(scene)
    assert np.abs(pixel(rgb, scene, 500, 500) - bg).max() <= 1            # A's hole
    assert np.abs(pixel(rgb, scene, 1600, 500) - bg).max() <= 1           # between B's parts
    assert np.abs(pixel(rgb, scene, 3650, 350) - bg).max() <= 1           # D's hole
    assert np.abs(pixel(rgb, scene, 2250, 900) - bg).max() <= 1           # beside C's apex
    level = scene.regions.legend().position(10.0)
    assert np.abs(pixel(rgb, scene, 150, 150, top) - VIRIDIS[round(level * 255), :3]).max() <= 2
    for x, y in ((1600, 200), (1600, 800), (2600, 300), (3400, 100)):     # every part is drawn
        assert np.abs(pixel(rgb, scene, x, y, top) - bg).max() > 20
    reference(image, "regions_holes_multipolygons")
    scene.release()


def test_mesh_counts_caps_and_walls():
    mesh = build_prism_mesh([(0, [np.array(square(0, 0, 10)), np.array(square(2, 2, 4))])])
    ring_points = 8                                # 4 + 4 after dropping the closing points
    assert len(mesh.vertices) == ring_points + 4 * ring_points
    triangles = len(mesh.indices) // 3
    assert triangles == 8 + 2 * ring_points        # earcut: n + 2h - 2 = 8 cap triangles
    assert mesh.vertices.dtype == np.float32 and mesh.region.dtype == np.uint32
    # cap area equals the polygon's area minus the hole's
    v = mesh.vertices[mesh.indices[:24].reshape(-1, 3), :2].astype(float)
    e1, e2 = v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]
    area = np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]).sum() / 2
    assert area == pytest.approx(100 - 16)


def test_walls_face_outwards_whatever_the_ring_winding():
    for clockwise in (False, True):
        ring = np.array(square(0, 0, 10, clockwise=clockwise))
        mesh = build_prism_mesh([(0, [ring, np.array(square(3, 3, 4, clockwise=not clockwise))])])
        walls = mesh.vertices[8:].reshape(-1, 4, 6)
        mid = walls[:, :2, :2].mean(axis=1)                       # each wall's midpoint
        normal = walls[:, 0, 3:5]
        outer = np.abs(mid - 5).max(axis=1) > 4                    # on the outer ring
        toward_centre = (5 - mid) * normal
        assert (toward_centre[outer].sum(axis=1) < 0).all()        # outer walls face out
        assert (toward_centre[~outer].sum(axis=1) > 0).all()       # hole walls face the hole


def feature_collection(geometry=GEOMETRY, crs="EPSG:3006"):
    """GEOMETRY as a FeatureCollection; ``crs`` names its CRS (a legacy ``crs`` member), or
    None for plain GeoJSON (WGS84 longitude/latitude)."""
    features = [{"type": "Feature", "properties": {"kommun": code, "name": code},
                 "geometry": (geom if isinstance(geom, dict) else
                              {"type": "Polygon", "coordinates": geom} if code != "B" else
                              {"type": "MultiPolygon", "coordinates": geom})}
                for code, geom in geometry.items()]
    collection = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    return collection


def test_feature_collections_paths_and_read_geojson_frames_are_accepted(tmp_path):
    import vizkit.data as vd

    collection = feature_collection()
    path = tmp_path / "regions.geojson"
    path.write_text(json.dumps(collection))
    frame = vd.read_geojson(path, id_property="kommun")
    meshes = []
    for geometry in (collection, path, str(path), frame, GEOMETRY):
        layer = vizkit.Regions(geometry, DATA, code="kommun", value="persons", time="year",
                               id_property="kommun")
        assert layer.codes == ["A", "B", "C", "D"]
        meshes.append(layer.mesh)
    for mesh in meshes[1:]:
        assert np.allclose(mesh.vertices, meshes[0].vertices, atol=1e-3)
        assert mesh.origin == pytest.approx(meshes[0].origin)


def test_a_wgs84_geojson_file_is_drawn_in_metres(tmp_path):
    # Two 0.01° squares near Uppsala (17.6° E, 59.85° N), in plain GeoJSON: longitude/latitude.
    lonlat = {"P": [square(17.60, 59.85, 0.01)], "Q": [square(17.62, 59.85, 0.01)]}
    path = tmp_path / "wgs84.geojson"
    path.write_text(json.dumps(feature_collection(lonlat, crs=None)))
    regions = vizkit.Regions(path, {"P": 10, "Q": 20}, id_property="kommun")
    lo, hi = regions.bounds()
    # SWEREF99 TM: about 646 km east, 6 638 km north; a 0.01° square is ~560 m × 1 110 m
    # (turned by ~2° of meridian convergence, so the bounding box is a little larger).
    assert 640_000 < lo[0] < 650_000 and 6_630_000 < lo[1] < 6_645_000
    assert hi[0] - lo[0] == pytest.approx(0.03 * 111_320 * np.cos(np.radians(59.855)), rel=0.05)
    assert hi[1] - lo[1] == pytest.approx(0.01 * 111_400, rel=0.1)
    import vizkit.data as vd

    projected = vd.read_geojson(path, id_property="kommun")  # the one reader, the same metres
    xs = np.concatenate([ring[:, 0] for polygons in projected["geometry"]
                         for rings in polygons for ring in rings])
    assert (lo[0], hi[0]) == pytest.approx((xs.min(), xs.max()))


def test_values_can_come_from_the_joined_geometry_frame_series_or_mappings():
    import vizkit.data as vd

    frame = vd.read_geojson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "0381"},
         "geometry": {"type": "Polygon", "coordinates": [square(0, 0, 100)]}}]},
        id_property="id", crs="EPSG:3006", src_crs="EPSG:3006")
    frame["value"] = [7.0]
    assert vizkit.Regions(frame, policy=SYNTHETIC).value("0381") == 7.0
    series = pd.Series({"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0})
    assert vizkit.Regions(GEOMETRY, series, policy=SYNTHETIC).value("C") == 3.0
    per_year = vizkit.Regions(GEOMETRY, {"A": [1, 2], "B": [3, 4], "C": [5, 6], "D": [7, 8]},
                              policy=SYNTHETIC)
    assert per_year.steps == 2 and per_year.value("B", 1.0) == 4.0
    partial = vizkit.Regions(GEOMETRY, {"A": 1.0}, policy=SYNTHETIC)  # B, C, D have no data
    assert np.isnan(partial.value("B"))


# -- values and time ----------------------------------------------------------------------------
def test_heights_and_colours_follow_the_value_column(offscreen):
    scene = TopDown()
    scene.ensure_setup()
    scene.regions.time_index = 1.0                       # 2021: A 30 (the maximum), B 10
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    regions = scene.regions
    assert regions.height("D") == pytest.approx(regions.max_height)
    assert regions.height("A") == pytest.approx(regions.max_height * 30 / 40)
    level = regions.legend().position(30.0)
    assert np.abs(pixel(image, scene, 150, 150, regions.height("A"))
                  - VIRIDIS[round(level * 255), :3]).max() <= 2
    scene.release()


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_morph_at_fraction_0_and_1_equals_the_pure_steps(offscreen, fraction):
    scene = Oblique(domain=(0.0, 40.0))
    scene.ensure_setup()
    scene.regions.time_index = fraction
    morph = offscreen.render(scene, FRAME)
    scene.release()
    year = 2020 + int(fraction)
    pure = Oblique(data=DATA[DATA["year"] == year], domain=(0.0, 40.0))
    expected = offscreen.render(pure, FRAME)
    pure.release()
    assert diff_images(morph, expected, 0).fraction_over == 0.0


def test_morph_moves_and_uploads_nothing(offscreen):
    scene = Oblique()
    first = offscreen.render(scene, FRAME)
    uploaded = offscreen.gpu.upload_bytes
    scene.regions.time_index = 0.5
    middle = offscreen.render(scene, FRAME)
    assert offscreen.gpu.upload_bytes == uploaded
    assert diff_images(first, middle, 2).fraction_over > 0.01
    assert scene.regions.value("A") == pytest.approx(20.0)          # smooth easing at 0.5
    scene.release()


def test_regions_without_data_are_grey_or_absent(offscreen):
    data = DATA[DATA["kommun"] != "C"]
    scene = TopDown(data=data)
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    scene.release()
    grey = np.round(np.array(NO_DATA_GREY[:3]) * 255)
    assert np.abs(pixel(image, scene, 2600, 300) - grey).max() <= 2
    scene = TopDown(data=data, no_data="hole")
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    scene.release()
    assert np.abs(pixel(image, scene, 2600, 300) - background(scene)).max() <= 1


def test_change_view_colours_regions_by_change(offscreen):
    scene = TopDown()
    scene.ensure_setup()
    scene.regions.show_change(2020, 2021)
    image = offscreen.render(scene, FRAME).rgb.astype(int)
    vik = Colormap("vik").lut()
    regions = scene.regions
    assert regions.change_range == 20.0
    assert np.abs(pixel(image, scene, 150, 150, regions.height("A"))
                  - shown(vik[255, :3])).max() <= 2
    assert np.abs(pixel(image, scene, 3400, 100, regions.height("D"))
                  - shown(vik[128, :3])).max() <= 3
    legend = regions.legend()
    assert legend.kind == "diverging" and legend.domain == (-20.0, 20.0)
    scene.release()


# -- bad input ----------------------------------------------------------------------------------
def test_codes_not_in_the_geometry_are_named_with_their_column():
    data = pd.DataFrame({"kommun": ["A", "X9", "0999"], "persons": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"column 'kommun' has 2 code\(s\) not in the geometry: "
                                         r"'0999', 'X9'"):
        vizkit.Regions(GEOMETRY, data, code="kommun", value="persons")


def test_non_numeric_values_name_the_column_and_values():
    data = pd.DataFrame({"kommun": ["A", "B"], "persons": ["12", ".."]})
    with pytest.raises(TypeError, match=r"column 'persons' must be numeric.*'\.\.'"):
        vizkit.Regions(GEOMETRY, data, code="kommun", value="persons")


@pytest.mark.parametrize(("data", "kwargs", "message"), [
    (pd.DataFrame({"code": ["A"], "v": [1.0]}), {}, r"no column 'value'.*code, v"),
    (pd.DataFrame({"code": ["A", "A"], "value": [1.0, 2.0]}), {}, r"repeats code\(s\) A"),
    (pd.DataFrame({"code": ["A", "A"], "value": [1.0, 2.0], "t": [1, 1]}), {"time": "t"},
     r"repeats code\(s\) A within one 't'"),
    ({"A": [1, 2], "B": [1]}, {}, "same number of time steps"),
    (pd.DataFrame({"code": ["A"], "value": [np.inf]}), {}, "infinity"),
])
def test_bad_tables_give_clear_errors(data, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        vizkit.Regions(GEOMETRY, data, **kwargs)


@pytest.mark.parametrize(("geometry", "message"), [
    ({"A": [[[0, 0], [1, 1]]]}, "at least 3 distinct points"),
    ({"A": {"type": "Point", "coordinates": [0, 0]}}, "not a Polygon or MultiPolygon"),
    ({"A": []}, "empty geometry"),
    ({"type": "FeatureCollection", "features": [{"properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]},
     r"features\[0\]\.properties\.code.*missing id property"),
    ({"type": "FeatureCollection", "features": [{"properties": {"code": "A"}, "geometry": None}]},
     r"features\[0\]\.geometry.*null or missing geometry"),
    (42, "geometry must be"),
])
def test_bad_geometry_gives_clear_errors(geometry, message):
    with pytest.raises((ValueError, TypeError), match=message):
        vizkit.Regions(geometry, {"A": 1.0})
