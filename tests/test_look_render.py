"""The HDR pipeline on pixels: linear light in, one tone map out; sky, fog, exposure, bloom;
quality presets; dense particles that never burn out.

Expected values are computed here from the documented curves (the sRGB formula, the tone map's
shoulder written out), not from the renderer's code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import vizkit
from vizkit.clock import FrameState
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.look import QUALITIES, LookError, Quality, quality_named
from vizkit.privacy import Policy
from vizkit.targets.offscreen import OffscreenRenderer
from vizkit.testing import light_of
from vizkit.view import ViewState

FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (160, 90)
KNEE = 0.8


def encode(light: float) -> float:
    """IEC 61966-2-1, continued above 1."""
    return 12.92 * light if light <= 0.0031308 else 1.055 * light ** (1 / 2.4) - 0.055


def decode(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def shoulder(light: float) -> float:
    """The tone map on one grey's light (docs/look.md): unchanged up to the light shown as
    display 0.8, a Reinhard shoulder towards white above."""
    knee = decode(KNEE)
    if light <= knee:
        return light
    u = (light - knee) / (1 - knee)
    return knee + (1 - knee) * u / (1 + u)


QUAD_VERT = """
#version 330 core
uniform vec4 u_rect;   // x0, y0, x1, y1 in clip space
void main() {
    vec2 c = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, c), 0.0, 1.0);
}
"""
QUAD_FRAG = """
#version 330 core
uniform vec3 u_light;
out vec4 f_color;
void main() { f_color = vec4(u_light, 1.0); }
"""


class Quad(vizkit.Layer):
    """Test-only: a rectangle (clip space) of one colour — linear light for a world layer, a
    display value for a HUD layer; ``additive`` adds it (ONE, ONE) like particles."""

    def __init__(self, rect, light, *, hud=False, additive=False, name="quad"):
        super().__init__(name=name)
        self.rect, self.light, self.is_hud, self.additive = rect, light, hud, additive
        self.draw_order = 1 if additive else 0

    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        self.program = group.own(gpu.ctx.program(vertex_shader=QUAD_VERT,
                                                 fragment_shader=QUAD_FRAG))
        self.vao = group.own(gpu.ctx.vertex_array(self.program, []))
        self.ctx = gpu.ctx

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color":
            return
        self.program["u_rect"].value = tuple(self.rect)
        self.program["u_light"].value = tuple(float(v) for v in self.light)
        if self.additive:   # like particles: added, not depth-tested against the quads
            self.ctx.disable(self.ctx.DEPTH_TEST)
            self.ctx.enable(self.ctx.BLEND)
            self.ctx.blend_func = self.ctx.ONE, self.ctx.ONE
        self.vao.render(self.ctx.TRIANGLE_STRIP, vertices=4)
        if self.additive:
            self.ctx.blend_func = self.ctx.SRC_ALPHA, self.ctx.ONE_MINUS_SRC_ALPHA
            self.ctx.disable(self.ctx.BLEND)
            self.ctx.enable(self.ctx.DEPTH_TEST)


class Flat(vizkit.Scene):
    """Quads on a black sky, seen by a camera that nothing else depends on."""

    background = (0.0, 0.0, 0.0)
    sky = vizkit.Sky.uniform((0.0, 0.0, 0.0))

    def __init__(self, layers, **settings):
        super().__init__()
        self.orbit = None
        for name, value in settings.items():
            setattr(self, name, value)
        for layer in layers:
            self.add(layer)


def columns(values):
    """One full-height quad per value, side by side across the view."""
    n = len(values)
    return [Quad((-1 + 2 * i / n, -1, -1 + 2 * (i + 1) / n, 1), (v, v, v), name=f"q{i}")
            for i, v in enumerate(values)]


def centres(image, n):
    width = image.shape[1]
    return [image[SIZE[1] // 2, int((i + 0.5) * width / n), :3].astype(int) for i in range(n)]


def render(gpu, scene, *, quality="laptop", samples=0, size=SIZE):
    renderer = OffscreenRenderer(size, samples=samples, quality=quality, gpu=gpu)
    try:
        return renderer.render(scene, FRAME).pixels
    finally:
        renderer.release()
        scene.release()


# -- the tone map ---------------------------------------------------------------------------

LIGHTS = [0.0, 0.01, 0.2, 0.5, 0.6, 1.0, 2.0, 4.0, 8.0, 24.0]   # white at 35×


def test_linear_light_comes_out_encoded_and_tone_mapped_once(gpu):
    image = render(gpu, Flat(columns(LIGHTS)))
    shown = [c[0] for c in centres(image, len(LIGHTS))]
    for light, value in zip(LIGHTS, shown, strict=True):
        expected = encode(shoulder(light)) * 255
        assert abs(value - expected) <= 1, (light, value, expected)
    assert shown == sorted(shown) and len(set(shown[-4:])) == 4   # brighter stays brighter …
    assert max(shown) < 255                                      # … and never clips


def test_colours_keep_their_hue_on_the_shoulder(gpu):
    amber = np.array([1.0, 0.45, 0.06])           # linear light of #ffb347-ish
    scene = Flat([Quad((-1, -1, 0, 1), amber * 0.4), Quad((0, -1, 1, 1), amber * 20)])
    dim, bright = centres(render(gpu, scene), 2)
    assert bright[0] > dim[0] and bright[0] < 255
    light = [decode(c / 255) for c in bright]                     # linear ratios kept
    assert abs(light[1] / light[0] - amber[1] / amber[0]) < 0.02
    assert bright[2] < 0.4 * bright[0]                            # amber, not white


def test_hud_layers_keep_their_display_values(gpu):
    world = Quad((-1, -1, 0, 1), (1.0, 1.0, 1.0))                 # linear 1: on the shoulder
    hud = Quad((0, -1, 1, 1), (1.0, 1.0, 1.0), hud=True)          # display 1: exactly white
    left, right = centres(render(gpu, Flat([world, hud])), 2)
    assert abs(left[0] - encode(shoulder(1.0)) * 255) <= 1
    assert (right == 255).all()


def test_exposure_scales_the_light(gpu):
    plain = centres(render(gpu, Flat(columns([0.1, 0.3]))), 2)
    halved = centres(render(gpu, Flat(columns([0.1, 0.3]), exposure=0.5)), 2)
    for a, b in zip(plain, halved, strict=True):
        assert abs(light_of(b[0]) - 0.5 * light_of(a[0])) < 0.01


def test_an_8_bit_scene_target_clips_where_float_light_does_not(gpu):
    """Control for the burn-out checks: 'u1' (8-bit sRGB, no tone map) is the old picture."""
    layers = [Quad((-1, -1, 1, 1), (0.3, 0.3, 0.3)),
              Quad((-0.5, -1, 0.5, 1), (3.0, 2.0, 1.0), additive=True)]
    clipped = render(gpu, Flat(layers), quality=quality_named("draft").but(precision="u1"))
    layers = [Quad((-1, -1, 1, 1), (0.3, 0.3, 0.3)),
              Quad((-0.5, -1, 0.5, 1), (3.0, 2.0, 1.0), additive=True)]
    kept = render(gpu, Flat(layers), quality="draft")
    centre = (SIZE[1] // 2, SIZE[0] // 2)
    assert (clipped[centre][:3] == 255).all()                     # white: the hue is lost
    r, g, b = kept[centre][:3].astype(int)
    assert r < 255 and r > g > b                                  # still orange, not white
    assert abs(clipped[centre[0], 5, 0] - encode(0.3) * 255) <= 1  # below white: the same


# -- sky and fog ----------------------------------------------------------------------------

SKY = vizkit.Sky(zenith=(0.10, 0.20, 0.60), horizon=(0.60, 0.65, 0.70), ground=(0.05, 0.05, 0.05))


def sky_display(up: float) -> np.ndarray:
    """The sky's display colour for a direction whose sine of elevation is ``up``."""
    zenith, horizon, ground = (np.array(c) for c in (SKY.zenith, SKY.horizon, SKY.ground))
    if up >= 0:
        return horizon + (zenith - horizon) * math.sqrt(up)
    t = min(max(-up / 0.08, 0.0), 1.0)
    return horizon + (ground - horizon) * (t * t * (3 - 2 * t))


class Looking(vizkit.Scene):
    sky = SKY

    def __init__(self, pitch_deg: float):
        super().__init__()
        self.orbit = None
        pitch = math.radians(pitch_deg)
        self.camera.position = (0.0, 0.0, 0.0)
        self.camera.target = (0.0, math.cos(pitch), math.sin(pitch))
        if abs(pitch_deg) > 89:
            self.camera.target = (0.0, 1e-6, math.copysign(1.0, pitch_deg))


@pytest.mark.parametrize("pitch", [-90.0, -30.0, 0.0, 20.0, 60.0, 90.0])
def test_the_sky_is_the_colour_of_the_direction_looked_in(gpu, pitch):
    image = render(gpu, Looking(pitch)).astype(int)
    expected = sky_display(math.sin(math.radians(pitch))) * 255
    assert np.abs(image[SIZE[1] // 2, SIZE[0] // 2, :3] - expected).max() <= 2


def test_the_default_sky_keeps_the_background_below_the_horizon(gpu):
    scene = Looking(-60.0)
    scene.sky = None
    scene.background = (0.2, 0.1, 0.05)
    image = render(gpu, scene).astype(int)
    assert np.abs(image[SIZE[1] // 2, SIZE[0] // 2, :3] - np.array([0.2, 0.1, 0.05]) * 255
                  ).max() <= 1
    up = Looking(60.0)
    up.background = (0.2, 0.1, 0.05)
    sky = render(gpu, up).astype(int)[SIZE[1] // 2, SIZE[0] // 2, :3]
    assert sky[2] > sky[0]                                        # a sky above: bluer


class Ground(vizkit.Scene):
    """A flat grey terrain seen from above at a known distance."""

    sky = vizkit.Sky.uniform((0.0, 0.0, 0.0))

    def __init__(self, distance: float, fog=None):
        super().__init__()
        self.distance, self.fog = distance, fog

    def setup(self, assets):
        self.add(vizkit.Terrain(np.ones((8, 8)), extent=(-4000, -4000, 4000, 4000),
                                colormap=["#606060", "#606060"], domain=(0.0, 2.0),
                                max_height=1.0, ambient=1.0,   # flat: at the ground plane
                                policy=Policy.off("synthetic test surface")))
        self.orbit = None
        self.camera.position, self.camera.target = (0.0, 0.0, self.distance), (0.0, 1e-3, 0.0)
        self.camera.near, self.camera.far = 1.0, 4 * self.distance


@pytest.mark.parametrize("distance", [500.0, 1500.0, 2500.0, 4000.0])
def test_fog_fades_by_distance_from_the_eye(gpu, distance):
    fog = vizkit.Fog(start=1000.0, end=3000.0, color=(0.8, 0.4, 0.2), opacity=0.9)
    image = render(gpu, Ground(distance, fog)).astype(int)
    x = min(max((distance - 1000.0) / 2000.0, 0.0), 1.0)
    amount = 0.9 * x * x * (3 - 2 * x)
    surface = decode(0x60 / 255)
    expected = [encode(surface * (1 - amount) + decode(c) * amount) * 255
                for c in (0.8, 0.4, 0.2)]
    assert np.abs(image[SIZE[1] // 2, SIZE[0] // 2, :3] - expected).max() <= 2, distance


def test_fog_leaves_the_sky_alone(gpu):
    scene = Looking(20.0)
    scene.fog = vizkit.Fog(start=0.0, end=1.0, color=(1.0, 0.0, 0.0), opacity=1.0)
    image = render(gpu, scene).astype(int)
    expected = sky_display(math.sin(math.radians(20.0))) * 255
    assert np.abs(image[SIZE[1] // 2, SIZE[0] // 2, :3] - expected).max() <= 2


def test_bad_look_settings_are_one_clear_line():
    with pytest.raises(LookError, match=r"Fog: end \(100 m\) must be beyond start \(200 m\)"):
        vizkit.Fog(start=200, end=100)
    with pytest.raises(LookError, match=r"Sky: horizon must be three numbers 0–1"):
        vizkit.Sky(zenith=(0, 0, 0), horizon=(2, 0, 0), ground=(0, 0, 0))
    with pytest.raises(LookError, match="Bloom: strength must be a non-negative number"):
        vizkit.Bloom(strength=-1)
    with pytest.raises(LookError, match="unknown quality 'fancy'; choose one of kiosk, laptop, "
                                        "draft"):
        quality_named("fancy")
    with pytest.raises(LookError, match="bloom needs a floating-point scene target"):
        Quality("x", samples=0, precision="u1", bloom=True, light="plain")


# -- bloom ----------------------------------------------------------------------------------

def spot(light):
    """A 4×4-pixel square of ``light`` in the middle of SIZE (clip-space rectangle)."""
    w, h = 4 / SIZE[0], 4 / SIZE[1]
    return Quad((-w, -h, w, h), (light, light, light))


def test_bloom_glows_around_bright_light_only(gpu):
    kiosk = quality_named("kiosk").but(samples=0)
    cy, cx = SIZE[1] // 2, SIZE[0] // 2
    glow = render(gpu, Flat([spot(20.0)]), quality=kiosk).astype(int)
    plain = render(gpu, Flat([spot(20.0)]), quality="laptop").astype(int)
    dull = render(gpu, Flat([spot(0.4)]), quality=kiosk).astype(int)
    ring = glow[cy, cx + 5: cx + 9, 0]
    assert (plain[cy, cx + 5: cx + 9, 0] == 0).all()              # no bloom: black beside it
    assert (ring > 5).all() and ring[0] > ring[-1]               # a glow that fades outwards
    assert (glow[cy, cx + 30:, 0] <= 1).all()                    # and stays near the light
    assert (dull[cy, cx + 5: cx + 9, 0] == 0).all()              # light below the threshold
    assert glow[cy, cx, 0] < 255                                  # the light itself: shoulder


# -- quality presets ------------------------------------------------------------------------

def test_presets_pick_msaa_precision_and_bloom(gpu):
    assert set(QUALITIES) == {"kiosk", "laptop", "draft"}
    kiosk, laptop, draft = (quality_named(n) for n in ("kiosk", "laptop", "draft"))
    assert (kiosk.samples, kiosk.precision, kiosk.bloom) == (8, "f4", True)
    assert (laptop.samples, laptop.precision, laptop.bloom) == (4, "f2", False)
    assert (draft.samples, draft.precision, draft.bloom) == (0, "f2", False)
    for name, samples in (("kiosk", min(8, gpu.max_samples)), ("draft", 0)):
        renderer = OffscreenRenderer((32, 18), quality=name, gpu=gpu)
        target = renderer.renderer.scene_target((32, 18))
        assert target.samples == samples and target.precision == quality_named(name).precision
        renderer.release()
    override = OffscreenRenderer((32, 18), quality="kiosk", samples=0, gpu=gpu)
    assert override.renderer.scene_target((32, 18)).samples == 0
    override.release()


# -- particles that never burn out ------------------------------------------------------------

HUB = {"H": (0.0, 0.0), **{f"P{i}": (20_000 * math.cos(i * math.pi / 6),
                                     20_000 * math.sin(i * math.pi / 6)) for i in range(12)}}


def hub_flows(scale: float, **options) -> vizkit.Flows:
    """Twelve towns commuting into one hub, the eastern corridor (P0) 4× the others."""
    rows = [(f"P{i}", "H", scale * (4 if i == 0 else 1)) for i in range(12)]
    od = pd.DataFrame(rows, columns=["origin", "destination", "volume"])
    places = pd.DataFrame({"code": list(HUB), "x": [p[0] for p in HUB.values()],
                           "y": [p[1] for p in HUB.values()]})
    return vizkit.Flows(od, places, particles_per_unit=1.0, target_particles=0,
                        policy=Policy.off("synthetic test flows"), **options)


class HubScene(vizkit.Scene):
    background = (0.02, 0.025, 0.04)

    def __init__(self, flows):
        super().__init__()
        self.flows = flows

    def setup(self, assets):
        self.add(self.flows)
        self.frame_all(azimuth=0, elevation=70, margin=0.8)


def clipped_white(image) -> float:
    """Share of pixels burnt out: every channel within 2 % of full."""
    return float((image[..., :3].min(axis=2) >= 250).mean())


@pytest.mark.parametrize("scale", [30.0, 3000.0])
def test_dense_flows_at_default_settings_do_not_burn_out(gpu, scale):
    image = render(gpu, HubScene(hub_flows(scale, color="#ffffff")), size=(320, 180))
    assert clipped_white(image) < 0.005
    assert image[..., :3].max() > 150                      # and they are not dimmed to nothing


def test_an_unadapted_8_bit_render_burns_out_and_the_check_sees_it(gpu):
    burnt = render(gpu, HubScene(hub_flows(3000.0, color="#ffffff", exposure=1.0)),
                   size=(320, 180), quality=quality_named("draft").but(precision="u1"))
    assert clipped_white(burnt) > 0.005


def test_density_still_shows_as_brightness(gpu):
    scene = HubScene(hub_flows(3000.0, color="#ffb347", trail="points", size_px=2.0,
                               arc_height=0.0, bend=0.0))   # straight, on the ground
    renderer = OffscreenRenderer((320, 180), samples=0, gpu=gpu)
    scene.ensure_setup()
    light = np.zeros(2)
    for k in range(12):   # the average over time: particles move
        image = renderer.render(scene, FrameState(k * 0.37, 1 / 30, k)).pixels[..., 0]
        for j, town in enumerate(("P0", "P3")):   # the 4× corridor, a 1× one
            x, y = np.array(HUB[town]) * 0.75      # a quarter of the way from the town
            sx, sy = vizkit.camera.project_to_screen(
                (x, y, 0.0), scene.camera.view_matrix(),
                scene.camera.projection_matrix(320 / 180), (320, 180))
            light[j] += light_of(image[int(sy) - 6: int(sy) + 7, int(sx) - 6: int(sx) + 7]).sum()
    scene.release()
    renderer.release()
    assert light[0] > 2.0 * light[1]      # four times the particles: clearly more light
