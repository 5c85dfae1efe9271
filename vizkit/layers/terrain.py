"""Terrain: gridded statistics (counts per cell) as a lit, colour-mapped height field.

All time steps are uploaded once into a float texture array; the vertex shader blends step
``i`` and ``i + 1`` and computes normals from neighbouring texels, so animating between years
costs a few uniforms per frame whatever the grid size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import moderngl
import numpy as np
import numpy.typing as npt

from vizkit.colormap import Colormap
from vizkit.easing import Easing, get_easing
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer
from vizkit.view import ViewState

SCALES = {"linear": 0, "sqrt": 1, "log": 2}
Extent = tuple[float, float, float, float]


def _scale_np(values: np.ndarray, scale: str) -> np.ndarray:
    if scale == "sqrt":
        return np.sqrt(np.maximum(values, 0.0))
    if scale == "log":
        return np.log1p(np.maximum(values, 0.0))
    return values


def grid_indices(width: int, height: int) -> npt.NDArray[np.uint32]:
    """Triangle indices of a ``width × height`` vertex grid, quad by quad, counter-clockwise
    seen from above (+z) with row index growing northwards."""
    if width < 2 or height < 2:
        raise ValueError(f"a terrain needs at least 2×2 cells, got {width}×{height}")
    rows, cols = np.meshgrid(np.arange(height - 1, dtype=np.uint32),
                             np.arange(width - 1, dtype=np.uint32), indexing="ij")
    a = (rows * width + cols).ravel()
    b, c, d = a + 1, a + width, a + width + 1
    return np.stack([a, b, d, a, d, c], axis=1).ravel()


class Terrain(Layer):
    """A height field from a grid of values, optionally over several time steps.

    Args:
        values: ``(H, W)`` or ``(T, H, W)`` numbers (counts per cell, say); row 0 is the
            southern edge; NaN marks cells without data (drawn as holes, never as zero).
        extent: ``(xmin, ymin, xmax, ymax)`` in metres covered by the grid's outer cell edges.
        colormap: colour map name or colour list (default ``"viridis"``).
        scale: ``"linear"``, ``"sqrt"`` or ``"log"`` — applied to heights and colours.
        domain: value range mapped to the colour map and to heights 0…max; default: the data's
            finite min and max over all time steps.
        max_height: metres at the top of the domain before exaggeration; default 15 % of the
            larger side of the extent.
        exaggeration: multiplier on heights (a uniform: free to change per frame).
        sun: direction *towards* the sun (x, y, z); normalised.
        ambient: share of light that reaches faces turned away from the sun.
        easing: how morphs between steps progress (``"linear"`` or ``"smooth"``).
    """

    def __init__(self, values: npt.ArrayLike, extent: Sequence[float], *,
                 colormap: str | Sequence[object] | Colormap = "viridis",
                 scale: str = "linear", domain: tuple[float, float] | None = None,
                 max_height: float | None = None, exaggeration: float = 1.0,
                 sun: Sequence[float] = (-0.5, -0.6, 0.75), ambient: float = 0.35,
                 easing: str | Easing = "smooth", name: str | None = None,
                 provenance: object = None):
        super().__init__(name=name or "Terrain", provenance=provenance)
        array = np.asarray(values)
        if not np.issubdtype(array.dtype, np.number):
            raise TypeError(f"{self.name}: values must be numeric, got dtype {array.dtype}")
        if array.ndim == 2:
            array = array[np.newaxis]
        if array.ndim != 3:
            raise ValueError(f"{self.name}: values must be (H, W) or (T, H, W), got shape "
                             f"{array.shape}")
        self.values = np.ascontiguousarray(array, dtype=np.float32)
        if np.isinf(self.values).any():
            raise ValueError(f"{self.name}: values contain infinity; use NaN for no data")
        if len(extent) != 4 or not (extent[2] > extent[0] and extent[3] > extent[1]):
            raise ValueError(f"{self.name}: extent must be (xmin, ymin, xmax, ymax) with "
                             f"xmax > xmin and ymax > ymin, got {tuple(extent)}")
        self.extent: Extent = tuple(float(v) for v in extent)  # type: ignore[assignment]
        if scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be one of {sorted(SCALES)}, got {scale!r}")
        self.scale = scale
        self.colormap = Colormap(colormap)
        finite = self.values[np.isfinite(self.values)]
        if domain is None:
            domain = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.domain = (float(domain[0]), float(domain[1]))
        width, height = self.extent[2] - self.extent[0], self.extent[3] - self.extent[1]
        self.max_height = 0.15 * max(width, height) if max_height is None else float(max_height)
        self.exaggeration = float(exaggeration)
        self.sun = sun
        self.ambient = float(ambient)
        self.easing = get_easing(easing)
        self.time_index = 0.0  # fractional time step shown: 1.25 = a quarter from step 1 to 2
        self._vao: moderngl.VertexArray | None = None

    # -- shape -----------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return self.values.shape[0]

    @property
    def grid_shape(self) -> tuple[int, int]:
        """(H, W) cells."""
        return self.values.shape[1], self.values.shape[2]

    @property
    def cell_size(self) -> tuple[float, float]:
        h, w = self.grid_shape
        return ((self.extent[2] - self.extent[0]) / w, (self.extent[3] - self.extent[1]) / h)

    def cell_centre(self, row: int, col: int, step: float | None = None) -> tuple[float, ...]:
        """World position (x, y, z) of a cell centre's vertex at time step ``step``."""
        cx, cy = self.cell_size
        level = self.level(self.value(row, col, step))
        z = 0.0 if math.isnan(level) else level * self.max_height * self.exaggeration
        return (self.extent[0] + (col + 0.5) * cx, self.extent[1] + (row + 0.5) * cy, z)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        top = self.max_height * self.exaggeration
        return (np.array([self.extent[0], self.extent[1], 0.0]),
                np.array([self.extent[2], self.extent[3], top]))

    # -- time ------------------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        """Not driven by scene time by default: set :attr:`time_index` in ``update``."""

    def _steps_and_mix(self, time_index: float) -> tuple[int, int, float]:
        last = self.steps - 1
        x = min(max(float(time_index), 0.0), float(last))
        step0 = min(math.floor(x), last)
        step1 = min(step0 + 1, last)
        return step0, step1, self.easing(x - step0) if step1 != step0 else 0.0

    def value(self, row: int, col: int, step: float | None = None) -> float:
        """The value drawn at a cell for a fractional time step (default: the current one)."""
        s0, s1, mix = self._steps_and_mix(self.time_index if step is None else step)
        a, b = self.values[s0, row, col], self.values[s1, row, col]
        return float(a + (b - a) * mix)

    def heights_at(self, x: npt.ArrayLike, y: npt.ArrayLike,
                   step: float | None = None) -> npt.NDArray[np.float64]:
        """World heights (metres, exaggeration included) of the cells under points (x, y).

        Vectorised, for placing other layers on the surface once at setup (flow endpoints,
        labels). Points outside the grid or over no-data cells get height 0.
        """
        x, y = np.asarray(x, float), np.asarray(y, float)
        cx, cy = self.cell_size
        h, w = self.grid_shape
        col = np.floor((x - self.extent[0]) / cx).astype(np.int64)
        row = np.floor((y - self.extent[1]) / cy).astype(np.int64)
        inside = (col >= 0) & (col < w) & (row >= 0) & (row < h)
        s0, s1, mix = self._steps_and_mix(self.time_index if step is None else step)
        r, c = np.where(inside, row, 0), np.where(inside, col, 0)
        values = self.values[s0, r, c] * (1 - mix) + self.values[s1, r, c] * mix
        lo, hi = _scale_np(np.array(self.domain, float), self.scale)
        with np.errstate(invalid="ignore"):
            level = np.clip((_scale_np(values.astype(float), self.scale) - lo)
                            / max(hi - lo, 1e-30), 0.0, 1.0)
        heights = level * self.max_height * self.exaggeration
        return np.where(inside & np.isfinite(heights), heights, 0.0)

    def level(self, value: float) -> float:
        """A value's position in the domain after scaling, 0…1 (NaN stays NaN)."""
        if math.isnan(value):
            return math.nan
        lo, hi = _scale_np(np.array(self.domain, float), self.scale)
        v = float(_scale_np(np.array([value], float), self.scale)[0])
        return min(max((v - lo) / max(hi - lo, 1e-30), 0.0), 1.0)

    # -- GPU -------------------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        steps, h, w = self.values.shape
        self._program = gpu.program("terrain/terrain.vert", "terrain/terrain.frag")
        self._values_tex = gpu.texture_array(group, (w, h, steps), 1, self.values, dtype="f4")
        self._colormap_tex = gpu.texture(group, (256, 1), 4, self.colormap.lut())
        self._colormap_tex.repeat_x = False
        indices = gpu.buffer(group, grid_indices(w, h))
        self._vao = gpu.vertex_array(group, self._program, [], index_buffer=indices)

    def draw(self, view: ViewState) -> None:
        if view.pass_name != "color" or self._vao is None:
            return
        h, w = self.grid_shape
        step0, step1, mix = self._steps_and_mix(self.time_index)
        sun = np.asarray(self.sun, float)
        lo, hi = _scale_np(np.array(self.domain, float), self.scale)
        origin = (self.extent[0], self.extent[1], 0.0)
        self._values_tex.use(location=0)
        self._colormap_tex.use(location=1)
        self._program.set(
            u_mvp=ViewState.gl_matrix(view.model_view_projection(origin)),
            t_values=0, t_colormap=1,
            u_grid=(w, h), u_cell=self.cell_size,
            u_step0=step0, u_step1=step1, u_mix=float(mix),
            u_scale=SCALES[self.scale], u_domain=(float(lo), float(hi)),
            u_max_height=self.max_height * self.exaggeration,
            u_to_sun=tuple(sun / np.linalg.norm(sun)), u_ambient=self.ambient,
        )
        self._vao.render(moderngl.TRIANGLES)
