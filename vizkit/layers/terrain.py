"""Terrain: gridded statistics (counts per cell) as a lit, colour-mapped height field.

All time steps are uploaded once, into one float vertex buffer (step after step); the vertex
shader reads its cell's value at steps ``i`` and ``i + 1`` as two attributes bound at those
steps' offsets (re-binding is a GL call, not an upload) and blends them. Normals are computed on
the GPU — from neighbouring cells (a float texture array of the same values) or, on big grids,
per pixel — so animating between years costs a few uniforms per frame whatever the grid size.

Inputs: a 2-D array with its extent, a ``(T, H, W)`` series, a ``vizkit.data.Grid`` (or any
object with ``.values`` and ``.extent``), or points binned to a grid with
:meth:`Terrain.from_points` (a DataFrame of x, y, value and optionally a time column).

Costs of change (see :mod:`vizkit.layers.base`): :attr:`Terrain.time_index`,
:attr:`Terrain.exaggeration`, :attr:`Terrain.sun`, :attr:`Terrain.ambient`,
:attr:`Terrain.no_data` and :meth:`Terrain.show_change` are uniforms (free per frame);
:attr:`Terrain.contours` on/off is a variant (one program rebuild); new values mean a new layer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import moderngl
import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.colormap import DIVERGING_DEFAULT, Colormap
from vizkit.easing import Easing, get_easing
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer, PickRecord
from vizkit.layers.legend import HIDDEN_COLOR, NO_DATA_GREY, ColorScale, color_scale, scaled
from vizkit.layers.protection import DEFAULT_POLICY, Policy, protect_steps
from vizkit.view import ViewState

SCALES = {"linear": 0, "sqrt": 1, "log": 2}
NO_DATA = ("hole", "grey")
NORMALS = ("auto", "vertex", "pixel")
PIXEL_NORMALS_FROM = 512 * 512  # cells from which normals="auto" lights per pixel
Extent = tuple[float, float, float, float]


def _scale_np(values: np.ndarray, scale: str) -> np.ndarray:
    return scaled(values, scale)


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


# -- input helpers shared with the regions layer ----------------------------------------------
def numeric_column(frame: pd.DataFrame, column: str, owner: str, *,
                   allow_nan: bool = True) -> npt.NDArray[np.float64]:
    """``frame[column]`` as float64, or a clear error naming the column and bad values."""
    if column not in frame.columns:
        raise ValueError(f"{owner}: no column {column!r} (columns: "
                         f"{', '.join(map(str, frame.columns))})")
    raw = frame[column]
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() & raw.notna()
    if bad.any():
        sample = ", ".join(repr(v) for v in raw[bad].unique()[:5])
        raise TypeError(f"{owner}: column {column!r} must be numeric; {int(bad.sum())} "
                        f"value(s) are not, e.g. {sample}")
    out = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(out).any():
        raise ValueError(f"{owner}: column {column!r} contains infinity; use NaN for no data")
    if not allow_nan and np.isnan(out).any():
        rows = list(frame.index[np.isnan(out)][:5])
        raise ValueError(f"{owner}: column {column!r} has missing values (rows {rows})")
    return out


def time_steps(labels: Sequence[Any]) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """Sorted distinct time labels and each input's step index (vectorised)."""
    codes, uniques = pd.factorize(pd.Series(list(labels)), sort=True)
    return list(uniques), codes.astype(np.int64)


class TimeSteps:
    """Shared by statistics layers over time steps (terrain cells, regions): fractional steps
    with optional labels (years), the change view and legend data. ``values`` is
    ``(T, …)``; the layer sets the colour and change attributes in its ``__init__``."""

    values: npt.NDArray[np.float32]
    name: str
    privacy_statement: str = ""   # set by the layer from its disclosure policy
    domain: tuple[float, float]
    scale: str
    colormap: Colormap
    units: str
    label: str
    no_data: str
    change: tuple[int, int] | None
    change_colormap: Colormap
    change_range: float

    steps: int
    times: tuple[Any, ...]
    time_index: float
    easing: Easing

    def _steps_and_mix(self, time_index: float) -> tuple[int, int, float]:
        last = self.steps - 1
        x = min(max(float(time_index), 0.0), float(last))
        step0 = min(math.floor(x), last)
        step1 = min(step0 + 1, last)
        return step0, step1, self.easing(x - step0) if step1 != step0 else 0.0

    def step_of(self, label: Any) -> int:
        """The index of a time label (``terrain.step_of(2020)``); ints and strings both match."""
        for i, t in enumerate(self.times):
            if t == label or str(t) == str(label):
                return i
        raise ValueError(f"{getattr(self, 'name', '')}: no time step {label!r} "
                         f"(steps: {', '.join(map(str, self.times))})")

    def time_label(self, time_index: float | None = None) -> object:
        """The time shown at a fractional step: its label on a step, an interpolated number
        between numeric labels (2019.5), else the nearest step's label or the index."""
        x = self.time_index if time_index is None else time_index
        s0, s1, mix = self._steps_and_mix(x)
        if not self.times:
            return float(s0 + mix)
        if mix == 0.0:
            return self.times[s0]
        if mix == 1.0:
            return self.times[s1]
        try:
            a, b = float(self.times[s0]), float(self.times[s1])
            return a + (b - a) * mix
        except (TypeError, ValueError):
            return self.times[s1 if mix >= 0.5 else s0]

    # -- change view -------------------------------------------------------------------------
    def show_change(self, from_step: int | object, to_step: int | object, *,
                    colormap: str | Sequence[object] | Colormap = DIVERGING_DEFAULT,
                    limit: float | None = None) -> None:
        """Colour by the change from one time step to another on a diverging map (a uniform).

        Steps are indices or time labels (years). Heights keep following :attr:`time_index`.
        ``limit``: the change at either end of the map (default: the largest absolute change).
        """
        a, b = self._step_arg(from_step), self._step_arg(to_step)
        self.change = (a, b)
        cmap = Colormap(colormap)
        if cmap.name != self.change_colormap.name or cmap.name == "custom":
            self.change_colormap = cmap
            self.invalidate()  # the diverging table is uploaded with the layer
        if limit is None:
            delta = self.values[b] - self.values[a]
            finite = delta[np.isfinite(delta)]
            limit = float(np.abs(finite).max()) if finite.size else 1.0
        self.change_range = float(limit) if limit > 0 else 1.0

    def show_values(self) -> None:
        """Back from the change view to colouring by value (a uniform)."""
        self.change = None

    def _step_arg(self, step: int | object) -> int:
        if isinstance(step, (int, np.integer)) and not self.times:
            index = int(step)
        elif self.times:
            try:
                return self.step_of(step)
            except ValueError:
                if not isinstance(step, (int, np.integer)):
                    raise
                index = int(step)
        else:
            raise ValueError(f"{self.name}: time step {step!r} is not an index and the layer "
                             "has no time labels")
        if not 0 <= index < self.steps:
            raise ValueError(f"{self.name}: time step {index} out of range 0…{self.steps - 1}")
        return index

    def legend(self) -> ColorScale:
        """The colour scale drawn now: values (sequential) or, in a change view, changes."""
        no_data = NO_DATA_GREY if self.no_data == "grey" else None
        if self.change is not None:
            a, b = (self.times[i] if self.times else i for i in self.change)
            return color_scale((-self.change_range, self.change_range), "diverging",
                               self.change_colormap, units=self.units, no_data_color=no_data,
                               label=f"Change {a}→{b}" + (f": {self.label}" if self.label else ""),
                               note=self.privacy_statement)
        return color_scale(self.domain, self.scale, self.colormap, units=self.units,
                           label=self.label, no_data_color=no_data, note=self.privacy_statement,
                           hidden_color=self._legend_hidden_color())

    def _upload_colormaps(self, gpu: GpuContext, group: ResourceGroup) -> None:
        """The value and change colour maps as 256×1 lookup textures (clamped at the ends)."""
        self._colormap_tex = gpu.texture(group, (256, 1), 4, self.colormap.lut())
        self._change_tex = gpu.texture(group, (256, 1), 4, self.change_colormap.lut())
        for tex in (self._colormap_tex, self._change_tex):
            tex.repeat_x = tex.repeat_y = False

    def _variant(self, pass_name: str, has_no_data: bool) -> dict[str, object]:
        """Shader defines every statistics layer shares: the scale, the pick pass, no data."""
        defines: dict[str, object] = {"SCALE": SCALES[self.scale]}
        if pass_name == "pick":
            defines["PICK"] = 1
        if has_no_data:
            defines["NO_DATA"] = 1
        return defines

    def _legend_hidden_color(self) -> tuple[float, float, float, float] | None:
        hidden = getattr(self, "hidden", None)
        return self.hidden_color if hidden is not None and hidden.any() else None

    @staticmethod
    def _blend(a: Any, b: Any, mix: float) -> Any:
        """As the shaders blend: the pure step at 0 and 1, NaN if either is NaN in between."""
        if mix <= 0.0:
            return a
        if mix >= 1.0:
            return b
        return a + (b - a) * mix


def _labels(times: Sequence[Any] | None, steps: int, owner: str) -> tuple[Any, ...]:
    if times is None:
        return ()
    labels = tuple(times)
    if len(labels) != steps:
        raise ValueError(f"{owner}: {len(labels)} time labels for {steps} time steps")
    return labels


class Terrain(TimeSteps, Layer):
    """A height field from a grid of values, optionally over several time steps.

    Args:
        values: ``(H, W)`` or ``(T, H, W)`` numbers (counts per cell, say); row 0 is the
            southern edge; NaN marks cells without data (holes or grey, never zero). A
            ``vizkit.data.Grid`` (or an object with ``.values``, ``.extent`` and optionally
            ``.times``/``.provenance``) is accepted too, then ``extent`` may be omitted.
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
        times: labels of the time steps (years), for picking, legends and :meth:`step_of`.
        units: unit text of the values, for the legend (``"persons"``).
        label: what the values are, for the legend (``"Population"``).
        no_data: ``"hole"`` (default) or ``"grey"`` — how NaN cells look (a uniform).
        contours: draw iso-lines every ``contours`` value units (a shader variant), or None.
        contour_color: RGBA (0–1) of contour lines; alpha is their opacity.
        normals: ``"vertex"`` (smooth, from four neighbouring cells in the vertex shader),
            ``"pixel"`` (per triangle, from screen-space derivatives in the fragment shader:
            one texture fetch per vertex instead of five) or ``"auto"`` (default: ``"pixel"``
            from 512×512 cells up, where triangles are about a pixel and both look the same).
            A variant: changing it rebuilds the program.
        policy: disclosure control applied to count values before upload (default: values
            below 5 are not shown); hidden cells are drawn flat grey. ``Policy.off(reason)``
            is the explicit, logged opt-out. See :mod:`vizkit.layers.protection`.
        counts: whether the values are counts (``None``: non-negative whole numbers are).
        hidden_color: RGBA (0–1) of the hatching over hidden cells (a uniform); pick one that
            stays visible but quiet against the scene's background.
    """

    def __init__(self, values: Any, extent: Sequence[float] | None = None, *,
                 colormap: str | Sequence[object] | Colormap = "viridis",
                 scale: str = "linear", domain: tuple[float, float] | None = None,
                 max_height: float | None = None, exaggeration: float = 1.0,
                 sun: Sequence[float] = (-0.5, -0.6, 0.75), ambient: float = 0.35,
                 easing: str | Easing = "smooth", times: Sequence[Any] | None = None,
                 units: str = "", label: str = "", no_data: str = "hole",
                 contours: float | None = None,
                 contour_color: Sequence[float] = (0.0, 0.0, 0.0, 0.45),
                 normals: str = "auto", policy: Policy = DEFAULT_POLICY,
                 hidden_color: Sequence[float] = HIDDEN_COLOR,
                 counts: bool | None = None, name: str | None = None,
                 provenance: object = None):
        if _is_grid_like(values):
            grid = values
            values = grid.values
            extent = grid.extent if extent is None else extent
            grid_times = tuple(getattr(grid, "times", ()) or ())
            if times is None and np.ndim(values) == 3 and len(grid_times) == np.shape(values)[0]:
                times = grid_times
            if provenance is None:
                provenance = getattr(grid, "provenance", None)
        super().__init__(name=name or "Terrain", provenance=provenance)
        array = np.asarray(values)
        if not np.issubdtype(array.dtype, np.number):
            raise TypeError(f"{self.name}: values must be numeric, got dtype {array.dtype}")
        if array.ndim == 2:
            array = array[np.newaxis]
        if array.ndim != 3:
            raise ValueError(f"{self.name}: values must be (H, W) or (T, H, W), got shape "
                             f"{array.shape}")
        if array.shape[1] < 2 or array.shape[2] < 2:
            raise ValueError(f"{self.name}: a terrain needs at least 2×2 cells, got "
                             f"{array.shape[1]}×{array.shape[2]}")
        with np.errstate(under="ignore", over="raise"):  # tiny values round to 0 in float32
            try:
                self.values = np.ascontiguousarray(array, dtype=np.float32)
            except FloatingPointError:
                raise ValueError(f"{self.name}: values exceed float32 range") from None
        finite = np.isfinite(self.values)
        if not finite.all() and np.isinf(self.values).any():
            raise ValueError(f"{self.name}: values contain infinity; use NaN for no data")
        # Disclosure control before anything else sees the values: the raw ones are not kept.
        protected = protect_steps(self.values, policy, counts, self.name, grid=True)
        self.values = np.ascontiguousarray(protected.values)
        self.hidden = protected.hidden
        self.privacy_statement = protected.statement
        self.hidden_color = tuple(float(c) for c in hidden_color)
        # Hidden cells are NaN like no-data ones, but drawn hatched (HIDDEN variant), never
        # silently missing; picking answers over them with NaN.
        if extent is None:
            raise ValueError(f"{self.name}: extent (xmin, ymin, xmax, ymax) is required with a "
                             "plain array")
        if len(extent) != 4 or not (extent[2] > extent[0] and extent[3] > extent[1]):
            raise ValueError(f"{self.name}: extent must be (xmin, ymin, xmax, ymax) with "
                             f"xmax > xmin and ymax > ymin, got {tuple(extent)}")
        self.extent: Extent = tuple(float(v) for v in extent)  # type: ignore[assignment]
        if scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be one of {sorted(SCALES)}, got {scale!r}")
        self.scale = scale
        self.colormap = Colormap(colormap)
        if domain is None:
            has_data = bool(np.isfinite(self.values).any())  # after protection
            domain = ((float(np.nanmin(self.values)), float(np.nanmax(self.values)))
                      if has_data else (0.0, 1.0))
        self.domain = (float(domain[0]), float(domain[1]))
        width, height = self.extent[2] - self.extent[0], self.extent[3] - self.extent[1]
        self.max_height = 0.15 * max(width, height) if max_height is None else float(max_height)
        self.exaggeration = float(exaggeration)
        self.sun = sun
        self.ambient = float(ambient)
        self.easing = get_easing(easing)
        self.times = _labels(times, self.steps, self.name)
        self.units = units
        self.label = label
        self.no_data = no_data
        self._contours = None if contours is None else self._check_interval(contours)
        self.contour_color = tuple(float(c) for c in contour_color)
        self._normals = "vertex"
        self._vaos: dict[str, moderngl.VertexArray] = {}
        self._hidden_tex: moderngl.TextureArray | None = None
        self.normals = normals
        self.time_index = 0.0  # fractional time step shown: 1.25 = a quarter from step 1 to 2
        self.change: tuple[int, int] | None = None  # steps compared by the change view
        self.change_colormap = Colormap(DIVERGING_DEFAULT)
        self.change_range = 1.0
        self.pick_id = 0
        self._programs: dict[str, Any] = {}

    @classmethod
    def from_points(cls, frame: pd.DataFrame, *, x: str = "x", y: str = "y",
                    value: str = "value", cell_size: float, time: str | None = None,
                    extent: Sequence[float] | None = None, fill: float = 0.0,
                    **options: Any) -> Terrain:
        """Bin points (a DataFrame of x, y, value[, time]) into cells and build a terrain.

        Values falling into one cell (and time step) are summed — counts per cell. A NaN value
        (a suppressed count) makes its cell no-data. Cells without points get ``fill``
        (0: nobody lives there; pass ``np.nan`` to show them as no data).

        Args:
            frame: one row per point (or per grid cell, with x/y its corner or centre).
            x, y, value: column names; x/y in metres, value a number.
            cell_size: side of a square cell, metres.
            time: optional column of time labels (years); steps are its sorted distinct values.
            extent: ``(xmin, ymin, xmax, ymax)``; default: the points' bounds snapped outwards
                to multiples of ``cell_size``. Points outside a given extent are ignored.
            fill: value of cells without points.
            **options: passed to :class:`Terrain` (colormap, scale, units, …).
        """
        owner = f"{options.get('name') or 'Terrain'}.from_points"
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{owner}: expected a pandas DataFrame, got {type(frame).__name__}")
        if not cell_size > 0:
            raise ValueError(f"{owner}: cell_size must be positive, got {cell_size!r}")
        if len(frame) == 0:
            raise ValueError(f"{owner}: the DataFrame has no rows")
        for column in (x, y, value, *(() if time is None else (time,))):
            if column not in frame.columns:
                raise ValueError(f"{owner}: no column {column!r} (columns: "
                                 f"{', '.join(map(str, frame.columns))})")
        xs = numeric_column(frame, x, owner, allow_nan=False)
        ys = numeric_column(frame, y, owner, allow_nan=False)
        vs = numeric_column(frame, value, owner)
        c = float(cell_size)
        if extent is None:
            extent = (math.floor(xs.min() / c) * c, math.floor(ys.min() / c) * c,
                      (math.floor(xs.max() / c) + 1) * c, (math.floor(ys.max() / c) + 1) * c)
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
        w, h = round((xmax - xmin) / c), round((ymax - ymin) / c)
        if w < 2 or h < 2:
            raise ValueError(f"{owner}: the points span {w}×{h} cells of {c} m; a terrain "
                             "needs at least 2×2")
        if time is None:
            labels, step = None, np.zeros(len(frame), np.int64)
        else:
            if frame[time].isna().any():
                rows = list(frame.index[frame[time].isna()][:5])
                raise ValueError(f"{owner}: column {time!r} has missing time labels (rows "
                                 f"{rows})")
            labels, step = time_steps(frame[time])
        steps = 1 if labels is None else len(labels)
        col = np.floor((xs - xmin) / c).astype(np.int64)
        row = np.floor((ys - ymin) / c).astype(np.int64)
        inside = (col >= 0) & (col < w) & (row >= 0) & (row < h)
        flat = ((step * h + row) * w + col)[inside]
        size = steps * h * w
        sums = np.bincount(flat, weights=vs[inside], minlength=size)
        counts = np.bincount(flat, minlength=size)
        grid = np.where(counts > 0, sums, fill).reshape(steps, h, w)
        options.setdefault("label", value)
        return cls(grid if steps > 1 else grid[0], (xmin, ymin, xmax, ymax), times=labels,
                   **options)

    @staticmethod
    def _check_interval(interval: float) -> float:
        if not (isinstance(interval, (int, float)) and interval > 0 and math.isfinite(interval)):
            raise ValueError(f"Terrain: contours must be a positive interval, got {interval!r}")
        return float(interval)

    # -- properties --------------------------------------------------------------------------
    @property
    def contours(self) -> float | None:
        """Contour interval in value units, or None. Turning them on/off rebuilds the program
        (a *variant* change); changing the interval is a uniform."""
        return self._contours

    @contours.setter
    def contours(self, interval: float | None) -> None:
        new = None if interval is None else self._check_interval(interval)
        if (new is None) != (self._contours is None):
            self._vaos.pop("color", None)
        self._contours = new

    @property
    def normals(self) -> str:
        """``"vertex"`` or ``"pixel"`` (``"auto"`` resolves by grid size when set). A variant:
        changing it rebuilds the program."""
        return self._normals

    @normals.setter
    def normals(self, mode: str) -> None:
        if mode not in NORMALS:
            raise ValueError(f"{self.name}: normals must be one of {NORMALS}, got {mode!r}")
        if mode == "auto":
            h, w = self.grid_shape
            mode = "pixel" if h * w >= PIXEL_NORMALS_FROM else "vertex"
        if mode != self._normals:
            self._vaos.pop("color", None)
        self._normals = mode

    @property
    def no_data(self) -> str:
        """``"hole"`` or ``"grey"`` (a uniform)."""
        return self._no_data

    @no_data.setter
    def no_data(self, mode: str) -> None:
        if mode not in NO_DATA:
            raise ValueError(f"{self.name}: no_data must be one of {NO_DATA}, got {mode!r}")
        self._no_data = mode

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

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, col) of the cell containing world point (x, y), or None outside the grid."""
        cx, cy = self.cell_size
        col = math.floor((x - self.extent[0]) / cx)
        row = math.floor((y - self.extent[1]) / cy)
        h, w = self.grid_shape
        return (row, col) if 0 <= row < h and 0 <= col < w else None

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        top = self.max_height * self.exaggeration
        return (np.array([self.extent[0], self.extent[1], 0.0]),
                np.array([self.extent[2], self.extent[3], top]))

    # -- time ------------------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        """Not driven by scene time by default: set :attr:`time_index` in ``update``."""

    def value(self, row: int, col: int, step: float | None = None) -> float:
        """The value drawn at a cell for a fractional time step (default: the current one)."""
        s0, s1, mix = self._steps_and_mix(self.time_index if step is None else step)
        return float(self._blend(self.values[s0, row, col], self.values[s1, row, col], mix))

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
        values = self._blend(self.values[s0, r, c].astype(float),
                             self.values[s1, r, c].astype(float), mix)
        lo, hi = _scale_np(np.array(self.domain, float), self.scale)
        with np.errstate(invalid="ignore"):
            level = np.clip((_scale_np(values, self.scale) - lo)
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

    # -- picking ---------------------------------------------------------------------------
    def pick_record(self, element: int) -> PickRecord:
        """The record of cell ``element`` (= row * W + col) at the current time."""
        w = self.grid_shape[1]
        row, col = divmod(int(element), w)
        change = None
        if self.change is not None:
            a, b = self.change
            change = float(self.values[b, row, col] - self.values[a, row, col])
        return PickRecord(self.name, (row, col), self.value(row, col), self.time_label(), change)

    # -- GPU -------------------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        self._has_no_data = bool(np.isnan(self.values).any())  # compiles the hole/grey branch
        self._values_buf = gpu.buffer(group, self.values)  # step after step, row-major cells
        self._values_tex = None  # for neighbours and the change view, made when first needed
        self._bound: dict[str, tuple[int, int]] = {}
        self._upload_colormaps(gpu, group)
        h, w = self.grid_shape
        self._indices = gpu.buffer(group, grid_indices(w, h))
        self._hidden_tex = None
        if self.hidden.any():  # which cells disclosure control hid, per step (R8: 0 or 255)
            self._hidden_tex = gpu.texture_array(group, (w, h, self.steps), 1,
                                                 self.hidden.astype(np.uint8) * 255, dtype="f1")
        self._vaos = {}

    def _vao(self, pass_name: str) -> moderngl.VertexArray:
        vao = self._vaos.get(pass_name)
        if vao is None:
            assert self._gpu is not None and self._group is not None
            defines = self._variant(pass_name, self._has_no_data)
            if pass_name == "color" and self._contours is not None:
                defines["CONTOURS"] = 1
            if self.normals == "pixel":
                defines["PIXEL_NORMALS"] = 1
            if self._hidden_tex is not None:
                defines["HIDDEN"] = 1
            program = self._gpu.program("terrain/terrain.vert", "terrain/terrain.frag",
                                        defines=defines)
            vao = self._gpu.vertex_array(self._group, program, [], index_buffer=self._indices)
            self._vaos[pass_name], self._programs[pass_name] = vao, program
            self._bound.pop(pass_name, None)
        return vao

    def draw(self, view: ViewState) -> None:
        if view.pass_name not in ("color", "pick") or self._gpu is None:
            return
        if view.pass_name == "pick" and not self.pick_id:
            return
        vao = self._vao(view.pass_name)
        program = self._programs[view.pass_name]
        h, w = self.grid_shape
        step0, step1, mix = self._steps_and_mix(self.time_index)
        if mix == 0.0:
            step1 = step0  # both streams on one step: the same read twice, from cache
        self._bind_steps(view.pass_name, vao, program, step0, step1)
        if self._values_tex is None and (self.normals == "vertex" or self._has_no_data
                                         or self.change is not None):
            assert self._gpu is not None and self._group is not None
            steps = self.values.shape[0]  # once, when first needed (an attribute change)
            self._values_tex = self._gpu.texture_array(self._group, (w, h, steps), 1,
                                                       self.values, dtype="f4")
        lo, hi = _scale_np(np.array(self.domain, float), self.scale)
        origin = (self.extent[0], self.extent[1], 0.0)
        if self._values_tex is not None:
            self._values_tex.use(location=0)
        change = self.change or (0, 0)
        uniforms: dict[str, object] = dict(
            u_mvp=ViewState.gl_matrix(view.model_view_projection(origin)),
            t_values=0, u_grid=(w, h), u_cell=self.cell_size,
            u_step0=step0, u_step1=step1, u_mix=float(mix),
            u_domain=(float(lo), float(hi)),
            u_max_height=self.max_height * self.exaggeration,
            u_change=int(self.change is not None), u_change_steps=change,
            u_change_range=self.change_range)
        if self._hidden_tex is not None:
            self._hidden_tex.use(location=2)
            uniforms.update(t_hidden=2, u_hidden_steps=(step0, step1 if mix > 0.0 else step0))
        if view.pass_name == "pick":
            uniforms["u_pick_layer"] = int(self.pick_id)
            uniforms["u_pick_no_data"] = float(self.no_data == "grey")  # grey cells answer
        else:
            (self._change_tex if self.change is not None else self._colormap_tex).use(location=1)
            sun = np.asarray(self.sun, float)
            uniforms.update(
                t_colormap=1, u_to_sun=tuple(sun / np.linalg.norm(sun)), u_ambient=self.ambient,
                u_no_data=NO_DATA_GREY if self.no_data == "grey" else (0.0, 0.0, 0.0, 0.0),
                u_hidden_color=self.hidden_color)
            if self._contours is not None:
                uniforms.update(u_contour_interval=self._contours,
                                u_contour_color=self.contour_color)
        program.set(**uniforms)
        vao.render(moderngl.TRIANGLES)


    def _bind_steps(self, pass_name: str, vao: moderngl.VertexArray, program: Any,
                    step0: int, step1: int) -> None:
        """Point a_value0 / a_value1 at the two steps' slices of the values buffer."""
        if self._bound.get(pass_name) == (step0, step1):
            return
        cells = self.grid_shape[0] * self.grid_shape[1]
        for name, step in (("a_value0", step0), ("a_value1", step1)):
            member = program.gl.get(name, None)
            if member is not None:
                vao.bind(member.location, "f", self._values_buf, "1f", offset=step * cells * 4)
        self._bound[pass_name] = (step0, step1)


def _is_grid_like(obj: Any) -> bool:
    return (not isinstance(obj, (np.ndarray, pd.DataFrame, pd.Series, list, tuple))
            and hasattr(obj, "values") and hasattr(obj, "extent"))
