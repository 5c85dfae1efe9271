"""Terrain: gridded statistics (counts per cell) as a softly lit, colour-mapped height field.

**Only where the data is.** The cells with data (a value other than zero in some step) and, up
to ``reach`` cells around them, the ground they stand on form the footprint
(:mod:`vizkit.layers.tiles`); nothing outside it is drawn. Inside it, zero is the ground colour
(nobody there), no data a calm tint (or a hole), and cells hidden by disclosure control carry
the protected pattern. Given ``land=``, only land is ground. A sparse grid is stored as tiles
around its footprint, so memory, uploads and draw work grow with its cells, not its bounding
box; a complete grid stays one dense tile.

**Upload once, animate on the GPU.** All time steps go to the GPU once, into one float vertex
buffer (step after step); the vertex shader reads its cell's value at steps ``i`` and ``i + 1``
as two attributes bound at those steps' offsets (re-binding is a GL call, not an upload) and
blends them. Normals come from the GPU (neighbouring cells of an atlas texture, or per pixel on
big grids); soft light (:mod:`vizkit.layers.light`) takes sky and sun visibility from a horizon
pass made once per step (:mod:`vizkit.layers.horizon`).

**Defaults follow the data** (:mod:`vizkit.layers.autoscale`): scale, colour domain and the
peak's height are chosen from the shown values and the footprint, and stated in the legend.

Inputs (:mod:`vizkit.layers.terrain_inputs`): a 2-D array with its extent, a ``(T, H, W)``
series, a ``vizkit.data.Grid``, :class:`~vizkit.layers.terrain_inputs.GridCells`, or points
binned with :meth:`Terrain.from_points`. Values are counts under disclosure control
(:mod:`vizkit.layers.protection`); a measure declares its base counts with ``base=``.

Costs of change (see :mod:`vizkit.layers.base`): ``time_index``, ``exaggeration``, ``sun``,
``ambient``, ``light`` (its uniforms; occlusion and shadows on/off is a variant),
``no_data`` and :meth:`show_change` are uniforms — a new sun or exaggeration makes the horizon
pass run again; ``contours`` on/off and ``normals`` are variants; new values are a new layer.

The module stays whole (about 530 lines, a third of them documented arguments and read-outs):
one layer's inputs, read-outs and draw are one lifecycle; inputs, tiles, light and the GPU
resources live in their own modules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.colormap import DIVERGING_DEFAULT, Colormap
from vizkit.easing import Easing, get_easing
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.autoscale import peak_height
from vizkit.layers.base import Layer, PickRecord
from vizkit.layers.legend import GROUND_COLOR, HIDDEN_COLOR, NO_DATA_GREY
from vizkit.layers.light import Light
from vizkit.layers.protection import (
    REMOVED,
    DisclosureControlled,
    StepProtection,
    explicit_policy,
    reject_counts_keyword,
)
from vizkit.layers.terrain_gpu import TerrainGpu
from vizkit.layers.terrain_inputs import GridCells, bin_points, is_grid_like, read_values
from vizkit.layers.terrain_store import Placed, place, replace_no_data
from vizkit.layers.tiles import TileLayout, grid_indices
from vizkit.layers.timesteps import TimeSteps, time_labels
from vizkit.privacy import Policy
from vizkit.view import ViewState

NO_DATA = ("hole", "grey")
NORMALS = ("auto", "vertex", "pixel")
PIXEL_NORMALS_FROM = 512 * 512  # drawn cells from which normals="auto" lights per pixel
REACH = 1                       # cells of ground drawn around the data by default
Extent = tuple[float, float, float, float]


class Terrain(TimeSteps, DisclosureControlled, Layer):
    """A height field from a grid of values, optionally over several time steps.

    Args:
        values: ``(H, W)`` or ``(T, H, W)`` numbers (counts per cell, say); row 0 is the
            southern edge; NaN marks cells without data (never zero). A ``vizkit.data.Grid``
            (or an object with ``.values``, ``.extent``, optionally ``.times``, ``.provenance``
            and ``.crs``) or :class:`~vizkit.layers.terrain_inputs.GridCells` (values on a few
            cells of a big grid) are accepted too.
        extent: ``(xmin, ymin, xmax, ymax)`` in metres covered by the grid's outer cell edges.
        colormap: colour map name or colour list (default ``"viridis"``).
        scale: ``"linear"``, ``"sqrt"`` or ``"log"`` for heights and colours; default: chosen
            from the distribution of the shown values (:mod:`vizkit.layers.autoscale`).
        domain: values at the ends of the colour map (and then at heights 0…max); default:
            0 to the 99.5th percentile of the shown values, heights to the largest.
        max_height: metres of the peak before exaggeration; default 4 % of the footprint's
            diagonal.
        exaggeration: multiplier on heights (a uniform).
        sun: direction *towards* the sun (x, y, z), above the horizon.
        ambient: share of the light that comes from the sky; 1 draws the colour map unlit.
        light: :class:`~vizkit.layers.light.Light`, ``"soft"`` (default: occlusion, soft
            shadows, sky light, tone mapping) or ``"plain"`` (ambient + diffuse).
        easing: how morphs between steps progress (``"linear"`` or ``"smooth"``).
        times: labels of the time steps (years), for picking, legends and :meth:`step_of`.
        units, label: for the legend (``"persons"``, ``"Population"``).
        no_data: ``"grey"`` (default: a calm no-data tint) or ``"hole"`` — how NaN cells in the
            footprint look (a uniform).
        reach: cells of ground (zero and no-data cells) drawn around the cells with data;
            ``None``: the whole grid (a complete surface).
        land: what may be ground — an ``(H, W)`` bool array, a boundaries DataFrame from
            :func:`vizkit.data.read_geojson` or an object with ``land_mask(extent, shape)``
            (a base map); see :mod:`vizkit.layers.landmask`. Cells with data are always drawn.
        contours: draw iso-lines every ``contours`` value units (a variant), or None.
        contour_color: RGBA (0–1) of contour lines; alpha is their opacity.
        normals: ``"vertex"``, ``"pixel"`` or ``"auto"`` (``"pixel"`` from 512×512 drawn
            cells up). A variant.
        policy: disclosure control (:mod:`vizkit.layers.protection`); ``None`` = the scene's.
        base: for a measure (a rate, a mean, a share per cell): the counts it rests on, the
            same shape as ``values``; cells whose base is below ``k`` are hidden.
        hidden_color: RGB(A) of the protected pattern's lines over hidden cells; the fill
            between them is :data:`~vizkit.layers.legend.HIDDEN_FILL` times it.
        ground_color: RGB(A) of cells whose value is zero.
    """

    def __init__(self, values: Any, extent: Sequence[float] | None = None, *,
                 colormap: str | Sequence[object] | Colormap = "viridis",
                 scale: str | None = None, domain: tuple[float, float] | None = None,
                 max_height: float | None = None, exaggeration: float = 1.0,
                 sun: Sequence[float] = (-0.5, -0.6, 0.75), ambient: float = 0.35,
                 light: Light | str = "soft", easing: str | Easing = "smooth",
                 times: Sequence[Any] | None = None, units: str = "", label: str = "",
                 no_data: str = "grey", reach: int | None = REACH, land: Any = None,
                 contours: float | None = None,
                 contour_color: Sequence[float] = (0.0, 0.0, 0.0, 0.45),
                 normals: str = "auto", policy: Policy | None = None,
                 base: Any = None, hidden_color: Sequence[float] = HIDDEN_COLOR,
                 ground_color: Sequence[float] = GROUND_COLOR,
                 name: str | None = None, provenance: object = None, counts: Any = REMOVED):
        crs = None
        if is_grid_like(values):
            grid = values
            values = grid.values
            extent = grid.extent if extent is None else extent
            grid_times = tuple(getattr(grid, "times", ()) or ())
            if times is None and np.ndim(values) == 3 and len(grid_times) == np.shape(values)[0]:
                times = grid_times
            provenance = getattr(grid, "provenance", None) if provenance is None else provenance
            crs = getattr(grid, "crs", None)
        super().__init__(name=name or "Terrain", provenance=provenance)
        reject_counts_keyword(counts, self.name)
        own = explicit_policy(policy, self.name)
        self.crs = crs
        if extent is None:
            raise ValueError(f"{self.name}: extent (xmin, ymin, xmax, ymax) is required with a "
                             "plain array")
        if len(extent) != 4 or not (extent[2] > extent[0] and extent[3] > extent[1]):
            raise ValueError(f"{self.name}: extent must be (xmin, ymin, xmax, ymax) with "
                             f"xmax > xmin and ymax > ymin, got {tuple(extent)}")
        self.extent: Extent = tuple(float(v) for v in extent)  # type: ignore[assignment]
        if reach is not None and not (isinstance(reach, (int, np.integer)) and reach >= 0):
            raise ValueError(f"{self.name}: reach must be a whole number of cells ≥ 0 or None, "
                             f"got {reach!r}")
        self.reach = None if reach is None else int(reach)
        check = own is None or own.enabled  # a layer knows what it draws: counts, or a measure
        raw, base_raw = read_values(values, base, check, self.name)
        self._shape = (raw.steps, *raw.shape) if isinstance(raw, GridCells) else raw.shape
        self.times = time_labels(times, self.steps, self.name)
        self._land = land
        placed = place(raw, base_raw, reach=self.reach, land=land, extent=self.extent,
                       crs=crs, owner=self.name)
        del raw, base_raw
        self._layout, self._outside = placed.layout, placed.outside
        # Disclosure control runs when the policy is final (scene.add) or first needed; the
        # raw values stay inside the protection, never drawn, picked or read out.
        self._protection = StepProtection(placed.values, owner=self.name, policy=own,
                                          base=placed.base, kind="grid",
                                          identity=self._cell_identity, total_of="all squares")
        self.hidden_color = (*tuple(float(c) for c in hidden_color)[:3], 1.0)
        self.zero_color = (*tuple(float(c) for c in ground_color)[:3], 1.0)
        self.scale = scale
        self.colormap = Colormap(colormap)
        self.domain = domain
        self._max_height = None if max_height is None else float(max_height)
        self.exaggeration = float(exaggeration)
        self.sun, self.ambient, self.light = sun, float(ambient), light
        self.easing = get_easing(easing)
        self.units, self.label = units, label
        self.no_data = no_data
        self._contours = None if contours is None else self._check_interval(contours)
        self.contour_color = tuple(float(c) for c in contour_color)
        self._gpu_state: TerrainGpu | None = None
        self._normals = "vertex"
        self.normals = normals
        self.time_index = 0.0  # fractional time step shown: 1.25 = a quarter from step 1 to 2
        self.change: tuple[int, int] | None = None  # steps compared by the change view
        self.change_colormap = Colormap(DIVERGING_DEFAULT)
        self.pick_id = 0

    # -- inputs ------------------------------------------------------------------------------
    def _cell_identity(self, step: int) -> pd.DataFrame:
        """What identifies each stored cell of a step, for cell keys: its south-west corner and
        size in metres (to the millimetre) and the time label — not its position in storage."""
        cx, cy = self.cell_size
        x, y = self._layout.centres((cx, cy), (self.extent[0], self.extent[1]))
        return pd.DataFrame({"x": np.round(x, 3), "y": np.round(y, 3),
                             "size": np.full(len(x), round(cx, 3)),
                             "time": self._step_identity(step)})

    def mark_no_data(self, cells: npt.ArrayLike) -> None:
        """Make cells no data in every time step — squares outside a county, say.

        Args:
            cells: ``(H, W)`` bool, True where there is no data (never zero). Disclosure
                control runs again without them and the footprint follows; an attribute
                change (the values are uploaded again).
        """
        mask = np.asarray(cells, dtype=bool)
        if mask.shape != self.grid_shape:
            raise ValueError(f"{self.name}: mark_no_data needs an (H, W) = {self.grid_shape} "
                             f"mask, got shape {mask.shape}")
        protection = self._protection
        placed = replace_no_data(Placed(self._layout, protection.raw, protection.base,
                                        self._outside), mask, reach=self.reach, land=self._land,
                                 extent=self.extent, crs=self.crs, owner=self.name)
        self._layout, self._outside = placed.layout, placed.outside
        protection.raw, protection.base = placed.values, placed.base
        protection.reset()
        self.invalidate()

    @classmethod
    def from_points(cls, frame: pd.DataFrame, *, x: str = "x", y: str = "y",
                    value: str = "value", cell_size: float, time: str | None = None,
                    extent: Sequence[float] | None = None, fill: float = 0.0,
                    base: str | None = None, **options: Any) -> Terrain:
        """Bin points (a DataFrame of x, y, value[, time]) into cells and build a terrain.

        Binning follows :func:`vizkit.data.grid_points` (the same cells, summed in row order)
        but never makes the dense grid: only cells with rows are kept, so a sparse grid over a
        continent costs its rows. A NaN value (a suppressed count) makes its cell no data.
        Cells without rows get ``fill`` (0: nobody lives there; ``np.nan``: unknown).

        Args:
            frame: one row per point (or per grid cell, with x/y its corner or centre).
            x, y, value: column names; x/y in metres, value a count (or a measure with
                ``base``).
            cell_size: side of a square cell, metres.
            time: optional column of time labels (years); steps are its sorted distinct values.
            extent: ``(xmin, ymin, xmax, ymax)``, a whole number of cells; default: the
                points' bounds snapped outwards to multiples of ``cell_size``. Points outside
                a given extent are ignored.
            fill: value of cells without points: 0 or NaN.
            base: for a measure: the column of counts it rests on (summed per cell like
                counts). A measure cannot be summed, so then each cell may hold one row.
            **options: passed to :class:`Terrain` (colormap, scale, units, policy, …).
        """
        owner = f"{options.get('name') or 'Terrain'}.from_points"
        policy = options.get("policy")
        cells, base_cells, box, labels = bin_points(
            frame, x=x, y=y, value=value, cell_size=cell_size, time=time, extent=extent,
            fill=fill, base=base, check_counts=policy is None or getattr(policy, "enabled", True),
            owner=owner)
        if base_cells is not None:
            options["base"] = base_cells
        options.setdefault("label", value)
        return cls(cells, box, times=labels, **options)

    @staticmethod
    def _check_interval(interval: float) -> float:
        if not (isinstance(interval, (int, float)) and interval > 0 and math.isfinite(interval)):
            raise ValueError(f"Terrain: contours must be a positive interval, got {interval!r}")
        return float(interval)

    # -- what is shown -----------------------------------------------------------------------
    def _shown(self) -> npt.NDArray[np.float32]:
        return self._protection.result().values

    @property
    def values(self) -> npt.NDArray[np.float32]:
        """``(T, H, W) float32`` values (read-only): as drawn inside the footprint (NaN where
        hidden or no data); outside it, the input's zeros and NaN (not drawn). Made from the
        stored tiles when first asked for."""
        result = self._protection.result()

        def dense() -> np.ndarray:
            fill = np.where(self._outside.mask(), np.float32(np.nan), np.float32(0.0))
            inside = self._layout.scatter(self._layout.inside.reshape(1, *self._layout
                                                                      .stacked_shape), False)[0]
            shown = self._layout.scatter(result.values, np.nan)
            return _read_only(np.where(inside, shown, fill).astype(np.float32))

        return self._cached("values", result.values, None, dense)

    @property
    def hidden(self) -> npt.NDArray[np.bool_]:
        """``(T, H, W) bool``: True where disclosure control hid the cell (drawn marked)."""
        result = self._protection.result()
        return self._cached("hidden", result.values, None, lambda: _read_only(
            self._layout.scatter(np.asarray(result.hidden), False)))

    def _any_hidden(self) -> bool:
        return bool(np.asarray(self._protection.result().hidden).any())

    def _any_no_data(self) -> bool:
        """True when a cell in the footprint has no data (not hidden) in some step."""
        result = self._protection.result()

        def find() -> bool:
            blank = np.isnan(result.values) & ~np.asarray(result.hidden)
            return bool((blank.reshape(blank.shape[0], -1)[:, self._layout.inside.reshape(-1)]
                         ).any())

        return bool(self._cached("any_no_data", result.values, None, find))

    @property
    def layout(self) -> TileLayout:
        """Which cells are stored and drawn (:class:`~vizkit.layers.tiles.TileLayout`)."""
        return self._layout

    # -- properties --------------------------------------------------------------------------
    @property
    def contours(self) -> float | None:
        """Contour interval in value units, or None. On/off is a *variant*; the interval a
        uniform."""
        return self._contours

    @contours.setter
    def contours(self, interval: float | None) -> None:
        self._contours = None if interval is None else self._check_interval(interval)

    @property
    def normals(self) -> str:
        """``"vertex"`` or ``"pixel"`` (``"auto"`` resolves by drawn cells when set)."""
        return self._normals

    @normals.setter
    def normals(self, mode: str) -> None:
        if mode not in NORMALS:
            raise ValueError(f"{self.name}: normals must be one of {NORMALS}, got {mode!r}")
        if mode == "auto":
            drawn = int(np.count_nonzero(self._layout.inside))
            mode = "pixel" if drawn >= PIXEL_NORMALS_FROM else "vertex"
        self._normals = mode

    @property
    def no_data(self) -> str:
        """``"grey"`` (a calm no-data tint) or ``"hole"`` (a uniform)."""
        return self._no_data

    @no_data.setter
    def no_data(self, mode: str) -> None:
        if mode not in NO_DATA:
            raise ValueError(f"{self.name}: no_data must be one of {NO_DATA}, got {mode!r}")
        self._no_data = mode

    @property
    def max_height(self) -> float:
        """Metres of the peak before exaggeration: as given, else 4 % of the footprint's
        diagonal (:func:`vizkit.layers.autoscale.peak_height`)."""
        if self._max_height is not None:
            return self._max_height
        return peak_height(self.footprint_diagonal)

    @max_height.setter
    def max_height(self, metres: float | None) -> None:
        self._max_height = None if metres is None else float(metres)

    # -- shape -------------------------------------------------------------------------------
    @property
    def grid_shape(self) -> tuple[int, int]:
        """(H, W) cells."""
        return self._shape[1], self._shape[2]

    @property
    def cell_size(self) -> tuple[float, float]:
        h, w = self.grid_shape
        return ((self.extent[2] - self.extent[0]) / w, (self.extent[3] - self.extent[1]) / h)

    def footprint_extent(self) -> Extent:
        """``(xmin, ymin, xmax, ymax)`` metres of the drawn cells (the extent if none)."""
        box = self._layout.footprint_bounds()
        if box is None:
            return self.extent
        r0, c0, r1, c1 = box
        cx, cy = self.cell_size
        x0, y0 = self.extent[0], self.extent[1]
        return (x0 + c0 * cx, y0 + r0 * cy, x0 + c1 * cx, y0 + r1 * cy)

    @property
    def footprint_diagonal(self) -> float:
        x0, y0, x1, y1 = self.footprint_extent()
        return math.hypot(x1 - x0, y1 - y0)

    def cell_centre(self, row: int, col: int, step: float | None = None) -> tuple[float, ...]:
        """World position (x, y, z) of a cell centre's vertex at time step ``step``."""
        cx, cy = self.cell_size
        level = self.level(self.value(row, col, step), heights=True)
        z = 0.0 if math.isnan(level) else level * self.max_height * self.exaggeration
        return (self.extent[0] + (col + 0.5) * cx, self.extent[1] + (row + 0.5) * cy, z)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, col) of the cell containing world point (x, y), or None outside the grid."""
        cx, cy = self.cell_size
        col = math.floor((x - self.extent[0]) / cx)
        row = math.floor((y - self.extent[1]) / cy)
        h, w = self.grid_shape
        return (row, col) if 0 <= row < h and 0 <= col < w else None

    def ground_points(self) -> np.ndarray:
        """Centres of the drawn cells at ground level, every k-th (4,096 at most)."""
        cached = self.__dict__.get("_ground_points")
        if cached is not None and cached[0] is self._layout:
            return cached[1]
        rows, cols = np.nonzero(self._layout.footprint())
        step = max(1, len(rows) // 4096)
        cx, cy = self.cell_size
        points = np.column_stack([self.extent[0] + (cols[::step] + 0.5) * cx,
                                  self.extent[1] + (rows[::step] + 0.5) * cy,
                                  np.zeros(len(rows[::step]))])
        self.__dict__["_ground_points"] = (self._layout, points)
        return points

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The footprint's box, from the ground to the peak (for ``Scene.frame_all``)."""
        x0, y0, x1, y1 = self.footprint_extent()
        return (np.array([x0, y0, 0.0]), np.array([x1, y1, self.max_height * self.exaggeration]))

    # -- values now --------------------------------------------------------------------------
    def set_time(self, t: float) -> None:
        """Not driven by scene time by default: set :attr:`time_index` in ``update``."""

    def _values_at(self, step: int, rows: npt.ArrayLike, cols: npt.ArrayLike
                   ) -> npt.NDArray[np.float64]:
        """Values of cells at a step, as :attr:`values` holds them — from the stored tiles,
        never a dense grid."""
        r, c = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
        flat = self._layout.locate(r, c)
        shown = self._shown()[step].reshape(-1)
        inside = self._layout.inside.reshape(-1)
        ok = flat >= 0
        safe = np.where(ok, flat, 0)
        drawn = ok & inside[safe]
        return np.where(drawn, shown[safe].astype(np.float64), self._outside.values(r, c))

    def value(self, row: int, col: int, step: float | None = None) -> float:
        """The value drawn at a cell for a fractional time step (default: the current one)."""
        s0, s1, mix = self._steps_and_mix(self.time_index if step is None else step)
        a, b = self._values_at(s0, [row], [col])[0], self._values_at(s1, [row], [col])[0]
        return float(self._blend(a, b, mix))

    def heights_at(self, x: npt.ArrayLike, y: npt.ArrayLike,
                   step: float | None = None) -> npt.NDArray[np.float64]:
        """World heights (metres, exaggeration included) of the cells under points (x, y).

        Vectorised, for placing other layers on the surface once at setup (flow endpoints,
        labels). Points outside the footprint or over cells without a value get height 0.
        """
        x, y = np.asarray(x, float), np.asarray(y, float)
        cx, cy = self.cell_size
        col = np.floor((x - self.extent[0]) / cx).astype(np.int64)
        row = np.floor((y - self.extent[1]) / cy).astype(np.int64)
        s0, s1, mix = self._steps_and_mix(self.time_index if step is None else step)
        values = self._blend(self._values_at(s0, row, col), self._values_at(s1, row, col), mix)
        heights = self.level_of(values, heights=True) * self.max_height * self.exaggeration
        return np.where(np.isfinite(heights), heights, 0.0)

    def level(self, value: float, *, heights: bool = False) -> float:
        """A value's position in the colour (or height) domain after scaling, 0…1 (NaN
        stays NaN)."""
        if math.isnan(value):
            return math.nan
        return float(self.level_of(np.array([value]), heights=heights)[0])

    # -- picking -----------------------------------------------------------------------------
    def pick_record(self, element: int) -> PickRecord:
        """The record of cell ``element`` (= row * W + col) at the current time."""
        row, col = divmod(int(element), self.grid_shape[1])
        change = None
        if self.change is not None:
            a, b = self.change
            change = float(self._values_at(b, [row], [col])[0]
                           - self._values_at(a, [row], [col])[0])
        return PickRecord(self.name, (row, col), self.value(row, col), self.time_label(), change)

    # -- GPU ---------------------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        result = self._protection.result()
        self._gpu_state = TerrainGpu(gpu, group, self._layout, result.values, result.hidden,
                                     owner=self.name)
        self._upload_colormaps(gpu, group)

    def release(self) -> None:
        if self._gpu_state is not None:
            self._gpu_state.release()
            self._gpu_state = None
        super().release()

    def draw(self, view: ViewState) -> None:
        state = self._gpu_state
        if view.pass_name not in ("color", "pick") or self._gpu is None or state is None:
            return
        if view.pass_name == "pick" and not self.pick_id:
            return
        step0, step1, mix = self._steps_and_mix(self.time_index)
        colour, heights = self._scaled_domains()
        origin = (self.extent[0], self.extent[1], 0.0)
        uniforms: dict[str, object] = dict(
            u_mvp=ViewState.gl_matrix(view.model_view_projection(origin)),
            u_grid=(self.grid_shape[1], self.grid_shape[0]), u_cell=self.cell_size,
            u_step0=step0, u_step1=step1, u_mix=float(mix), u_domain=colour,
            u_heights=heights, u_max_height=self.max_height * self.exaggeration,
            u_change=int(self.change is not None), u_change_steps=self.change or (0, 0),
            u_change_range=self.change_range)
        defines = self._variant(view.pass_name, state.has_no_data)
        if view.pass_name == "pick":
            uniforms["u_pick_layer"] = int(self.pick_id)
            uniforms["u_pick_no_data"] = float(self.no_data == "grey")  # grey cells answer
        else:
            (self._change_tex if self.change is not None else self._colormap_tex).use(location=1)
            lit = self.ambient < 1.0  # ambient 1: the colour map's colours, unlit
            light = self.light_for(view)   # plain under the draft preset
            defines.update(light.defines() if lit else {})
            uniforms.update(
                t_colormap=1, u_ground=self.zero_color[:3], u_to_sun=self.sun,
                u_ambient=self.ambient, u_light=light.uniform() if lit else (0, 0, 1, 0),
                u_occlusion=light.occlusion,
                u_no_data=NO_DATA_GREY if self.no_data == "grey" else (0.0, 0.0, 0.0, 0.0),
                u_hidden_color=self.hidden_color[:3])
            if self._contours is not None:
                defines["CONTOURS"] = 1
                uniforms.update(u_contour_interval=self._contours,
                                u_contour_color=self.contour_color)
            if "LIGHT" in defines and not state.empty:
                state.bind_light(self._light_inputs(heights),
                                 (step0, step1 if mix > 0.0 else step0))
        if self.normals == "pixel":
            defines["PIXEL_NORMALS"] = 1
        state.draw(view.pass_name, defines, uniforms, (step0, step1 if mix > 0.0 else step0),
                   needs_atlas=(self.normals == "vertex" or state.has_no_data
                                or self.change is not None))

    def _light_inputs(self, heights: tuple[float, float]) -> dict[str, object]:
        """What the horizon pass needs (and what makes its textures stale when it changes)."""
        sx, sy, sz = self.sun
        horizontal = math.hypot(sx, sy) or 1.0
        return dict(SCALE=self.scale, HEIGHT_SCALE=self.height_scale, u_heights=heights,
                    u_cell=self.cell_size, u_max_height=self.max_height * self.exaggeration,
                    u_grid=(self.grid_shape[1], self.grid_shape[0]),
                    u_sun_dir=(sx / horizontal, sy / horizontal),
                    u_sun_elevation=math.asin(min(sz, 1.0)),
                    u_softness=math.radians(self.light.softness_deg),
                    diagonal=self.footprint_diagonal, search=self.light.search)


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


__all__ = ["NORMALS", "NO_DATA", "REACH", "GridCells", "Terrain", "grid_indices"]
