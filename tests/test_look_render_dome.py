"""The look on the dome: the content framed on the front sweet spot by default, the sky right
on the fisheye, one tone map (and bloom) over the whole domemaster so faces meet seamlessly.

Directions of domemaster pixels come from the equidistant formula written out here; the sky's
colour from its documented gradient.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import vizkit
from vizkit.clock import FrameState
from vizkit.fisheye import DomeError, DomeSpec
from vizkit.framing import SWEET_SPOT, dome_framing
from vizkit.look import quality_named
from vizkit.privacy import Policy
from vizkit.script import load_target
from vizkit.targets.dome import DomeRenderer

FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = 256
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def directions(size: int, aperture: float = 180.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(elevation, azimuth) in degrees above the front spring line / right of the front, for
    each pixel centre of an untilted domemaster, and the inside mask."""
    c = (np.arange(size) + 0.5) / size * 2 - 1
    x, y_down = np.meshgrid(c, c)
    r = np.hypot(x, y_down)
    theta = np.minimum(r, 1.0) * math.radians(aperture / 2)        # from the zenith
    elevation = 90.0 - np.degrees(theta)
    azimuth = np.degrees(np.arctan2(x, y_down))                      # front at the bottom
    return elevation, azimuth, r <= 1.0


class Field(vizkit.Scene):
    """A flat, bright rectangle of terrain seen as a screen scene would: from afar, 40° down."""

    sky = vizkit.Sky.uniform((0.0, 0.0, 0.0))

    def __init__(self, azimuth: float = 0.0):
        super().__init__()
        self.azimuth = azimuth

    def setup(self, assets):
        self.add(vizkit.Terrain(np.ones((20, 30)), extent=(0, 0, 30_000, 20_000),
                                colormap=["#80a0c0", "#80a0c0"], domain=(0.0, 2.0),
                                ambient=1.0, policy=Policy.off("synthetic test surface")))
        self.frame_all(azimuth=self.azimuth, elevation=40, margin=1.1)


def content(image: np.ndarray) -> np.ndarray:
    return image[..., :3].max(axis=2) > 20


def sweet_spot(size: int) -> np.ndarray:
    """The front sweet spot: 20°–50° above the front spring line, 40° either side."""
    assert SWEET_SPOT == (20.0, 50.0, 40.0)            # the region vizkit.framing fills
    elevation, azimuth, inside = directions(size)
    return inside & (elevation >= 20) & (elevation <= 50) & (np.abs(azimuth) <= 40)


def render(scene, **options) -> np.ndarray:
    dome = DomeRenderer(SIZE, quality="draft", **options)
    try:
        return dome.render(scene, FRAME).pixels
    finally:
        dome.release()


@pytest.mark.parametrize("azimuth,share,off_centre", [(0.0, 0.97, 5), (-25.0, 0.85, 15)])
def test_by_default_the_content_fills_the_front_sweet_spot(gpu, azimuth, share, off_centre):
    """Seen square on, the footprint covers the sweet spot; seen obliquely, its slanting near
    edge leaves a corner of it (the viewer stops before the footprint would span more than
    80° up the dome)."""
    framed = content(render(Field(azimuth), gpu=gpu))
    kept = content(render(Field(azimuth), gpu=gpu, framing="camera"))
    spot = sweet_spot(SIZE)
    assert framed[spot].mean() > share                     # the sweet spot is content
    assert kept[spot].mean() < 0.2                         # control: the camera as it is
    elevation, azimuth, _ = directions(SIZE)
    assert abs(np.median(elevation[framed]) - 35.0) < 10   # centred on it (extremes centred:
    assert abs(np.median(azimuth[framed])) < off_centre    # an oblique view's mass is not)


def test_gaze_overrides_the_turn_and_framing_camera_keeps_the_camera(gpu):
    scene = Field()
    scene.ensure_setup()
    scene.advance(FRAME)
    spec = DomeSpec(SIZE)
    viewer, gaze = dome_framing(scene.camera, scene.bounds(), spec)
    assert 0 <= gaze <= 90 and viewer is not scene.camera
    # the viewer moved along its line of sight, closer: the same look direction
    before = np.subtract(scene.camera.target, scene.camera.position)
    after = np.subtract(viewer.target, viewer.position)
    assert np.linalg.norm(np.subtract(viewer.position, scene.camera.target)) < np.linalg.norm(
        before)
    assert abs(after[2] / np.linalg.norm(after) - before[2] / np.linalg.norm(before)) < 1e-9
    _, fixed = dome_framing(scene.camera, scene.bounds(), DomeSpec(SIZE, gaze=10.0))
    assert fixed == 10.0
    same, tilt = dome_framing(scene.camera, scene.bounds(), DomeSpec(SIZE, tilt=20.0),
                              framing="camera")
    assert same is scene.camera and tilt == 20.0
    with pytest.raises(DomeError, match="framing must be one of"):
        DomeRenderer(SIZE, framing="zoom", gpu=gpu)
    scene.release()


BUNDLED = sorted(p.stem for p in (ROOT / "scenes").glob("*.py"))


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenes_fill_the_sweet_spot_without_a_gaze(gpu, name):
    """Every bundled scene, made for a screen, fills the front sweet spot of a domemaster by
    default (no --gaze); with the camera as it is, the same scene sits low on the rim."""
    target = load_target(ROOT / "scenes" / f"{name}.py")
    t = float(getattr(target.scene_cls, "test_t", 0.0))
    frame = FrameState(t, 1 / 30, round(t * 30))
    scene = target.create()
    scene.hud_visible = False
    scene.sky = vizkit.Sky.uniform((0.0, 0.0, 0.0))
    dome = DomeRenderer(SIZE, quality="draft", gpu=gpu)
    kept = DomeRenderer(SIZE, quality="draft", gpu=gpu, framing="camera")
    try:
        framed = dome.render(scene, frame).pixels[..., :3].max(axis=2) > 6
        before = kept.render(scene, frame).pixels[..., :3].max(axis=2) > 6
    finally:
        dome.release()
        kept.release()
        scene.release()
    spot = sweet_spot(SIZE)
    elevation, azimuth, _ = directions(SIZE)
    assert framed[spot].mean() > 0.9, framed[spot].mean()
    assert before[spot].mean() < framed[spot].mean() - 0.3
    assert abs(np.median(elevation[framed]) - 35.0) < 12
    assert abs(np.median(azimuth[framed])) < 10


SKY = vizkit.Sky(zenith=(0.10, 0.20, 0.60), horizon=(0.60, 0.65, 0.70), ground=(0.05, 0.05, 0.05))


class Open(vizkit.Scene):
    """Nothing but the sky, the viewer level."""

    sky = SKY

    def __init__(self):
        super().__init__()
        self.orbit = None
        self.camera.position, self.camera.target = (0.0, 0.0, 0.0), (0.0, 1.0, 0.0)


def sky_display(up: np.ndarray) -> np.ndarray:
    zenith, horizon, ground = (np.array(c) for c in (SKY.zenith, SKY.horizon, SKY.ground))
    t = np.clip(-up / 0.08, 0.0, 1.0)[..., None]
    below = horizon + (ground - horizon) * (t * t * (3 - 2 * t))
    above = horizon + (zenith - horizon) * np.sqrt(np.maximum(up, 0.0))[..., None]
    return np.where((up >= 0)[..., None], above, below)


@pytest.mark.parametrize("aperture", [180.0, 220.0])
def test_the_sky_on_the_fisheye_is_the_colour_of_each_direction(gpu, aperture):
    dome = DomeRenderer(SIZE, aperture=aperture, quality="draft", gpu=gpu)
    try:
        image = dome.render(Open(), FRAME).pixels[..., :3].astype(float)
    finally:
        dome.release()
    elevation, _, inside = directions(SIZE, aperture)
    inner = inside & (np.hypot(*np.meshgrid(np.arange(SIZE) + 0.5 - SIZE / 2,
                                            np.arange(SIZE) + 0.5 - SIZE / 2)) < SIZE / 2 - 2)
    expected = sky_display(np.sin(np.radians(elevation))) * 255
    error = np.abs(image - expected).max(axis=2)
    # every pixel, on seams or not; in the steep band just below the horizon (ground to
    # horizon in 4.6°) a bilinear lookup between face texels 0.5° apart is a few steps off
    band = np.abs(elevation) < 6
    assert error[inner & ~band].max() <= 3
    assert error[inner & band].max() <= 10
    assert (image[0, 0] == 0).all() and (image[-1, -1] == 0).all()   # black corners


def test_bloom_on_the_dome_is_one_picture_across_face_seams(gpu):
    """A bright marker straddling the seam between the front and axis faces (45° up, in
    front): with bloom, the glow around it is the same on both sides of the seam."""
    from tests.test_dome import MeshLayer, marker_quad  # the dome tests' marker geometry

    class Marker(vizkit.Scene):
        sky = vizkit.Sky.uniform((0.0, 0.0, 0.0))

        def __init__(self):
            super().__init__()
            self.orbit = None
            self.camera.position, self.camera.target = (0.0, 0.0, 0.0), (0.0, 1.0, 0.0)
            direction = np.array([0.0, 1.0, 1.0]) / math.sqrt(2)
            self.add(MeshLayer(marker_quad(direction, radius_deg=0.8), np.full((6, 3), 30.0)))

    kiosk = quality_named("kiosk").but(samples=0)
    dome = DomeRenderer(SIZE, quality=kiosk, gpu=gpu)
    try:
        image = dome.render(Marker(), FRAME).pixels[..., 0].astype(float)
    finally:
        dome.release()
    # the marker at 45° lands half way from the centre to the rim, below the centre
    cx, cy = SIZE / 2, SIZE / 2 + 0.5 * SIZE / 2
    below = image[int(cy) + 4: int(cy) + 9, int(cx)]     # towards the rim: front face
    above = image[int(cy) - 9: int(cy) - 4, int(cx)][::-1]   # towards the centre: axis face
    assert below.min() > 3 and above.min() > 3             # a glow on both sides …
    assert np.abs(below - above).max() <= 4               # … alike across the seam


def test_the_framing_follows_a_tour_smoothly():
    """A dome must not jump: along the flagship's tour the framed viewer and gaze change
    smoothly — no step more than a few times the camera's own (where the footprint starts to
    cover the sweet spot, the viewer eases back over a second), no spike."""
    scene = load_target(ROOT / "scenes" / "flagship.py").create()
    viewers, gazes, cameras = [], [], []
    for i in range(120):
        scene.advance(FrameState(i * 0.2, 1 / 30, i))
        viewer, gaze = dome_framing(scene.camera, scene.bounds(), DomeSpec(1024))
        viewers.append(viewer.position)
        gazes.append(gaze)
        cameras.append(scene.camera.position)
    scene.release()
    moved = np.linalg.norm(np.diff(np.array(viewers), axis=0), axis=1)
    camera = np.linalg.norm(np.diff(np.array(cameras), axis=0), axis=1)
    assert (moved <= 3.0 * camera + 1.0).all()
    assert np.abs(np.diff(moved)).max() <= 0.3 * moved.max()   # no spike
    assert np.abs(np.diff(gazes)).max() < 1.0               # degrees per 0.2 s
