"""The dome target: equidistant fisheye geometry, planetarium orientation, seams, HUD, hygiene.

Expected pixel positions are computed here from the equidistant-fisheye formula itself (not from
vizkit's helpers), so a wrong convention in the library cannot agree with itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import vizkit
from vizkit.clock import FrameState
from vizkit.fisheye import (
    DomeError,
    DomeSpec,
    fisheye_directions,
    fisheye_position,
    theatre_direction,
)
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.targets.dome import DomeRenderer
from vizkit.view import ViewState

SIZE = 256
FRAME = FrameState(0.0, 1 / 30, 0)
BACKGROUND = (0.0, 0.0, 0.0)

VERT = """
#version 330 core
uniform mat4 u_mvp;
in vec3 a_position;
in vec3 a_color;
out vec3 v_color;
out vec3 v_position;
void main() {
    v_color = a_color;
    v_position = a_position;
    gl_Position = u_mvp * vec4(a_position, 1.0);
}
"""
FRAG_COLOR = """
#version 330 core
in vec3 v_color;
in vec3 v_position;
out vec4 f_color;
void main() { f_color = vec4(v_color, 1.0); }
"""
# colour = a smooth function of the direction from the eye (at the origin) to the fragment;
# wavy enough (period ~18°) that clamping a filter footprint at a face border would show.
# Layers write linear light: the display value (0.05–0.8, up to the tone map's knee, so the
# picture shows it exactly) is decoded with the sRGB curve, written out here.
WAVES = 20.0
FRAG_GRADIENT = """
#version 330 core
in vec3 v_color;
in vec3 v_position;
out vec4 f_color;
void main() {
    vec3 display = 0.05 + 0.75 * (0.5 + 0.5 * sin(20.0 * normalize(v_position)));
    f_color = vec4(pow((display + 0.055) / 1.055, vec3(2.4)), 1.0);
}
"""


def wave_display(directions: np.ndarray) -> np.ndarray:
    """The display value FRAG_GRADIENT shows for unit directions, 0–255."""
    return (0.05 + 0.75 * (0.5 + 0.5 * np.sin(WAVES * directions))) * 255
HUD_VERT = """
#version 330 core
in vec3 a_position;
in vec3 a_color;
out vec3 v_color;
out vec3 v_position;
void main() { v_color = a_color; v_position = a_position; gl_Position = vec4(a_position, 1.0); }
"""


class MeshLayer(vizkit.Layer):
    """Test-only: triangles with per-vertex colours, drawn with an inline program."""

    def __init__(self, triangles: np.ndarray, colors: np.ndarray, *, fragment: str = FRAG_COLOR,
                 vertex: str = VERT, hud: bool = False, name: str = "mesh"):
        super().__init__(name=name)
        self.data = np.hstack([triangles, colors]).astype("f4")
        self.fragment, self.vertex = fragment, vertex
        self.is_hud = hud

    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        self.program = group.own(gpu.ctx.program(vertex_shader=self.vertex,
                                                 fragment_shader=self.fragment))
        buffer = gpu.buffer(group, self.data)
        content = ((buffer, "3f 3f", "a_position", "a_color") if "a_color" in self.program
                   else (buffer, "3f 12x", "a_position"))
        self.vao = group.own(gpu.ctx.vertex_array(self.program, [content]))

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color":
            return
        if "u_mvp" in self.program:
            self.program["u_mvp"].write(ViewState.gl_matrix(view.model_view_projection()))
        self.vao.render()


def marker_quad(direction: np.ndarray, radius_deg: float = 1.5,
                distance: float = 20.0) -> np.ndarray:
    """Two triangles facing the origin, centred on ``direction``."""
    d = direction / np.linalg.norm(direction)
    helper = np.array([0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(d, helper)
    u /= np.linalg.norm(u)
    v = np.cross(u, d)
    half = distance * math.tan(math.radians(radius_deg))
    c = d * distance
    a, b, cc, dd = c - half * (u + v), c + half * (u - v), c + half * (u + v), c - half * (u - v)
    return np.array([a, b, cc, a, cc, dd])


def box_around_origin(half: float = 50.0) -> np.ndarray:
    corners = np.array([[x, y, z] for x in (-half, half) for y in (-half, half)
                        for z in (-half, half)])
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    tris = []
    for a, b, c, d in quads:
        tris += [corners[a], corners[b], corners[c], corners[a], corners[c], corners[d]]
    return np.array(tris)


class ViewerScene(vizkit.Scene):
    """A viewer at the origin looking north (+y) at eye level: theatre axes = world axes; a
    black sky, so markers and panels are all there is."""

    background = BACKGROUND
    sky = vizkit.Sky.uniform(BACKGROUND)

    def __init__(self, layers):
        super().__init__()
        self.orbit = None
        self.camera.position, self.camera.target = (0.0, 0.0, 0.0), (0.0, 1.0, 0.0)
        self.camera.near, self.camera.far = 0.1, 500.0
        for layer in layers:
            self.add(layer)


def expected_pixel(azimuth: float, elevation: float, size: int, aperture: float,
                   tilt: float) -> tuple[float, float, float]:
    """The equidistant formula, written out: (x, y down, radius fraction)."""
    az, el, t = map(math.radians, (azimuth, elevation, tilt))
    right, ahead, up = math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)
    # dome frame: the axis leans forward by the tilt
    axis_c = ahead * math.sin(t) + up * math.cos(t)
    front_c = ahead * math.cos(t) - up * math.sin(t)
    theta = math.acos(max(-1.0, min(1.0, axis_c)))
    fraction = theta / math.radians(aperture / 2)
    rho = fraction * size / 2
    h = math.hypot(right, front_c)
    if h < 1e-12:
        return size / 2, size / 2, fraction
    return size / 2 + rho * right / h, size / 2 + rho * front_c / h, fraction


def centroid(image: np.ndarray) -> tuple[float, float]:
    weight = image[..., :3].astype(float).max(axis=2)
    weight[weight < 60] = 0
    assert weight.sum() > 0, "marker not visible"
    ys, xs = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    return (float((xs * weight).sum() / weight.sum()) + 0.5,
            float((ys * weight).sum() / weight.sum()) + 0.5)


MARKERS = [(0, 90), (0, 0), (60, 30), (-120, 45), (150, 10), (-30, -8), (90, 5), (200, 60)]


@pytest.mark.parametrize("aperture", [180.0, 210.0])
@pytest.mark.parametrize("tilt", [0.0, 20.0])
def test_markers_land_where_the_equidistant_formula_says(gpu, aperture, tilt):
    layers = [MeshLayer(marker_quad(theatre_direction(az, el)), np.ones((6, 3)),
                        name=f"marker{az},{el}") for az, el in MARKERS]
    scene = ViewerScene(layers)
    dome = DomeRenderer(SIZE, aperture=aperture, tilt=tilt, samples=4, gpu=gpu)
    checked = 0
    try:
        for layer, (az, el) in zip(layers, MARKERS, strict=True):
            for other in layers:
                other.visible = other is layer
            x, y, fraction = expected_pixel(az, el, SIZE, aperture, tilt)
            if fraction > 0.96:          # outside this dome (or on its rim)
                continue
            image = dome.render(scene, FRAME).pixels
            cx, cy = centroid(image)
            error = math.hypot(cx - x, cy - y) / (SIZE / 2)
            assert error < 0.01, (f"marker az={az} el={el}: at ({cx:.2f}, {cy:.2f}), "
                                  f"expected ({x:.2f}, {y:.2f}); off by {error:.2%} of radius")
            # the library helper agrees with the formula written out here
            assert np.allclose(fisheye_position(theatre_direction(az, el), SIZE, aperture, tilt),
                               (x, y), atol=1e-6)
            checked += 1
    finally:
        scene.release()
        dome.release()
    assert checked >= 6


@pytest.mark.parametrize("tilt,gaze", [(0.0, 35.0), (20.0, 35.0), (20.0, None)])
def test_the_camera_looks_at_the_gaze_elevation_without_roll(gpu, tilt, gaze):
    """A camera looking 40° down: its look direction lands ``gaze`` (default: ``tilt``) above
    the dome's front spring line, on the front meridian, whatever the pitch."""
    pitch = -40.0
    ahead = theatre_direction(0.0, pitch)
    marker = MeshLayer(marker_quad(ahead), np.ones((6, 3)))
    scene = ViewerScene([marker])
    scene.camera.target = tuple(ahead)
    dome = DomeRenderer(SIZE, tilt=tilt, gaze=gaze, gpu=gpu, samples=4)
    try:
        cx, cy = centroid(dome.render(scene, FRAME).pixels)
    finally:
        scene.release()
        dome.release()
    elevation = tilt if gaze is None else gaze
    expected_y = SIZE / 2 + (90 - elevation) / 90 * SIZE / 2   # on the front meridian
    assert abs(cx - SIZE / 2) < 0.01 * SIZE / 2
    assert abs(cy - expected_y) < 0.01 * SIZE / 2


def test_zenith_is_the_centre_and_front_is_bottom_centre(gpu):
    zenith = MeshLayer(marker_quad(theatre_direction(0, 90)), np.tile([1.0, 0, 0], (6, 1)))
    front = MeshLayer(marker_quad(theatre_direction(0, 10)), np.tile([0, 1.0, 0], (6, 1)))
    right = MeshLayer(marker_quad(theatre_direction(90, 10)), np.tile([0, 0, 1.0], (6, 1)))
    scene = ViewerScene([zenith, front, right])
    dome = DomeRenderer(SIZE, gpu=gpu, samples=0)
    try:
        image = dome.render(scene, FRAME).pixels.astype(int)
    finally:
        scene.release()
        dome.release()
    red = np.argwhere((image[..., 0] > 128) & (image[..., 1] < 64))
    green = np.argwhere((image[..., 1] > 128) & (image[..., 0] < 64))
    blue = np.argwhere((image[..., 2] > 128) & (image[..., 0] < 64))
    c = SIZE / 2
    (ry, rx), (gy, gx), (by, bx) = red.mean(0) + 0.5, green.mean(0) + 0.5, blue.mean(0) + 0.5
    assert abs(rx - c) < 1 and abs(ry - c) < 1                  # zenith at the centre
    assert abs(gx - c) < 1 and gy > c + 0.8 * c * 80 / 90       # front: bottom centre
    assert abs(by - c) < 1 and bx > c + 0.8 * c * 80 / 90       # audience right: right
    assert (image[0, 0, :3] == 0).all() and (image[-1, -1, :3] == 0).all()  # black corners


def render_waves(gpu, aperture: float, tilt: float) -> dict[str, float]:
    """Render the wavy direction pattern; measure its error on and off cube-face borders."""
    box = MeshLayer(box_around_origin(), np.zeros((36, 3)), fragment=FRAG_GRADIENT)
    scene = ViewerScene([box])
    dome = DomeRenderer(SIZE, aperture=aperture, tilt=tilt, gpu=gpu, samples=0)
    try:
        image = dome.render(scene, FRAME).pixels[..., :3].astype(float)
    finally:
        scene.release()
        dome.release()
    directions, inside = fisheye_directions(SIZE, aperture, tilt)
    centres = (np.arange(SIZE) + 0.5) - SIZE / 2
    radius = np.hypot(*np.meshgrid(centres, centres))
    inner = inside & (radius < SIZE / 2 - 2)
    expected = wave_display(directions)
    error = np.abs(image - expected).max(axis=2)

    # which cube face each pixel samples: in the dome frame, the dominant axis
    t = math.radians(tilt)
    front = np.array([0.0, math.cos(t), -math.sin(t)])
    axis = np.array([0.0, math.sin(t), math.cos(t)])
    dome_dirs = np.stack([directions[..., 0], directions @ front, directions @ axis], axis=-1)
    face = np.argmax(np.abs(dome_dirs), axis=-1) * 2 + (dome_dirs.max(-1) < -dome_dirs.min(-1))
    across_x = inner[:, 1:] & inner[:, :-1] & (face[:, 1:] != face[:, :-1])
    across_y = inner[1:] & inner[:-1] & (face[1:] != face[:-1])
    assert across_x.sum() > 100 and across_y.sum() > 100
    seam = np.zeros_like(inner)
    seam[:, 1:] |= across_x
    seam[:, :-1] |= across_x
    seam[1:] |= across_y
    seam[:-1] |= across_y
    step_x = np.abs(np.diff(image, axis=1)).max(axis=2)
    step_y = np.abs(np.diff(image, axis=0)).max(axis=2)
    plain_x = inner[:, 1:] & inner[:, :-1] & ~across_x
    plain_y = inner[1:] & inner[:-1] & ~across_y
    return {"max_error": float(error[inner].max()),
            "on_seam": float(error[seam].mean()),
            "elsewhere": float(error[inner & ~seam].mean()),
            "step_excess": float(max(step_x[across_x].max() - step_x[plain_x].max(),
                                     step_y[across_y].max() - step_y[plain_y].max()))}


@pytest.mark.parametrize("aperture,tilt", [(180.0, 0.0), (220.0, 25.0)])
def test_no_seams_on_a_smooth_gradient(gpu, aperture, tilt):
    m = render_waves(gpu, aperture, tilt)
    # every pixel shows the colour of its own direction
    assert m["max_error"] <= 4.5, f"largest deviation {m['max_error']:.1f}/255"
    # pixels on a face border are as exact as any other (a difference, not a ratio: the final
    # pass's ±½-step dither adds the same noise floor to both)
    assert m["on_seam"] <= m["elsewhere"] + 0.12, m
    # and the picture is continuous across borders: steps there are like steps elsewhere
    assert m["step_excess"] <= 1, m


def test_the_seam_check_sees_seams_without_seamless_filtering(gpu, monkeypatch):
    """Control: with per-face (clamped) filtering the same measure flags the borders."""
    import vizkit.targets.dome as dome_module

    gl_dither = 0x0BD0  # on by default and meaningless at 8 bits: a harmless stand-in
    monkeypatch.setattr(dome_module, "GL_TEXTURE_CUBE_MAP_SEAMLESS", gl_dither)
    gpu.ctx.disable_direct(0x884F)
    try:
        m = render_waves(gpu, 180.0, 0.0)
    finally:
        gpu.ctx.enable_direct(gl_dither)
    assert m["on_seam"] > m["elsewhere"] + 0.2, m


def test_hud_layers_go_to_the_front_sweet_spot_and_can_be_hidden(gpu):
    quad = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, -1, 0], [1, 1, 0], [-1, 1, 0]],
                    float)
    hud = MeshLayer(quad, np.ones((6, 3)), vertex=HUD_VERT, hud=True, name="caption")
    scene = ViewerScene([hud])
    dome = DomeRenderer(SIZE, gpu=gpu, samples=0)
    try:
        shown = dome.render(scene, FRAME).pixels
        scene.hud_visible = False
        hidden = dome.render(scene, FRAME).pixels
    finally:
        scene.release()
        dome.release()
    white = shown[..., :3].min(axis=2) > 200
    assert white.mean() > 0.02
    assert not (hidden[..., :3].max(axis=2) > 30).any()
    ys, xs = np.nonzero(white)
    # the panel centre (35° above the front spring line) lands below the centre, not at it
    x, y, _ = expected_pixel(0, 35, SIZE, 180, 0)
    assert abs(xs.mean() + 0.5 - x) < 3
    assert ys.min() > SIZE / 2 + 5                  # the zenith stays clear
    assert abs((ys.min() + ys.max() + 1) / 2 - y) < 0.1 * SIZE


def test_only_the_needed_faces_are_drawn_at_a_matching_resolution(gpu):
    dome = DomeRenderer(1024, gpu=gpu, samples=0)
    wide = DomeRenderer(1024, aperture=230, tilt=30, gpu=gpu, samples=0)
    try:
        assert sorted(dome.faces) == ["axis", "back", "front", "left", "right"]
        assert dome.face_size == math.ceil(2 * 1024 / math.pi)
        # at 180° the side faces stop at the horizon: half a face (+ filter margin)
        assert all(rows <= dome.face_size // 2 + 3 for face, rows in dome.rows.items()
                   if face != 3)
        assert len(wide.faces) == 5 and max(wide.rows.values()) == wide.face_size
    finally:
        dome.release()
        wide.release()


def test_gl_objects_are_released_and_state_restored(gpu):
    before = gpu.live_objects()
    scene = ViewerScene([MeshLayer(marker_quad(theatre_direction(0, 45)), np.ones((6, 3)))])
    dome = DomeRenderer(128, gpu=gpu, samples=4)
    dome.render(scene, FRAME)
    scene.release()
    dome.release()
    assert gpu.live_objects() == before
    assert gpu.ctx.error == "GL_NO_ERROR"


@pytest.mark.parametrize("kwargs,message", [
    ({"size": 8}, "--dome 8"), ({"aperture": 170}, "--aperture 170"),
    ({"aperture": 240}, "180..230"), ({"tilt": 31}, "--tilt 31"), ({"tilt": -1}, "0..30"),
    ({"gaze": 95}, "--gaze 95"),
])
def test_out_of_range_formats_are_named(kwargs, message):
    with pytest.raises(DomeError, match=message.replace(".", r"\.")):
        DomeSpec(**{"size": 256, **kwargs}).validate()


def test_domemaster_matches_reference(gpu, reference):
    """Waves, markers and a HUD panel on a 210° dome tilted 20° (tests/reference/)."""
    quad = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, -1, 0], [1, 1, 0], [-1, 1, 0]],
                    float) * 0.9
    colors = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1),
              (1, 0.5, 0)]
    layers = [MeshLayer(box_around_origin(), np.zeros((36, 3)), fragment=FRAG_GRADIENT)]
    layers += [MeshLayer(marker_quad(theatre_direction(az, el), radius_deg=4) * 0.5,
                         np.tile(c, (6, 1))) for (az, el), c in zip(MARKERS, colors, strict=True)]
    layers.append(MeshLayer(quad, np.full((6, 3), 0.9), vertex=HUD_VERT, hud=True))
    scene = ViewerScene(layers)
    dome = DomeRenderer(SIZE, aperture=210, tilt=20, gpu=gpu, samples=4)
    try:
        image = dome.render(scene, FRAME)
    finally:
        scene.release()
        dome.release()
    reference(image, "dome_markers_210_tilt20")
    x, y, _ = expected_pixel(0, 90, SIZE, 210, 20)            # the red zenith marker
    # linear red 1.0 is above the tone map's knee (the light of display 0.8, k = 0.6038): the
    # shoulder k + (1 - k) · u / (1 + u), u = (1 - k) / (1 - k) = 1, leaves 0.8019 of light,
    # display 1.055 · 0.8019 ^ (1 / 2.4) - 0.055 = 0.907 — never clipped
    red, green, blue = image.pixels[int(y), int(x), :3].astype(int)
    assert abs(red - 0.907 * 255) <= 1 and green == 0 and blue == 0


@pytest.mark.parametrize("speed,comfortable", [(4.0, True), (25.0, False)])
def test_camera_motion_measures_how_fast_the_view_turns(speed, comfortable):
    from vizkit.comfort import camera_motion

    class Spin(vizkit.Scene):
        def update(self, frame):
            heading = math.radians(speed * frame.t)
            self.camera.target = (math.sin(heading), math.cos(heading), 0.0)

    scene = Spin()
    scene.orbit = None
    scene.camera.position = (0.0, 0.0, 0.0)
    motion = camera_motion(scene, [FrameState(i / 10, 0.1, i) for i in range(20)])
    assert motion.max_turn_deg_per_s == pytest.approx(speed, rel=1e-3)
    assert motion.comfortable is comfortable
    assert (motion.warning() is None) is comfortable
    if not comfortable:
        assert f"turns at {speed:.0f}°/s" in motion.warning()


GL_FREE_CHECK = r"""
import importlib.abc, sys, types

BLOCKED = {"moderngl", "pyglet", "glcontext"}


class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"GL import blocked: {name}")


sys.meta_path.insert(0, Block())
# The package root without running vizkit/__init__.py (eager today): what a lazy root gives.
root = types.ModuleType("vizkit")
root.__path__ = [sys.argv[1]]
sys.modules["vizkit"] = root

import vizkit.camera, vizkit.demo, vizkit.exhibit, vizkit.matrices, vizkit.output
import vizkit.comfort, vizkit.fisheye
from vizkit.cli import build_parser, checked_settings

for argv in (["render", sys.argv[2], "--out", "x.png", "--tilt", "45"],
             ["run", sys.argv[2], "--dome", "--aperture", "300"]):
    print(checked_settings(build_parser().parse_args(argv), argv[0]))
print(checked_settings(build_parser().parse_args(["render", sys.argv[2], "--out", "x.png"]),
                        "render"))
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
print("GL modules:", loaded)
"""


def test_dome_and_exhibit_settings_are_checked_without_gl(tmp_path):
    """The geometry, DomeSpec, exhibit settings and the CLI's option checks import nothing
    that needs GL, transitively (moderngl, pyglet and glcontext are blocked)."""
    import subprocess
    import sys
    from pathlib import Path

    package = Path(vizkit.__file__).parent
    exhibit = tmp_path / "exhibit"
    exhibit.mkdir()
    (exhibit / "exhibit.toml").write_text('scene = "scene.py"\ndisplay = "dome"\n'
                                          '[dome]\nsize = 2048\ntilt = 10\n')
    result = subprocess.run([sys.executable, "-c", GL_FREE_CHECK, str(package), str(exhibit)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["2", "2"]
    assert lines[2] == "((1280, 720), DomeSpec(size=2048, aperture=180.0, tilt=10.0, gaze=None))"
    assert lines[3] == "GL modules: []"
    assert result.stderr.splitlines() == [
        "vizkit render: --tilt 45: the dome tilt must be 0..30 degrees",
        "vizkit run: --aperture 300: the aperture must be 180..230 degrees"]
