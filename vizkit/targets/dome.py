"""Fulldome output: draw the scene into a cubemap, resample it into a domemaster frame.

A *domemaster* is a square frame holding an angular (equidistant) fisheye, the format every
planetarium playback system takes. Conventions (docs/dome.md has pictures and the reasons):

* the **dome axis** is at the centre of the square (the zenith on an untilted dome);
* the distance from the centre is **proportional to the angle from the axis**; the edge circle is
  at half the aperture (the horizon sits on the 180° circle, at radius ``180 / aperture``);
* the **front** of the dome is at the **bottom centre**, the audience's right is on the right;
* outside the circle the frame is black.

**Theatre frame.** The scene camera is a viewer: its position is the eye, its look direction is
"straight ahead at eye level" for the audience, the world's up (+z) is the audience's up, and roll
is removed (the right vector stays horizontal) unless ``roll=True``. ``level=True`` also drops the
camera's pitch, so the world horizon lies on the dome horizon (sky and walk-through shows).

**Tilt.** A dome tilted by ``tilt`` degrees has its axis leaning forward from the vertical: the
centre of the frame looks ``90 - tilt`` degrees above eye level, straight ahead, and the front
edge dips ``tilt`` degrees below eye level.

**Gaze.** By default the camera's look direction is straight ahead at eye level, which lands
``tilt`` degrees above the dome's front spring line — physically right, and the world horizon
of a level camera lies on the real horizon. A scene made for flat screens usually looks *down*
at its subject, which then sits low on the dome (on an untilted 180° dome, on the rim).
``gaze`` overrides where the look direction lands, in degrees above the front spring line
(35 puts it on the front sweet spot): the whole world turns with it, still without roll.

**How a frame is made.** Five 90° perspective views (the dome axis and four sides; the nadir face
is needed only beyond a 250° aperture and is never drawn here) are drawn with the ordinary
:class:`~vizkit.render.Renderer` — layers do not know they are on a dome. Side faces draw only the
rows the aperture reaches (half a face at 180°). Each face is copied GPU-side into a cubemap.
A warp mesh over the square (a grid whose vertices carry the direction the equidistant formula
gives; ~16 px cells) then draws the fisheye: per pixel, one cubemap lookup of the interpolated
direction, with linear filtering and ``GL_TEXTURE_CUBE_MAP_SEAMLESS`` so face borders cannot be
seen. (Trigonometry per pixel costs more than the lookup on a software GL.)
The face resolution matches the fisheye's angular resolution at the centre of each face
(``2 * size / aperture_in_radians``, about 0.64 × size at 180°).

**HUD.** Layers with ``is_hud`` are not drawn into the cube. They are drawn flat into their own
image, which is laid over the dome as a panel at the front *sweet spot* (35° above the front
spring line, 60° wide, 16:9), never at the zenith.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vizkit.clock import FrameState
from vizkit.gpu import GpuContext, RenderTarget
from vizkit.image import Image
from vizkit.render import Renderer
from vizkit.view import ViewState

if TYPE_CHECKING:
    import moderngl

    from vizkit.camera import Camera
    from vizkit.layers.base import Layer
    from vizkit.scene import Scene

# Ranges of the planetarium formats the CLI accepts (the class itself takes small sizes too,
# for previews and tests).
SIZE_RANGE = (1024, 8192)
APERTURE_RANGE = (180.0, 230.0)
TILT_RANGE = (0.0, 30.0)
MIN_SIZE = 16

HUD_ELEVATION = 35.0     # degrees above the dome's front spring line
HUD_WIDTH = 60.0         # degrees across
HUD_ASPECT = 16 / 9

# Comfort on a dome (docs/dome.md): the whole field of view moves with the camera, so turns
# that look calm on a screen make an audience seasick. Above this a recording gets a warning.
MAX_TURN_DEG_PER_S = 10.0

GL_TEXTURE_CUBE_MAP_SEAMLESS = 0x884F
ROW_MARGIN = 2           # extra face rows drawn beyond what the aperture reaches (filtering)

# GL cube face i: (forward, up) in cube coordinates; ``forward × up`` is the face's right, and
# framebuffer rows map 1:1 to the face's texel rows (OpenGL spec, table 8.19).
_GL_FACES = (
    ((1, 0, 0), (0, -1, 0)),   # +X: audience right
    ((-1, 0, 0), (0, -1, 0)),  # -X: left
    ((0, 1, 0), (0, 0, 1)),    # +Y: nadir (away from the dome axis)
    ((0, -1, 0), (0, 0, -1)),  # -Y: the dome axis
    ((0, 0, 1), (0, -1, 0)),   # +Z: front
    ((0, 0, -1), (0, -1, 0)),  # -Z: back
)
FACE_NAMES = ("right", "left", "nadir", "axis", "front", "back")
_SIDE_FACES = (0, 1, 4, 5)
_AXIS_FACE, _NADIR_FACE = 3, 2


class DomeError(ValueError):
    """A dome size, aperture or tilt outside what the dome target supports."""


@dataclass(frozen=True)
class DomeSpec:
    """A domemaster format: ``size`` px square, ``aperture``, ``tilt`` and ``gaze`` in degrees.

    ``gaze`` (``None`` = ``tilt``) is where the camera's look direction lands on the dome, in
    degrees above the front spring line.
    """

    size: int = 4096
    aperture: float = 180.0
    tilt: float = 0.0
    gaze: float | None = None

    @property
    def gaze_elevation(self) -> float:
        """Degrees above the dome's front spring line where the camera looks."""
        return self.tilt if self.gaze is None else self.gaze

    def validate(self, min_size: int = MIN_SIZE) -> DomeSpec:
        """Return self, or raise :class:`DomeError` naming the value out of range."""
        lo, hi = min_size, SIZE_RANGE[1]
        if not lo <= self.size <= hi:
            raise DomeError(f"--dome {self.size}: the domemaster size (one side of the square) "
                            f"must be {lo}..{hi} pixels")
        a0, a1 = APERTURE_RANGE
        if not a0 <= self.aperture <= a1:
            raise DomeError(f"--aperture {self.aperture:g}: the aperture must be "
                            f"{a0:g}..{a1:g} degrees")
        t0, t1 = TILT_RANGE
        if not t0 <= self.tilt <= t1:
            raise DomeError(f"--tilt {self.tilt:g}: the dome tilt must be {t0:g}..{t1:g} "
                            f"degrees")
        if self.gaze is not None and not 0.0 <= self.gaze <= 90.0:
            raise DomeError(f"--gaze {self.gaze:g}: the gaze elevation must be 0..90 degrees "
                            f"above the dome's front spring line")
        return self


# -- geometry (pure numpy; the shader does the same per pixel) --------------------------------
def theatre_direction(azimuth: float, elevation: float) -> np.ndarray:
    """Unit vector (right, front, up) of a direction seen by the audience.

    Args:
        azimuth: degrees from straight ahead towards the right.
        elevation: degrees above eye level.
    """
    az, el = math.radians(azimuth), math.radians(elevation)
    return np.array([math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el)])


def _tilt_axes(tilt: float) -> tuple[np.ndarray, np.ndarray]:
    """Dome front and dome axis as theatre vectors (the dome leans forward by ``tilt``)."""
    t = math.radians(tilt)
    return np.array([0.0, math.cos(t), -math.sin(t)]), np.array([0.0, math.sin(t), math.cos(t)])


def fisheye_position(direction: Sequence[float], size: int, aperture: float = 180.0,
                     tilt: float = 0.0) -> tuple[float, float]:
    """Where a theatre direction lands in the domemaster, in pixels.

    Returns ``(x, y)`` with x to the right and y *down* from the top-left corner of the frame
    (pixel ``(i, j)`` covers ``[i, i+1) × [j, j+1)``), possibly outside the circle.
    """
    d = np.asarray(direction, float)
    d = d / np.linalg.norm(d)
    front, axis = _tilt_axes(tilt)
    x, y, z = d[0], float(d @ front), float(d @ axis)
    theta = math.acos(max(-1.0, min(1.0, z)))
    radius = theta / math.radians(aperture / 2) * size / 2
    horizontal = math.hypot(x, y)
    if horizontal < 1e-12:
        return (size / 2, size / 2)
    return (size / 2 + radius * x / horizontal, size / 2 + radius * y / horizontal)


def fisheye_directions(size: int, aperture: float = 180.0,
                       tilt: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Theatre direction of every pixel centre: ``(H, W, 3)`` unit vectors and an inside mask."""
    centres = (np.arange(size) + 0.5) / size * 2 - 1
    px, py_down = np.meshgrid(centres, centres)
    r = np.hypot(px, py_down)
    theta = np.minimum(r, 1.0) * math.radians(aperture / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        hx = np.where(r > 0, px / np.where(r > 0, r, 1), 0.0)
        hy = np.where(r > 0, py_down / np.where(r > 0, r, 1), 1.0)
    x, y, z = np.sin(theta) * hx, np.sin(theta) * hy, np.cos(theta)
    front, axis = _tilt_axes(tilt)
    theatre = (x[..., None] * np.array([1.0, 0.0, 0.0]) + y[..., None] * front
               + z[..., None] * axis)
    return theatre, r <= 1.0


def viewer_basis(camera: Camera, *, level: bool = False,
                 roll: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World vectors (right, ahead, up) of the audience for a scene camera.

    ``ahead`` is the camera's look direction (horizontal when ``level``); ``right`` is
    horizontal unless ``roll``; ``up = right × ahead``.
    """
    eye = np.asarray(camera.position, float)
    ahead = np.asarray(camera.target, float) - eye
    world_up = np.array([0.0, 0.0, 1.0])
    if level:
        ahead = ahead - (ahead @ world_up) * world_up
        if np.linalg.norm(ahead) < 1e-12:  # looking straight up or down: face north
            ahead = np.array([0.0, 1.0, 0.0])
    norm = np.linalg.norm(ahead)
    if norm < 1e-12:
        raise ValueError("camera position and target coincide")
    ahead = ahead / norm
    reference = np.asarray(camera.up, float) if roll else world_up
    right = np.cross(ahead, reference)
    if np.linalg.norm(right) < 1e-9:  # looking straight down/up: north is up, as Camera does
        right = np.cross(ahead, np.array([0.0, 1.0, 0.0]))
    right = right / np.linalg.norm(right)
    return right, ahead, np.cross(right, ahead)


def face_size_for(size: int, aperture: float) -> int:
    """Cube face resolution whose texel at a face centre matches one domemaster pixel."""
    return max(8, math.ceil(2 * size / math.radians(aperture)))


def face_rows(face_size: int, aperture: float) -> dict[int, int]:
    """GL face index → number of rows to draw (from the top, towards the dome axis)."""
    half = math.radians(aperture / 2)
    rows = {_AXIS_FACE: face_size}
    if half > math.radians(45.0):
        cot = math.cos(half) / math.sin(half)
        t_min = max(-1.0, cot if cot >= 0 else cot * math.sqrt(2.0))
        needed = math.ceil(face_size * (1.0 - t_min) / 2) + ROW_MARGIN
        for face in _SIDE_FACES:
            rows[face] = min(face_size, needed)
    if half > math.pi - math.atan(math.sqrt(2.0)):
        rows[_NADIR_FACE] = face_size
    return rows


def warp_mesh(aperture: float, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """The fisheye as a grid mesh: ``(V, 5) float32`` vertices ``(x, y, cube direction)`` over
    the square ``[-1, 1]²`` (y up) and ``uint32`` triangle indices, cells outside the circle left
    out. Directions follow the equidistant formula (extrapolated past the rim, where the
    fragment shader blacks them out)."""
    grid = np.linspace(-1.0, 1.0, cells + 1)
    px, py = np.meshgrid(grid, grid)
    r = np.hypot(px, py)
    theta = r * math.radians(aperture / 2)
    safe = np.where(r > 0, r, 1.0)
    hx, hy = np.where(r > 0, px / safe, 0.0), np.where(r > 0, py / safe, -1.0)
    right, front, axis = np.sin(theta) * hx, -np.sin(theta) * hy, np.cos(theta)
    vertices = np.stack([px, py, right, -axis, front], axis=-1).reshape(-1, 5)
    lo, hi = grid[:-1], grid[1:]
    near_x = np.clip(0.0, lo, hi)  # each cell's point nearest the centre
    near = np.hypot(*np.meshgrid(near_x, near_x))
    rows, cols = np.nonzero(near <= 1.0)
    a = (rows * (cells + 1) + cols).astype(np.uint32)
    b, c, d = a + 1, a + cells + 1, a + cells + 2
    indices = np.stack([a, b, d, a, d, c], axis=1).ravel()
    return vertices.astype(np.float32), indices


def hud_panel_mesh(aperture: float, columns: int = 48,
                   rows: int = 27) -> tuple[np.ndarray, np.ndarray]:
    """The HUD panel as a grid mesh on the domemaster: ``(V, 4) float32`` vertices
    ``(x, y, u, v)`` (square coordinates, y up; texture coordinates) and ``uint32`` indices.

    The panel is flat, ``HUD_WIDTH`` degrees wide with a 16:9 image, centred ``HUD_ELEVATION``
    above the dome's front spring line and facing the audience (gnomonic projection).
    """
    e = math.radians(HUD_ELEVATION)
    center = np.array([0.0, math.cos(e), math.sin(e)])      # dome frame (right, front, axis)
    right = np.array([1.0, 0.0, 0.0])
    up = np.cross(right, center)
    half_w = math.tan(math.radians(HUD_WIDTH / 2))
    half_h = half_w / HUD_ASPECT
    u, v = np.meshgrid(np.linspace(0.0, 1.0, columns + 1), np.linspace(0.0, 1.0, rows + 1))
    d = (center + ((2 * u - 1) * half_w)[..., None] * right
         + ((2 * v - 1) * half_h)[..., None] * up)
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    theta = np.arccos(np.clip(d[..., 2], -1.0, 1.0))
    r = theta / math.radians(aperture / 2)
    horizontal = np.hypot(d[..., 0], d[..., 1])
    x, y = r * d[..., 0] / horizontal, -r * d[..., 1] / horizontal   # front at the bottom
    vertices = np.stack([x, y, u, v], axis=-1).reshape(-1, 4)
    row, col = np.mgrid[0:rows, 0:columns]
    a = (row * (columns + 1) + col).ravel().astype(np.uint32)
    b, c, dd = a + 1, a + columns + 1, a + columns + 2
    indices = np.stack([a, b, dd, a, dd, c], axis=1).ravel()
    return vertices.astype(np.float32), indices


def _frustum(left: float, right: float, bottom: float, top: float, near: float,
             far: float) -> np.ndarray:
    """glFrustum as a column-vector float64 matrix (bounds at the near plane)."""
    return np.array([
        [2 * near / (right - left), 0, (right + left) / (right - left), 0],
        [0, 2 * near / (top - bottom), (top + bottom) / (top - bottom), 0],
        [0, 0, -(far + near) / (far - near), -2 * far * near / (far - near)],
        [0, 0, -1, 0],
    ], float)


def _look(eye: np.ndarray, forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    """World → eye for an orthonormal camera basis (exact; no look-at re-orthogonalising)."""
    right = np.cross(forward, up)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = right, up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


@dataclass(frozen=True)
class CameraMotion:
    """How fast a camera tour turns the audience's view.

    Attributes:
        max_turn_deg_per_s: fastest change of the look direction between two frames.
        at_t: scene time (s) where it happens.
        limit_deg_per_s: the comfort limit it was checked against.
    """

    max_turn_deg_per_s: float
    at_t: float
    limit_deg_per_s: float = MAX_TURN_DEG_PER_S

    @property
    def comfortable(self) -> bool:
        return self.max_turn_deg_per_s <= self.limit_deg_per_s

    def warning(self) -> str | None:
        """One line for the operator when the tour turns too fast for a dome."""
        if self.comfortable:
            return None
        return (f"the camera turns at {self.max_turn_deg_per_s:.0f}°/s around t="
                f"{self.at_t:.2f}s; keep dome tours under {self.limit_deg_per_s:.0f}°/s "
                f"(docs/dome.md)")


def camera_motion(scene: Scene, frames: Sequence[FrameState]) -> CameraMotion:
    """Advance ``scene`` through ``frames`` (no GL) and measure how fast the view turns."""
    worst, at = 0.0, frames[0].t if frames else 0.0
    previous: tuple[np.ndarray, float] | None = None
    for frame in frames:
        scene.advance(frame)
        look = np.subtract(scene.camera.target, scene.camera.position)
        look = look / np.linalg.norm(look)
        if previous is not None and frame.t > previous[1]:
            cos = float(np.clip(look @ previous[0], -1.0, 1.0))
            speed = math.degrees(math.acos(cos)) / (frame.t - previous[1])
            if speed > worst:
                worst, at = speed, frame.t
        previous = (look, frame.t)
    return CameraMotion(worst, at)


class _LayerSubset:
    """The scene as the renderer sees it, restricted to some layers (all else is the scene's)."""

    def __init__(self, scene: Scene, layers: list[Layer]):
        self._scene = scene
        self.layers = layers

    def __getattr__(self, name: str) -> object:
        return getattr(self._scene, name)


class DomeRenderer:
    """Renders scene frames as domemaster images (offline) or into a window's framebuffer.

    Args:
        size: edge of the square domemaster in pixels.
        aperture: degrees covered edge to edge through the centre (180–230).
        tilt: forward tilt of the dome in degrees (0–30).
        gaze: degrees above the front spring line where the camera's look direction lands
            (default: ``tilt``, i.e. straight ahead at eye level; 35 = the front sweet spot).
        samples: MSAA samples for the cube faces (0 = off).
        gpu: a context to share (a window's); by default a new EGL context owned by this object.
        level: ignore the camera's pitch, keeping the world horizon on the dome horizon.
        roll: keep the camera's roll (its ``up``); off by default — domes make people sick.
    """

    def __init__(self, size: int = 4096, *, aperture: float = 180.0, tilt: float = 0.0,
                 gaze: float | None = None, samples: int = 4, gpu: GpuContext | None = None,
                 level: bool = False, roll: bool = False):
        self.spec = DomeSpec(int(size), float(aperture), float(tilt),
                             None if gaze is None else float(gaze)).validate()
        self.level, self.roll = level, roll
        self._owns_gpu = gpu is None
        self.gpu = gpu or GpuContext.offscreen()
        self.gpu.make_current()
        self.renderer = Renderer(self.gpu)
        self.face_size = face_size_for(self.spec.size, self.spec.aperture)
        limit = int(self.gpu.ctx.info.get("GL_MAX_CUBE_MAP_TEXTURE_SIZE", 16384))
        if self.face_size > limit:
            raise DomeError(f"--dome {self.spec.size}: needs {self.face_size}² cube faces, "
                            f"this GL allows {limit}²")
        self.rows = face_rows(self.face_size, self.spec.aperture)
        self.samples = samples
        self._group = self.gpu.group(f"DomeRenderer{self.spec.size}")
        self._face_targets: dict[int, RenderTarget] = {}
        self._output: RenderTarget | None = None
        self._hud: RenderTarget | None = None
        try:
            self._create_resources()
        except Exception:
            self.release()
            raise

    def _create_resources(self) -> None:
        ctx, own, f = self.gpu.ctx, self._group.own, self.face_size
        self.cube = own(ctx.texture_cube((f, f), 4))
        self.cube.filter = (ctx.LINEAR, ctx.LINEAR)
        self._pbo = own(ctx.buffer(reserve=f * f * 4))
        gpu, group = self.gpu, self._group
        self._program = gpu.program("dome/fisheye.vert", "dome/fisheye.frag")
        cells = min(256, max(64, self.spec.size // 32))   # 32 px cells at 4K: error < 0.1 px
        vertices, indices = warp_mesh(self.spec.aperture, cells)
        self._vao = gpu.vertex_array(
            group, self._program,
            [(gpu.buffer(group, vertices), "2f 3f", "a_position", "a_direction")],
            index_buffer=gpu.buffer(group, indices))
        self._hud_program = gpu.program("dome/hud_panel.vert", "dome/hud_panel.frag")
        vertices, indices = hud_panel_mesh(self.spec.aperture)
        self._hud_vao = gpu.vertex_array(
            group, self._hud_program,
            [(gpu.buffer(group, vertices), "2f 2f", "a_position", "a_uv")],
            index_buffer=gpu.buffer(group, indices))
        # one target per face height: side faces only clear and resolve the rows they draw
        for rows in sorted(set(self.rows.values())):
            self._face_targets[rows] = RenderTarget(self.gpu, (f, rows), self.samples)

    # -- facts -----------------------------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        return (self.spec.size, self.spec.size)

    @property
    def output(self) -> RenderTarget:
        """The square target :meth:`draw` fills when given no framebuffer."""
        if self._output is None:
            self._output = RenderTarget(self.gpu, self.size, 0)
        return self._output

    @property
    def faces(self) -> list[str]:
        """Names of the cube faces drawn per frame."""
        return [FACE_NAMES[i] for i in sorted(self.rows)]

    # -- drawing ---------------------------------------------------------------------------
    def face_views(self, camera: Camera, frame: FrameState) -> list[tuple[int, int, ViewState]]:
        """``(GL face, rows, view)`` for every face drawn, from the camera's viewer basis."""
        right, ahead, up = viewer_basis(camera, level=self.level, roll=self.roll)
        # the look direction lands `gaze` above the front spring line (default: the tilt, which
        # is eye level on a tilted dome): the dome frame is the viewer's frame turned by it
        g = math.radians(self.spec.gaze_elevation)
        dome_front = math.cos(g) * ahead - math.sin(g) * up
        dome_axis = math.sin(g) * ahead + math.cos(g) * up
        cube_to_world = np.column_stack([right, -dome_axis, dome_front])  # c = (x, -z, y)
        eye = np.asarray(camera.position, float)
        near, far = camera.near, camera.far
        views = []
        for face, rows in sorted(self.rows.items()):
            forward_c, up_c = _GL_FACES[face]
            forward = cube_to_world @ np.asarray(forward_c, float)
            face_up = cube_to_world @ np.asarray(up_c, float)
            bottom = 1.0 - 2.0 * rows / self.face_size
            projection = _frustum(-near, near, bottom * near, near, near, far)
            views.append((face, rows, ViewState(
                view=_look(eye, forward, face_up), projection=projection,
                eye=tuple(float(v) for v in eye), viewport=(self.face_size, rows),
                frame=frame)))
        return views

    def draw(self, scene: Scene, frame: FrameState,
             framebuffer: moderngl.Framebuffer | None = None,
             viewport: tuple[int, int, int, int] | None = None, *,
             advance: bool = True) -> None:
        """Draw one domemaster frame.

        Args:
            scene: the scene; advanced to ``frame`` first unless ``advance`` is false.
            framebuffer: where the fisheye goes (default: this renderer's output target).
            viewport: ``(x, y, w, h)`` square inside ``framebuffer`` (default: all of it).
        """
        self.gpu.make_current()
        if advance:
            scene.advance(frame)
        world = [layer for layer in scene.layers if not layer.is_hud]
        hud = [layer for layer in scene.layers
               if layer.is_hud and layer.visible and scene.hud_visible]
        self._draw_faces(_LayerSubset(scene, world), scene.camera, frame)
        hud_texture = self._draw_hud(_LayerSubset(scene, hud), scene, frame) if hud else None
        if framebuffer is None:
            framebuffer, viewport = self.output.framebuffer, (0, 0, *self.size)
        elif viewport is None:
            viewport = (0, 0, *framebuffer.size)
        self._resample(framebuffer, viewport, hud_texture)

    def render(self, scene: Scene, frame: FrameState) -> Image:
        """Advance, draw and read back one domemaster frame."""
        self.draw(scene, frame)
        return Image(self.output.read())

    def _draw_faces(self, scene: _LayerSubset, camera: Camera, frame: FrameState) -> None:
        f = self.face_size
        for face, rows, view in self.face_views(camera, frame):
            target = self._face_targets[rows]
            self.renderer.draw(scene, target.framebuffer, view)  # type: ignore[arg-type]
            target.resolve()
            target.resolved.read_into(self._pbo, viewport=(0, 0, f, rows), components=4,
                                      alignment=1)
            self.cube.write(face, self._pbo, viewport=(0, f - rows, f, rows), alignment=1)

    def _draw_hud(self, hud: _LayerSubset, scene: Scene,
                  frame: FrameState) -> moderngl.Texture:
        width = max(16, round(self.spec.size * HUD_WIDTH / self.spec.aperture))
        size = (width, max(9, round(width / HUD_ASPECT)))
        if self._hud is None or self._hud.size != size:
            if self._hud is not None:
                self._hud.release()
            self._hud = RenderTarget(self.gpu, size, self.samples)
        view = scene.view_state(size, frame)
        framebuffer = self._hud.framebuffer
        with self.gpu.ctx.scope(framebuffer):
            framebuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        self.renderer.draw(hud, framebuffer, view, clear=False)  # type: ignore[arg-type]
        self._hud.resolve()
        return self._hud.color

    def _resample(self, framebuffer: moderngl.Framebuffer, viewport: tuple[int, int, int, int],
                  hud: moderngl.Texture | None) -> None:
        ctx = self.gpu.ctx
        self._program.set(t_cube=0, u_viewport=tuple(float(v) for v in viewport))
        with ctx.scope(framebuffer, enable_only=ctx.NOTHING):
            framebuffer.viewport = viewport
            framebuffer.clear(0.0, 0.0, 0.0, 1.0, viewport=viewport)  # corners: no mesh there
            self.cube.use(0)
            ctx.enable_direct(GL_TEXTURE_CUBE_MAP_SEAMLESS)
            try:
                self._vao.render(ctx.TRIANGLES)
            finally:
                ctx.disable_direct(GL_TEXTURE_CUBE_MAP_SEAMLESS)
            if hud is not None:  # only the panel's pixels: premultiplied "over"
                self._hud_program.set(t_hud=0)
                hud.use(0)
                ctx.enable(ctx.BLEND)
                ctx.blend_func = ctx.ONE, ctx.ONE_MINUS_SRC_ALPHA
                self._hud_vao.render(ctx.TRIANGLES)
                ctx.blend_func = ctx.SRC_ALPHA, ctx.ONE_MINUS_SRC_ALPHA  # moderngl's default

    def release(self) -> None:
        """Release every GL object (and the context when this renderer created it)."""
        for target in (*self._face_targets.values(), self._output, self._hud):
            if target is not None:
                target.release()
        self._face_targets.clear()
        self._output = self._hud = None
        self._group.release()
        if self._owns_gpu:  # once: release() is safe to call twice
            self._owns_gpu = False
            self.gpu.release()
