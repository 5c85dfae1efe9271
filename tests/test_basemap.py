"""BaseMap layer: thin anti-aliased lines of a constant width in pixels, each border blended
once, land fill only on land, beneath the data without z-fighting — measured on pixels, with
expectations computed from the geometry (projected polygons, blend arithmetic), not from the
layer's code. Plus a reference image, the real Swedish kommuner and a domemaster."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import shapely

import vizkit
import vizkit.data as vd
from vizkit.camera import project_to_screen
from vizkit.clock import FrameState
from vizkit.privacy import Policy
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.offscreen import OffscreenRenderer
from vizkit.testing import display_value, light_of, linear_light

FRAME = FrameState(0.0, 1 / 30, 0)
SYNTHETIC = Policy.off("synthetic test surface, no persons")
ROOT = Path(__file__).resolve().parent.parent
OPEN = ROOT / "assets" / "open"
BLACK = (0.0, 0.0, 0.0)

# Only the lines, white on black: the light of a pixel (its red value with the tone map and the
# sRGB curve undone: coverage is light, and light adds up) is the line's coverage there.
LINES_ONLY = dict(land_color=BLACK, line_color=(1.0, 1.0, 1.0), coastline_opacity=0.0,
                  border_opacities=1.0)


def square(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def subdivided(points, pieces):
    """A closed ring with every edge cut into ``pieces`` collinear segments (many joints)."""
    out = []
    for a, b in zip(points, points[1:] + points[:1], strict=True):
        for t in np.arange(pieces) / pieces:
            out.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    return out


TWO_SQUARES = {"A": [square(-1000, -500, 0, 500)], "B": [square(0, -500, 1000, 500)]}


class MapScene(vizkit.Scene):
    """Base map (and optional layers) seen from ``eye`` looking at ``target``."""

    background = BLACK

    def __init__(self, geometry=TWO_SQUARES, *, eye=(0.0, 0.0, 3000.0), target=(0.0, 0.0, 0.0),
                 extra=(), clip=None, **basemap):
        super().__init__()
        self.geometry, self.eye, self.target, self.extra = geometry, eye, target, extra
        self.clip = clip
        self.basemap_kw = basemap

    def setup(self, assets):
        for layer in self.extra:
            self.add(layer)
        self.basemap = self.add(vizkit.BaseMap(self.geometry, **self.basemap_kw))
        self.orbit = None
        self.camera.position, self.camera.target = self.eye, self.target
        distance = float(np.linalg.norm(np.subtract(self.eye, self.target)))
        self.camera.near, self.camera.far = self.clip or (distance / 100, distance * 4)

    def screen(self, point, size):
        return project_to_screen(point, self.camera.view_matrix(),
                                 self.camera.projection_matrix(size[0] / size[1]), size)


def render(gpu, scene, size, samples=0):
    renderer = OffscreenRenderer(size, samples=samples, gpu=gpu)
    try:
        return renderer.render(scene, FRAME).pixels
    finally:
        renderer.release()
        scene.release()


def coverage(image):
    return light_of(image[..., 0])


# -- width in pixels -----------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1.0, 2.5])
def test_a_border_is_the_same_number_of_pixels_wide_at_two_output_sizes(gpu, width):
    measured = []
    for size in [(320, 180), (1280, 720)]:
        image = render(gpu, MapScene(border_widths=width, **LINES_ONLY), size)
        rows = coverage(image)[size[1] // 2 - 20: size[1] // 2 + 20]
        measured.append(rows.sum(axis=1))          # integral across the vertical border
        assert (rows.sum(axis=1) > 0).all()
    for per_row in measured:
        assert np.all(np.abs(per_row - width) <= 0.5), per_row
    assert abs(measured[0].mean() - measured[1].mean()) <= 0.5


def test_the_width_does_not_change_when_the_camera_moves_away(gpu):
    for height in (3000.0, 9000.0):
        scene = MapScene(border_widths=2.0, eye=(0.0, 0.0, height), **LINES_ONLY)
        image = render(gpu, scene, (320, 180))
        top = int(scene.screen((0.0, 400.0, 0.0), (320, 180))[1])
        bottom = int(scene.screen((0.0, -400.0, 0.0), (320, 180))[1])
        per_row = coverage(image)[top:bottom].sum(axis=1)
        assert len(per_row) > 10 and np.all(np.abs(per_row - 2.0) <= 0.5), per_row


def test_edges_are_anti_aliased_with_partial_coverage(gpu):
    # a square turned 30°: its shared diagonal border crosses pixels at every offset
    turn = math.radians(30)
    rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    geometry = {k: [[tuple(rot @ p) for p in ring] for ring in rings]
                for k, rings in TWO_SQUARES.items()}
    scene = MapScene(geometry, border_widths=1.5, **LINES_ONLY)
    image = render(gpu, scene, (320, 180))
    line = coverage(image)
    partial = (line > 0.05) & (line < 0.95)
    full = line >= 0.95
    assert partial.sum() > 100, "analytic anti-aliasing feathers the edges"
    assert partial.sum() > full.sum()           # 1.5 px: mostly partial pixels
    # across a 30°-from-vertical line a row crosses width / cos(30°) pixels
    per_row = line[60:120].sum(axis=1)
    assert np.all(np.abs(per_row - 1.5 / math.cos(turn)) <= 0.5), per_row


# -- each border once --------------------------------------------------------------------------

def test_a_shared_border_is_blended_once_even_with_joints_all_along(gpu):
    # B's west edge (the border) is cut into 25 segments; A's has none: 24 joints on the line
    geometry = {"A": [square(-1000, -500, 0, 500)],
                "B": [subdivided(square(0, -500, 1000, 500), 25)]}
    scene = MapScene(geometry, border_widths=4.0, land_color=BLACK, line_color=(1, 1, 1),
                     coastline_opacity=0.0, border_opacities=0.5)
    image = render(gpu, scene, (320, 180))
    column = round(scene.screen((0.0, 0.0, 0.0), (320, 180))[0])
    top = int(scene.screen((0.0, 480.0, 0.0), (320, 180))[1]) + 2
    bottom = int(scene.screen((0.0, -480.0, 0.0), (320, 180))[1]) - 2
    centre = light_of(image[top:bottom, column - 1: column + 2, 0].max(axis=1))
    once, twice = 0.5, 1 - 0.5 * 0.5                    # "over" applied once vs twice
    assert np.all(np.abs(centre - once) <= 0.02), (centre.min(), centre.max(), twice)


def test_a_dense_coastline_is_never_brighter_than_one_blend(gpu):
    disc = shapely.Point(0, 0).buffer(800.0, quad_segs=400)   # 1,600 short segments
    geometry = {"D": [list(disc.exterior.coords)]}
    scene = MapScene(geometry, land_color=BLACK, line_color=(1, 1, 1), coastline_width=3.0,
                     coastline_opacity=0.6)
    image = render(gpu, scene, (320, 180))
    brightest = float(light_of(image[..., 0].max()))
    assert brightest <= 0.6 + 0.02                      # twice would reach 0.84
    assert brightest >= 0.6 - 0.02                      # and the core is fully covered


# -- land fill only on land ----------------------------------------------------------------------

L_SHAPE = [(0, 0), (2000, 0), (2000, 600), (700, 600), (700, 1500), (0, 1500)]
ISLAND = [(2400, 900), (2900, 1000), (2600, 1400)]
GREEN = (0.0, 0.8, 0.0)


@pytest.mark.parametrize("lines", [False, True])
def test_no_pixel_of_land_is_drawn_outside_the_projected_land(gpu, lines):
    size = (320, 180)
    style = {} if lines else dict(coastline_opacity=0.0, border_opacities=0.0)
    scene = MapScene({"L": [L_SHAPE], "I": [ISLAND]}, eye=(-900.0, -2600.0, 2200.0),
                     target=(1400.0, 700.0, 0.0), land_color=GREEN, **style)
    image = render(gpu, scene, size, samples=4)
    outlines = [shapely.Polygon([scene.screen((x, y, 0.0), size) for x, y in ring])
                for ring in (L_SHAPE, ISLAND)]
    projected = shapely.MultiPolygon(outlines)
    reach = (scene.basemap.coastline_width / 2 + 1.0) if lines else 0.75
    ys, xs = np.mgrid[0:size[1], 0:size[0]] + 0.5
    drawn = (image[..., :3].astype(int) != 0).any(axis=-1)
    outside = ~shapely.contains_xy(projected.buffer(reach), xs, ys)
    assert drawn.sum() > 2000
    assert not (drawn & outside).any(), f"{(drawn & outside).sum()} pixels drawn off the land"
    inside = shapely.contains_xy(projected.buffer(-reach - 1.0), xs, ys)
    green = (image[..., 0] == 0) & (np.abs(image[..., 1].astype(int) - 204) <= 1)
    assert green[inside].all()                        # and every pixel of land is filled


# -- beneath the data, no z-fighting ----------------------------------------------------------

GROUND = "#606060"


def flat_terrain(heights):
    """A terrain over the two squares whose zero cells lie on the ground plane, flat grey."""
    return vizkit.Terrain(heights, extent=(-1100, -600, 1100, 600), policy=SYNTHETIC,
                          colormap=[GROUND, "#c03030"], domain=(0.0, 1.0), max_height=600.0,
                          ambient=1.0)


def test_the_land_fill_never_shows_through_a_flat_terrain_and_borders_stay_on_it(gpu):
    size = (320, 180)
    # a grazing view (15° above the ground) is where coplanar surfaces fight most
    scene = MapScene(eye=(300.0, -3200.0, 850.0), target=(0.0, 0.0, 0.0),
                     extra=[flat_terrain(np.zeros((24, 44)))], land_color=GREEN,
                     line_color=(1, 1, 1), border_widths=2.0, border_opacities=1.0)
    image = render(gpu, scene, size)
    inner = shapely.Polygon([scene.screen((x, y, 0.0), size) for x, y in
                             square(-1000, -500, 1000, 500)]).buffer(-3.0)
    ys, xs = np.mgrid[0:size[1], 0:size[0]] + 0.5
    inside = shapely.contains_xy(inner, xs, ys)
    green = (image[..., 1].astype(int) > image[..., 0].astype(int) + 40)
    assert not (green & inside).any(), f"{(green & inside).sum()} land pixels over the terrain"
    # the border (x = 0) is white on the terrain's grey ground, all along (white is above the
    # tone map's knee: the shoulder shows it at 0.907 of full)
    for y in np.linspace(-450, 450, 10):
        sx, sy = scene.screen((0.0, float(y), 0.0), size)
        assert image[int(sy), int(sx) - 1: int(sx) + 2, 0].max() >= 0.9 * 255 - 2, y


def test_a_raised_block_hides_the_border_beneath_it(gpu):
    heights = np.zeros((24, 44))
    heights[8:16, 18:26] = 1.0                          # a 600 m block over x = 0
    size = (320, 180)
    scene = MapScene(eye=(0.0, 0.0, 3000.0), extra=[flat_terrain(heights)],
                     land_color=GREEN, line_color=(1, 1, 1), border_widths=2.0,
                     border_opacities=1.0)
    image = render(gpu, scene, size)
    on_cap = scene.screen((0.0, 0.0, 600.0), size)
    cap = image[int(on_cap[1]), int(on_cap[0]) - 2: int(on_cap[0]) + 3, :3].astype(int)
    assert (np.abs(cap - [192, 48, 48]) <= 3).all(), cap      # the block's red, no line
    open_ground = scene.screen((0.0, 400.0, 0.0), size)
    assert image[int(open_ground[1]), int(open_ground[0]) - 1: int(open_ground[0]) + 2,
                 0].max() >= 0.9 * 255 - 2                       # the line where it is open


def test_alpha_stays_opaque_and_the_map_is_not_pickable(gpu):
    size = (320, 180)
    for land in [(0.2, 0.3, 0.4), (0.2, 0.3, 0.4, 0.5)]:     # opaque and translucent land
        scene = MapScene(border_widths=3.0, border_opacities=0.7, land_color=land)
        image = render(gpu, scene, size)
        assert (image[..., 3] == 255).all()           # the lines' passes restore alpha
        opacity = land[3] if len(land) == 4 else 1.0      # over a black background: light
        expected = display_value(linear_light(land[:3]) * opacity) * 255   # times opacity
        assert (np.abs(image[90, 100, :3] - expected) <= 1.5).all(), image[90, 100]
    scene = MapScene(extra=[flat_terrain(np.zeros((24, 44)))])
    scene.ensure_setup()
    assert vizkit.pick(scene, 100, 90, size, frame=FRAME, gpu=gpu).layer == "Terrain"
    assert scene.basemap.legend() is None
    scene.release()
    alone = MapScene()
    assert vizkit.pick(alone, 160, 90, size, frame=FRAME, gpu=gpu) is None
    alone.release()


# -- settings, provenance ----------------------------------------------------------------------

def test_settings_are_checked_and_provenance_is_carried():
    with pytest.raises(ValueError, match=r"BaseMap: border_widths needs one value per border "
                                         r"level \(1"):
        vizkit.BaseMap(TWO_SQUARES, border_widths=(1.0, 2.0))
    with pytest.raises(ValueError, match=r"BaseMap: coastline_width must be a number of pixels"):
        vizkit.BaseMap(TWO_SQUARES, coastline_width=0)
    with pytest.raises(ValueError, match=r"BaseMap: land_color must be a colour"):
        vizkit.BaseMap(TWO_SQUARES, land_color="not a colour")
    regions = vd.read_geojson(ROOT / "assets" / "uppsala_municipalities.geojson", "kommun")
    basemap = vizkit.BaseMap(regions)
    assert basemap.provenance is regions.attrs["provenance"]
    assert "Source: vizkit sample data" in vizkit.Attribution([basemap]).text


# -- pictures --------------------------------------------------------------------------------

class UppsalaMap(vizkit.Scene):
    """The bundled Uppsala municipalities as a base map, default settings."""

    def setup(self, assets):
        regions = vd.read_geojson(ROOT / "assets" / "uppsala_municipalities.geojson", "kommun")
        self.basemap = self.add(vizkit.BaseMap(regions))
        self.frame_all(azimuth=-30, elevation=40, margin=0.7)


def test_uppsala_base_map_matches_its_reference(offscreen, reference):
    scene = UppsalaMap()
    image = offscreen.render(scene, FRAME)
    reference(image, "basemap_uppsala")
    rgb = image.pixels[..., :3].astype(int)
    background = np.round(np.array(scene.background) * 255).astype(int)
    lit = (np.abs(rgb - background) > 3).any(axis=-1)
    assert 0.15 < lit.mean() < 0.6                   # the county, with room around it
    assert rgb.max() < 230                           # calm: nothing near white
    scene.release()


@pytest.mark.parametrize("country", ["sweden", "norway"])
def test_real_boundaries_at_default_settings_are_calm(gpu, country):
    # SCB's 290 kommuner in 21 län; Kartverket's 356 kommuner in 11 fylker (fjords: 17k
    # coastline segments)
    files = {"sweden": ("se_kommuner", "se_lan", "EPSG:3006"),
             "norway": ("no_kommuner_2020-2022", "no_fylker_2020", "EPSG:25833")}
    fine, coarse, crs = files[country]
    kommuner = vd.read_geojson(OPEN / f"{fine}.geojson", "code", crs=crs)
    groups = vd.read_geojson(OPEN / f"{coarse}.geojson", "code", crs=crs)

    class Country(vizkit.Scene):
        def setup(self, assets):
            self.basemap = self.add(vizkit.BaseMap(kommuner, groups))
            self.frame_all(azimuth=0, elevation=89.9, margin=0.9)

    scene = Country()
    image = render(gpu, scene, (480, 600), samples=4)
    lum = image[..., :3].astype(np.float64).mean(axis=-1)
    background = np.mean(Country.background) * 255
    land = np.abs(lum - background) > 3
    assert 0.1 < land.mean() < 0.6
    line = np.mean(vizkit.BaseMap(kommuner).line_color[:3]) * 255
    assert lum.max() <= line + 2                     # light grey lines, never brighter
    lines = lum > 80
    assert 0.005 < lines.mean() < 0.15               # borders visible, not a white mesh


# -- on a dome: widths in pixels of the domemaster ------------------------------------------------

@pytest.mark.parametrize("size", [1024, 4096])
def test_on_a_dome_the_width_is_in_pixels_of_the_domemaster_everywhere(gpu, size):
    # A ring at 30° elevation all around a camera beneath it: on an untilted dome the ring is
    # the circle 60° from the zenith, crossing the four side faces at every angle from their
    # centres to their edges. Across it (radially) the domemaster has the same pixels per
    # radian everywhere, so its width must be the coastline width everywhere.
    height, elevation, width = 100.0, 30.0, 3.0
    radius = height / math.tan(math.radians(elevation))
    ring = shapely.Point(0, 0).buffer(radius, quad_segs=256)
    scene = MapScene({"R": [list(ring.exterior.coords)]}, eye=(0.0, 0.0, -height),
                     target=(1.0, 0.0, -height), land_color=BLACK, line_color=(1, 1, 1),
                     coastline_width=width, coastline_opacity=1.0, clip=(1.0, 2000.0))
    dome = DomeRenderer(size, samples=4, gpu=gpu, level=True)
    try:
        dome.draw(scene, FRAME)
        image = dome.output.read()
    finally:
        dome.release()
        scene.release()
    line = coverage(image)
    centre = (size - 1) / 2.0
    expected_r = (60.0 / 90.0) * size / 2.0
    widths = []
    for azimuth in np.linspace(0, 360, 72, endpoint=False):
        d = np.array([math.cos(math.radians(azimuth)), math.sin(math.radians(azimuth))])
        r = np.arange(expected_r - 12, expected_r + 12, 0.25)
        xs, ys = centre + r * d[0], centre + r * d[1]
        widths.append(_bilinear(line, xs, ys).sum() * 0.25)
    widths = np.array(widths)
    assert np.all(np.abs(widths - width) <= 0.5), widths.round(2)


def _bilinear(image, xs, ys):
    x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    fx, fy = xs - x0, ys - y0
    return ((1 - fx) * (1 - fy) * image[y0, x0] + fx * (1 - fy) * image[y0, x0 + 1]
            + (1 - fx) * fy * image[y0 + 1, x0] + fx * fy * image[y0 + 1, x0 + 1])


def test_the_credits_name_every_dataset_the_map_draws():
    fine = vd.read_geojson(ROOT / "assets" / "uppsala_municipalities.geojson", "kommun")
    coarse = fine.copy()
    coarse.attrs["provenance"] = vd.Provenance(source="A county file", licence="CC0-1.0")
    basemap = vizkit.BaseMap(fine, coarse)
    assert basemap.provenances == (fine.attrs["provenance"], coarse.attrs["provenance"])
    text = vizkit.Attribution([basemap]).text
    assert "Source: vizkit sample data" in text and "Source: A county file" in text


def test_a_path_is_read_with_its_provenance_and_a_str_is_a_column():
    path = ROOT / "assets" / "uppsala_municipalities.geojson"
    basemap = vizkit.BaseMap(path, path, id_property="kommun")      # file, then a coarser file
    assert basemap.provenance.title.startswith("Uppsala län municipalities")
    inner, between = basemap.linework.borders     # each region is its own coarser group,
    assert len(inner) == 0 and len(between) == 14  # so every border is a stronger one
    regions = vd.read_geojson(path, "kommun")
    assert len(vizkit.BaseMap(regions, "lan").linework.borders[1]) == 0   # one county
    with pytest.raises(ValueError, match=r"BaseMap: coarser level 1: no column 'county'"):
        vizkit.BaseMap(regions, "county")
