"""Domemaster geometry and formats, without the GL: what :mod:`vizkit.targets.dome` draws.

A *domemaster* is a square frame holding an angular (equidistant) fisheye, the format every
planetarium playback system takes. Conventions (docs/dome.md has pictures and the reasons):

* the **dome axis** is at the centre of the square (the zenith on an untilted dome);
* the distance from the centre is **proportional to the angle from the axis**; the edge circle is
  at half the aperture (the horizon sits on the 180° circle, at radius ``180 / aperture``);
* the **front** of the dome is at the **bottom centre**, the audience's right is on the right;
* outside the circle the frame is black.

**Theatre frame.** Directions seen by the audience are ``(right, ahead, up)`` vectors. The scene
camera is a viewer: its position is the eye, its look direction is "straight ahead at eye level",
the world's up (+z) is the audience's up, and roll is removed (the right vector stays
horizontal) unless ``roll=True``; ``level=True`` also drops the camera's pitch
(:func:`viewer_basis`).

**Tilt.** A dome tilted by ``tilt`` degrees has its axis leaning forward from the vertical: the
centre of the frame looks ``90 - tilt`` degrees above eye level, straight ahead, and the front
edge dips ``tilt`` degrees below eye level.

**Gaze.** ``gaze`` says where the camera's look direction lands, in degrees above the front
spring line: the whole world turns with it, still without roll. When it is not given, the dome
**frames the content** (:mod:`vizkit.framing`): the viewer turns to face the scene's footprint,
moves closer until it covers the front *sweet spot* and the gaze centres it there — so a scene
made for a screen, which looks down on its subject, fills the front of the dome instead of
sitting on its rim. ``framing="camera"`` keeps the camera as it is (the look direction straight
ahead at eye level, ``tilt`` above the spring line).

**Formats.** :class:`DomeSpec` is a domemaster format; :data:`DOME_RANGES` is the one definition
of the sizes and angles the command line and ``exhibit.toml`` accept.

This module is GL-free (numpy and :mod:`vizkit.matrices`), so the command line and exhibit
loader check dome options without loading moderngl.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from vizkit.matrices import Mat4, compose, frustum, rotate, rotation, view_from_axes

if TYPE_CHECKING:
    from vizkit.camera import Camera

MIN_SIZE = 16            # DomeRenderer itself takes small sizes, for previews and tests

HUD_ELEVATION = 35.0     # degrees above the dome's front spring line
HUD_WIDTH = 60.0         # degrees across
HUD_ASPECT = 16 / 9

ROW_MARGIN = 2           # extra face rows drawn beyond what the aperture reaches (filtering)

_X, _Z = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)

# GL cube face i: (forward, up) in cube coordinates; ``forward × up`` is the face's right, and
# framebuffer rows map 1:1 to the face's texel rows (OpenGL spec, table 8.19).
GL_FACES = (
    ((1, 0, 0), (0, -1, 0)),   # +X: audience right
    ((-1, 0, 0), (0, -1, 0)),  # -X: left
    ((0, 1, 0), (0, 0, 1)),    # +Y: nadir (away from the dome axis)
    ((0, -1, 0), (0, 0, -1)),  # -Y: the dome axis
    ((0, 0, 1), (0, -1, 0)),   # +Z: front
    ((0, 0, -1), (0, -1, 0)),  # -Z: back
)
FACE_NAMES = ("right", "left", "nadir", "axis", "front", "back")
SIDE_FACES = (0, 1, 4, 5)
AXIS_FACE, NADIR_FACE = 3, 2


class DomeError(ValueError):
    """A dome size, aperture, tilt or gaze outside what the dome target supports."""


@dataclass(frozen=True)
class DomeRange:
    """The accepted values of one dome setting — shared by the CLI and ``exhibit.toml``.

    Attributes:
        name: the :class:`DomeSpec` field and the ``[dome]`` key in ``exhibit.toml``.
        option: the command-line flag.
        low, high: inclusive limits.
        meaning: what the value is, for messages.
        unit: ``"pixels"`` or ``"degrees"``.
        whole: only whole numbers.
    """

    name: str
    option: str
    low: float
    high: float
    meaning: str
    unit: str
    whole: bool = False

    def accepts(self, value: object) -> bool:
        kind = int if self.whole else (int, float)
        return (isinstance(value, kind) and not isinstance(value, bool)
                and self.low <= value <= self.high)  # type: ignore[operator]

    def option_message(self, value: float) -> str:
        """One line naming the command-line flag, its value and the range."""
        return (f"{self.option} {value:g}: {self.meaning} must be {self.low:g}..{self.high:g} "
                f"{self.unit}")


DOME_RANGES = {r.name: r for r in (
    DomeRange("size", "--dome", 1024, 8192, "the domemaster size (one side of the square)",
              "pixels", whole=True),
    DomeRange("aperture", "--aperture", 180.0, 230.0, "the aperture", "degrees"),
    DomeRange("tilt", "--tilt", 0.0, 30.0, "the dome tilt", "degrees"),
    DomeRange("gaze", "--gaze", 0.0, 90.0, "the gaze elevation",
              "degrees above the dome's front spring line"),
)}
SIZE_RANGE = (DOME_RANGES["size"].low, DOME_RANGES["size"].high)


@dataclass(frozen=True)
class DomeSpec:
    """A domemaster format: ``size`` px square, ``aperture``, ``tilt`` and ``gaze`` in degrees.

    ``gaze`` (``None`` = ``tilt``) is where the camera's look direction lands on the dome, in
    degrees above the front spring line. ``size == 0`` means "the window's shorter side" for
    ``vizkit run --dome`` (never for files).
    """

    size: int = 4096
    aperture: float = 180.0
    tilt: float = 0.0
    gaze: float | None = None

    @property
    def gaze_elevation(self) -> float:
        """Degrees above the dome's front spring line where the camera looks."""
        return self.tilt if self.gaze is None else self.gaze

    def out_of_range(self, min_size: int = MIN_SIZE) -> tuple[DomeRange, float] | None:
        """The first setting outside :data:`DOME_RANGES` and its value (``None`` when all fit).

        ``min_size`` lowers the size limit for previews (``DomeRenderer`` takes 16 px).
        """
        for name, limits in DOME_RANGES.items():
            value = getattr(self, name)
            if value is None:
                continue
            if name == "size":
                limits = replace(limits, low=min_size)
            if not limits.accepts(value):
                return limits, value
        return None

    def validate(self, min_size: int = MIN_SIZE) -> DomeSpec:
        """Return self, or raise :class:`DomeError` naming the option and its range."""
        problem = self.out_of_range(min_size)
        if problem is not None:
            limits, value = problem
            raise DomeError(limits.option_message(value))
        return self


# -- directions ---------------------------------------------------------------------------------
def theatre_direction(azimuth: float, elevation: float) -> np.ndarray:
    """Unit vector (right, ahead, up) of a direction seen by the audience.

    Args:
        azimuth: degrees from straight ahead towards the right.
        elevation: degrees above eye level.
    """
    turn = compose(rotation(_Z, -azimuth), rotation(_X, elevation))
    return rotate(turn, (0.0, 1.0, 0.0))


def dome_axes(tilt: float) -> tuple[np.ndarray, np.ndarray]:
    """Dome front and dome axis as theatre vectors (the dome leans forward by ``tilt``)."""
    lean = rotation(_X, -tilt)
    return rotate(lean, (0.0, 1.0, 0.0)), rotate(lean, _Z)


def fisheye_position(direction: Sequence[float], size: int, aperture: float = 180.0,
                     tilt: float = 0.0) -> tuple[float, float]:
    """Where a theatre direction lands in the domemaster, in pixels.

    Returns ``(x, y)`` with x to the right and y *down* from the top-left corner of the frame
    (pixel ``(i, j)`` covers ``[i, i+1) × [j, j+1)``), possibly outside the circle.
    """
    d = np.asarray(direction, float)
    d = d / np.linalg.norm(d)
    front, axis = dome_axes(tilt)
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
    front, axis = dome_axes(tilt)
    theatre = (x[..., None] * np.array(_X) + y[..., None] * front + z[..., None] * axis)
    return theatre, r <= 1.0


# -- the viewer and the cube faces ----------------------------------------------------------------
def viewer_basis(camera: Camera, *, level: bool = False,
                 roll: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World vectors (right, ahead, up) of the audience for a scene camera.

    ``ahead`` is the camera's look direction (horizontal when ``level``); ``right`` is
    horizontal unless ``roll``; ``up = right × ahead``.
    """
    eye = np.asarray(camera.position, float)
    ahead = np.asarray(camera.target, float) - eye
    world_up = np.array(_Z)
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
    rows = {AXIS_FACE: face_size}
    if half > math.radians(45.0):
        cot = math.cos(half) / math.sin(half)
        t_min = max(-1.0, cot if cot >= 0 else cot * math.sqrt(2.0))
        needed = math.ceil(face_size * (1.0 - t_min) / 2) + ROW_MARGIN
        for face in SIDE_FACES:
            rows[face] = min(face_size, needed)
    if half > math.pi - math.atan(math.sqrt(2.0)):
        rows[NADIR_FACE] = face_size
    return rows


def face_matrices(camera: Camera, spec: DomeSpec, face_size: int, rows: dict[int, int], *,
                  level: bool = False, roll: bool = False,
                  gaze: float | None = None) -> list[tuple[int, Mat4, Mat4]]:
    """``(GL face, view, projection)`` for every face in ``rows``, from the camera's viewer.

    The dome frame is the viewer's frame turned about its right vector so that the look
    direction lands ``gaze`` (default ``spec.gaze_elevation``) above the front spring line. A
    face cut to ``rows`` rows keeps its top (towards the dome axis) and its full width.
    """
    right, ahead, up = viewer_basis(camera, level=level, roll=roll)
    turn = rotation(right, -(spec.gaze_elevation if gaze is None else gaze))
    dome_front, dome_axis = rotate(turn, ahead), rotate(turn, up)
    cube_to_world = np.column_stack([right, -dome_axis, dome_front])  # c = (x, -z, y)
    near, far = camera.near, camera.far
    out = []
    for face, face_rows_drawn in sorted(rows.items()):
        forward_c, up_c = GL_FACES[face]
        forward = cube_to_world @ np.asarray(forward_c, float)
        face_up = cube_to_world @ np.asarray(up_c, float)
        bottom = 1.0 - 2.0 * face_rows_drawn / face_size
        out.append((face, view_from_axes(camera.position, forward, face_up),
                    frustum(-near, near, bottom * near, near, near, far)))
    return out


# -- meshes the resample pass draws ---------------------------------------------------------------
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


def warp_cells(size: int) -> int:
    """Warp-mesh cells across the square: 32 px cells at 4K (interpolation error < 0.1 px)."""
    return min(256, max(64, size // 32))


def hud_panel_mesh(aperture: float, columns: int = 48,
                   rows: int = 27) -> tuple[np.ndarray, np.ndarray]:
    """The HUD panel as a grid mesh on the domemaster: ``(V, 4) float32`` vertices
    ``(x, y, u, v)`` (square coordinates, y up; texture coordinates) and ``uint32`` indices.

    The panel is flat, ``HUD_WIDTH`` degrees wide with a 16:9 image, centred ``HUD_ELEVATION``
    above the dome's front spring line and facing the audience (gnomonic projection).
    """
    e = math.radians(HUD_ELEVATION)
    center = np.array([0.0, math.cos(e), math.sin(e)])      # dome frame (right, front, axis)
    right = np.array(_X)
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


def hud_image_size(spec: DomeSpec) -> tuple[int, int]:
    """Pixels of the flat HUD image: as sharp as the dome where the panel hangs."""
    width = max(16, round(spec.size * HUD_WIDTH / spec.aperture))
    return (width, max(9, round(width / HUD_ASPECT)))
