"""Terrain: gridded statistics (counts per cell) as a lit, colour-mapped height field.

All time steps are uploaded once, into one float vertex buffer (step after step); the vertex
shader reads its cell's value at steps ``i`` and ``i + 1`` as two attributes bound at those
steps' offsets (re-binding is a GL call, not an upload) and blends them. Normals are computed on
the GPU — from neighbouring cells (a float texture array of the same values) or, on big grids,
per pixel — so animating between years costs a few uniforms per frame whatever the grid size.

Inputs: a 2-D array with its extent, a ``(T, H, W)`` series, a ``vizkit.data.Grid`` (or any
object with ``.values`` and ``.extent``), or points binned to a grid with
:meth:`Terrain.from_points` (a DataFrame of x, y, value and optionally a time column; binned by
:func:`vizkit.data.grid_points`).

Values are counts under disclosure control (:mod:`vizkit.layers.protection`): protected when
the layer joins a scene (the scene's policy) or when first needed; a measure declares its base
counts with ``base=``.

Costs of change (see :mod:`vizkit.layers.base`): :attr:`Terrain.time_index`,
:attr:`Terrain.exaggeration`, :attr:`Terrain.sun`, :attr:`Terrain.ambient`,
:attr:`Terrain.no_data` and :meth:`Terrain.show_change` are uniforms (free per frame);
:attr:`Terrain.contours` on/off is a variant (one program rebuild); new values mean a new layer.

The module stays whole (about 570 lines, most of them the documented inputs and read-outs):
one layer's inputs, value read-outs and draw are one lifecycle. What terrains share with
regions lives in :mod:`vizkit.layers.timesteps` and :mod:`vizkit.layers.protection`.
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
from vizkit.data.grid import grid_points
from vizkit.easing import Easing, get_easing
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.base import Layer, PickRecord
from vizkit.layers.legend import HIDDEN_COLOR, NO_DATA_GREY, scaled
from vizkit.layers.protection import (
    REMOVED,
    DisclosureControlled,
    StepProtection,
    explicit_policy,
    label_text,
    reject_counts_keyword,
    require_counts,
)
from vizkit.layers.timesteps import SCALES, TimeSteps, numeric_column, time_labels, time_steps
from vizkit.privacy import Policy
from vizkit.view import ViewState

NO_DATA = ("hole", "grey")
NORMALS = ("auto", "vertex", "pixel")
PIXEL_NORMALS_FROM = 512 * 512  # cells from which normals="auto" lights per pixel
Extent = tuple[float, float, float, float]


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


class Terrain(TimeSteps, DisclosureControlled, Layer):
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
        policy: disclosure control (see :mod:`vizkit.layers.protection`). ``None`` (default):
            the scene's policy, bound by ``scene.add`` (values below 5 are not shown, unless
            the exhibit says otherwise); a :class:`~vizkit.privacy.Policy` makes it stricter;
            ``Policy.off(reason)`` is the explicit, logged opt-out (data not about people).
        base: for a measure (a rate, a mean, a share per cell): the counts it rests on, the
            same shape as ``values``. Cells whose base is below ``k`` are hidden; the measure
            itself is shown unperturbed. Without ``base`` the values must be counts (whole
            numbers ≥ 0; NaN is no data) — anything else is an error naming the cell.
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
                 normals: str = "auto", policy: Policy | None = None,
                 base: Any = None, hidden_color: Sequence[float] = HIDDEN_COLOR,
                 name: str | None = None, provenance: object = None, counts: Any = REMOVED):
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
        reject_counts_keyword(counts, self.name)
        own = explicit_policy(policy, self.name)
        raw = self._float_array(values, "values")
        if extent is None:
            raise ValueError(f"{self.name}: extent (xmin, ymin, xmax, ymax) is required with a "
                             "plain array")
        if len(extent) != 4 or not (extent[2] > extent[0] and extent[3] > extent[1]):
            raise ValueError(f"{self.name}: extent must be (xmin, ymin, xmax, ymax) with "
                             f"xmax > xmin and ymax > ymin, got {tuple(extent)}")
        self.extent: Extent = tuple(float(v) for v in extent)  # type: ignore[assignment]
        self._shape = raw.shape
        self.times = time_labels(times, self.steps, self.name)
        base_counts = None
        if base is not None:
            base_counts = self._float_array(getattr(base, "values", base) if _is_grid_like(base)
                                            else base, "base").astype(np.float64)
            if base_counts.shape != raw.shape:
                raise ValueError(f"{self.name}: base has shape {base_counts.shape[1:]} × "
                                 f"{base_counts.shape[0]} steps, values "
                                 f"{raw.shape[1:]} × {raw.shape[0]}; they must match")
        if own is None or own.enabled:  # a layer knows what it draws: counts, or a measure
            checked, what = (raw, "values") if base_counts is None else (base_counts,
                                                                         "base counts")
            require_counts(checked, self.name, lambda i: self._describe_cell(i, what,
                                                                              np.ndim(values)),
                           what=what)
        # Disclosure control runs when the policy is final (scene.add) or first needed; the
        # raw values stay inside the protection, never drawn, picked or read out.
        self._protection = StepProtection(raw, owner=self.name, policy=own, base=base_counts,
                                          kind="grid", identity=self._cell_identity,
                                          total_of="all squares")
        self.hidden_color = tuple(float(c) for c in hidden_color)
        # Hidden cells are NaN like no-data ones, but drawn hatched (HIDDEN variant), never
        # silently missing; picking answers over them with NaN.
        if scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be one of {sorted(SCALES)}, got {scale!r}")
        self.scale = scale
        self.colormap = Colormap(colormap)
        self.domain = domain  # None: the shown values' range, once protected
        width, height = self.extent[2] - self.extent[0], self.extent[3] - self.extent[1]
        self.max_height = 0.15 * max(width, height) if max_height is None else float(max_height)
        self.exaggeration = float(exaggeration)
        self.sun = sun
        self.ambient = float(ambient)
        self.easing = get_easing(easing)
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
        self.pick_id = 0
        self._programs: dict[str, Any] = {}

    def _float_array(self, values: Any, what: str) -> npt.NDArray[np.float32]:
        """``(T, H, W)`` float32 from an ``(H, W)`` or ``(T, H, W)`` array, or a clear error."""
        array = np.asarray(values)
        if not np.issubdtype(array.dtype, np.number):
            raise TypeError(f"{self.name}: {what} must be numeric, got dtype {array.dtype}")
        if array.ndim == 2:
            array = array[np.newaxis]
        if array.ndim != 3:
            raise ValueError(f"{self.name}: {what} must be (H, W) or (T, H, W), got shape "
                             f"{array.shape}")
        if array.shape[1] < 2 or array.shape[2] < 2:
            raise ValueError(f"{self.name}: a terrain needs at least 2×2 cells, got "
                             f"{array.shape[1]}×{array.shape[2]}")
        with np.errstate(under="ignore", over="raise"):  # tiny values round to 0 in float32
            try:
                out = np.ascontiguousarray(array, dtype=np.float32)
            except FloatingPointError:
                raise ValueError(f"{self.name}: {what} exceed float32 range") from None
        if np.isinf(out).any():
            raise ValueError(f"{self.name}: {what} contain infinity; use NaN for no data")
        return out

    def _describe_cell(self, flat: int, what: str, ndim: int) -> str:
        """Where a flat index of the (T, H, W) values came from, in the caller's terms."""
        step, row, col = np.unravel_index(flat, self._shape)
        name = "values" if what == "values" else "base"
        if ndim == 2:
            return f"{name}[{row}, {col}] (row {row} from the south, column {col})"
        return f"{name}[{step}, {row}, {col}] (step {step}, row {row}, column {col})"

    def _cell_identity(self, step: int) -> pd.DataFrame:
        """What identifies each cell of a step, for cell keys: its south-west corner and size
        in metres (to the millimetre) and the time label — not its position in the array."""
        h, w = self.grid_shape
        cx, cy = self.cell_size
        rows, cols = np.divmod(np.arange(h * w), w)
        return pd.DataFrame({"x": np.round(self.extent[0] + cols * cx, 3),
                             "y": np.round(self.extent[1] + rows * cy, 3),
                             "size": np.full(h * w, round(cx, 3)),
                             "time": self._step_identity(step)})

    def mark_no_data(self, cells: npt.ArrayLike) -> None:
        """Make cells no data in every time step — squares outside a county, say.

        Args:
            cells: ``(H, W)`` bool, True where there is no data (drawn as holes or grey,
                never as zero). Disclosure control runs again without them; an attribute
                change (the values are uploaded again).
        """
        mask = np.asarray(cells, dtype=bool)
        if mask.shape != self.grid_shape:
            raise ValueError(f"{self.name}: mark_no_data needs an (H, W) = {self.grid_shape} "
                             f"mask, got shape {mask.shape}")
        protection = self._protection  # copies: the caller's arrays are never written
        protection.raw = protection.raw.copy()
        protection.raw[:, mask] = np.nan
        if protection.base is not None:
            protection.base = protection.base.copy()
            protection.base[:, mask] = np.nan
        protection.reset()
        self.invalidate()

    @classmethod
    def from_points(cls, frame: pd.DataFrame, *, x: str = "x", y: str = "y",
                    value: str = "value", cell_size: float, time: str | None = None,
                    extent: Sequence[float] | None = None, fill: float = 0.0,
                    base: str | None = None, **options: Any) -> Terrain:
        """Bin points (a DataFrame of x, y, value[, time]) into cells and build a terrain.

        Binning is :func:`vizkit.data.grid_points` (one ``np.bincount`` per time step).
        Counts falling into one cell (and time step) are summed. A NaN value (a suppressed
        count) makes its cell no data. Cells without points get ``fill`` (0: nobody lives
        there; pass ``np.nan`` to show them as no data).

        Args:
            frame: one row per point (or per grid cell, with x/y its corner or centre).
            x, y, value: column names; x/y in metres, value a count (or a measure with
                ``base``).
            cell_size: side of a square cell, metres.
            time: optional column of time labels (years); steps are its sorted distinct values.
            extent: ``(xmin, ymin, xmax, ymax)``, a whole number of cells; default: the
                points' bounds snapped outwards to multiples of ``cell_size``. Points outside
                a given extent are ignored.
            fill: value of cells without points.
            base: for a measure: the column of counts it rests on (summed per cell like
                counts). A measure cannot be summed, so then each cell may hold one row.
            **options: passed to :class:`Terrain` (colormap, scale, units, policy, …).
        """
        owner = f"{options.get('name') or 'Terrain'}.from_points"
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{owner}: expected a pandas DataFrame, got {type(frame).__name__}")
        if not cell_size > 0:
            raise ValueError(f"{owner}: cell_size must be positive, got {cell_size!r}")
        if len(frame) == 0:
            raise ValueError(f"{owner}: the DataFrame has no rows")
        for column in (x, y, value, *(c for c in (time, base) if c is not None)):
            if column not in frame.columns:
                raise ValueError(f"{owner}: no column {column!r} (columns: "
                                 f"{', '.join(map(str, frame.columns))})")
        xs = numeric_column(frame, x, owner, allow_nan=False)
        ys = numeric_column(frame, y, owner, allow_nan=False)
        vs = numeric_column(frame, value, owner)
        bs = None if base is None else numeric_column(frame, base, owner)
        policy = options.get("policy")
        if policy is None or getattr(policy, "enabled", True):
            column, numbers = (value, vs) if bs is None else (base, bs)
            require_counts(numbers, owner, lambda i: f"column {column!r}, row "
                           f"{label_text(frame.index[i])}",
                           what="values" if bs is None else "base counts")
        c = float(cell_size)
        if extent is None:  # the points' bounds, snapped outwards as grid_points snaps them
            extent = grid_points([xs.min(), xs.max()], [ys.min(), ys.max()], cell_size=c).extent
        if time is None:
            labels, step = None, np.zeros(len(frame), np.int64)
        else:
            if frame[time].isna().any():
                rows = list(frame.index[frame[time].isna()][:5])
                raise ValueError(f"{owner}: column {time!r} has missing time labels (rows "
                                 f"{rows})")
            labels, step = time_steps(frame[time])

        def binned(weights: np.ndarray | None) -> np.ndarray:
            """(T, H, W) sums of ``weights`` (or point counts) per cell and time step."""
            layers = []
            for s in range(1 if labels is None else len(labels)):
                rows = step == s
                try:
                    grid = grid_points(xs[rows], ys[rows], None if weights is None
                                       else weights[rows], cell_size=c,
                                       extent=tuple(float(v) for v in extent))
                except ValueError as exc:
                    raise ValueError(f"{owner}: {exc}") from None
                layers.append(grid.values)
            return np.stack(layers)

        points = binned(None)
        h, w = points.shape[1:]
        if w < 2 or h < 2:
            raise ValueError(f"{owner}: the points span {w}×{h} cells of {c} m; a terrain "
                             "needs at least 2×2")
        if bs is not None and (points > 1).any():
            raise ValueError(f"{owner}: {int((points > 1).sum())} cell(s) hold more than one "
                             f"row, and a measure ({value!r} with base={base!r}) cannot be "
                             "summed; aggregate the counts first, or bin a larger cell")
        grid = np.where(points > 0, binned(vs), fill)
        if bs is not None:
            options["base"] = np.where(points > 0, binned(bs), 0.0)
        options.setdefault("label", value)
        return cls(grid, tuple(float(v) for v in extent), times=labels, **options)

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
    def grid_shape(self) -> tuple[int, int]:
        """(H, W) cells."""
        return self._shape[1], self._shape[2]

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
        lo, hi = scaled(np.array(self.domain, float), self.scale)
        with np.errstate(invalid="ignore"):
            level = np.clip((scaled(values, self.scale) - lo)
                            / max(hi - lo, 1e-30), 0.0, 1.0)
        heights = level * self.max_height * self.exaggeration
        return np.where(inside & np.isfinite(heights), heights, 0.0)

    def level(self, value: float) -> float:
        """A value's position in the domain after scaling, 0…1 (NaN stays NaN)."""
        if math.isnan(value):
            return math.nan
        lo, hi = scaled(np.array(self.domain, float), self.scale)
        v = float(scaled(np.array([value], float), self.scale)[0])
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
        lo, hi = scaled(np.array(self.domain, float), self.scale)
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
