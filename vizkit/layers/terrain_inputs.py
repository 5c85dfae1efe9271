"""What a terrain accepts: dense arrays, grids, sparse cells and points — checked and shaped.

* :func:`float_array` — an ``(H, W)`` or ``(T, H, W)`` array as float32 ``(T, H, W)``, or a clear
  error naming the layer and what is wrong.
* :class:`GridCells` — values on some cells of a big grid, the rest ``fill`` (0: nobody there,
  or NaN: unknown): a sparse grid that never exists as a dense array.
* :func:`bin_points` — the rows of a DataFrame (points, or grid cells by a corner or centre)
  binned into :class:`GridCells` exactly as :func:`vizkit.data.grid_points` bins them (one
  ``np.bincount`` over (step, cell) keys), without the dense grid.

GL-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.grid import grid_cell_index
from vizkit.layers.protection import label_text, require_counts
from vizkit.layers.timesteps import numeric_column, time_steps


@dataclass(frozen=True, eq=False)
class GridCells:
    """Values on some cells of an ``(H, W)`` grid; every other cell is ``fill``.

    Attributes:
        rows, cols: ``(N,)`` int64 cell positions (row 0 is the southern row), distinct.
        values: ``(T, N)`` float32, one row per time step; NaN = no data.
        shape: ``(H, W)`` cells of the whole grid.
        fill: value of the cells not listed: 0 (nobody there) or NaN (no data).
    """

    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    shape: tuple[int, int]
    fill: float = 0.0

    def __post_init__(self) -> None:
        n = len(self.rows)
        if len(self.cols) != n or self.values.ndim != 2 or self.values.shape[1] != n:
            raise ValueError(f"GridCells: rows ({len(self.rows)}), cols ({len(self.cols)}) and "
                             f"values {self.values.shape} must describe the same N cells")
        if not (self.fill == 0.0 or np.isnan(self.fill)):
            raise ValueError(f"GridCells: fill must be 0 or NaN, got {self.fill!r}")

    @property
    def steps(self) -> int:
        return int(self.values.shape[0])


def is_grid_like(obj: Any) -> bool:
    """A ``vizkit.data.Grid`` or anything with ``.values`` and ``.extent``."""
    return (not isinstance(obj, (np.ndarray, pd.DataFrame, pd.Series, list, tuple, GridCells))
            and hasattr(obj, "values") and hasattr(obj, "extent"))


def float_array(values: Any, what: str, owner: str) -> npt.NDArray[np.float32]:
    """``(T, H, W)`` float32 from an ``(H, W)`` or ``(T, H, W)`` array, or a clear error."""
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{owner}: {what} must be numeric, got dtype {array.dtype}")
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3:
        raise ValueError(f"{owner}: {what} must be (H, W) or (T, H, W), got shape "
                         f"{array.shape}")
    check_shape(array.shape[1:], owner)
    with np.errstate(under="ignore", over="raise"):  # tiny values round to 0 in float32
        try:
            out = np.ascontiguousarray(array, dtype=np.float32)
        except FloatingPointError:
            raise ValueError(f"{owner}: {what} exceed float32 range") from None
    if np.isinf(out).any():
        raise ValueError(f"{owner}: {what} contain infinity; use NaN for no data")
    return out


def read_values(values: Any, base: Any, check: bool, owner: str) -> tuple[Any, Any]:
    """A terrain's values (and base counts) as a float32 ``(T, H, W)`` array or
    :class:`GridCells`, checked to be counts (whole, ≥ 0; NaN = no data) when ``check``:
    the values, or the base counts of a measure. Errors name the layer and the cell."""
    if isinstance(values, GridCells):
        if base is not None and not isinstance(base, GridCells):
            raise TypeError(f"{owner}: with GridCells values, base must be GridCells too")
        if check:
            checked, what = (values, "values") if base is None else (base, "base counts")
            require_counts(checked.values, owner, lambda i: _describe_listed(checked, i),
                           what=what)
        return values, base
    raw = float_array(values, "values", owner)
    base_counts = None
    if base is not None:
        array = getattr(base, "values", base) if is_grid_like(base) else base
        base_counts = float_array(array, "base", owner)
        if base_counts.shape != raw.shape:
            raise ValueError(f"{owner}: base has shape {base_counts.shape[1:]} × "
                             f"{base_counts.shape[0]} steps, values "
                             f"{raw.shape[1:]} × {raw.shape[0]}; they must match")
    if check:
        checked, what = (raw, "values") if base_counts is None else (base_counts, "base counts")
        name = "values" if base_counts is None else "base"
        two_d = np.ndim(values) == 2

        def where(flat: int) -> str:
            step, row, col = np.unravel_index(flat, raw.shape)
            if two_d:
                return f"{name}[{row}, {col}] (row {row} from the south, column {col})"
            return f"{name}[{step}, {row}, {col}] (step {step}, row {row}, column {col})"

        require_counts(checked, owner, where, what=what)
    return raw, base_counts


def _describe_listed(cells: GridCells, flat: int) -> str:
    step, i = divmod(int(flat), len(cells.rows))
    return f"cell (row {cells.rows[i]}, column {cells.cols[i]}) at step {step}"


def check_shape(shape: Sequence[int], owner: str) -> None:
    if shape[0] < 2 or shape[1] < 2:
        raise ValueError(f"{owner}: a terrain needs at least 2×2 cells, got "
                         f"{shape[0]}×{shape[1]}")


def bin_points(frame: pd.DataFrame, *, x: str, y: str, value: str, cell_size: float,
               time: str | None, extent: Sequence[float] | None, fill: float,
               base: str | None, check_counts: bool, owner: str
               ) -> tuple[GridCells, GridCells | None, tuple[float, ...], list[Any] | None]:
    """Bin a DataFrame's rows into cells (and time steps); see ``Terrain.from_points``.

    Returns ``(values, base or None, extent, time labels or None)``.
    """
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
    if check_counts:
        column, numbers = (value, vs) if bs is None else (base, bs)
        require_counts(numbers, owner, lambda i: f"column {column!r}, row "
                       f"{label_text(frame.index[i])}",
                       what="values" if bs is None else "base counts")
    if not (fill == 0.0 or np.isnan(fill)):
        raise ValueError(f"{owner}: fill must be 0 (nobody there) or NaN (no data), got "
                         f"{fill!r}")
    c = float(cell_size)
    try:
        flat, kept, box, (h, w) = grid_cell_index(
            xs, ys, cell_size=c, extent=None if extent is None else tuple(map(float, extent)))
    except ValueError as exc:
        raise ValueError(f"{owner}: {exc}") from None
    if w < 2 or h < 2:
        raise ValueError(f"{owner}: the points span {w}×{h} cells of {c} m; a terrain needs "
                         "at least 2×2")
    if time is None:
        labels, step = None, np.zeros(len(frame), np.int64)
    else:
        if frame[time].isna().any():
            rows = list(frame.index[frame[time].isna()][:5])
            raise ValueError(f"{owner}: column {time!r} has missing time labels (rows {rows})")
        labels, step = time_steps(frame[time])
    steps = 1 if labels is None else len(labels)
    key = step[kept] * (h * w) + flat                      # (step, cell), one per kept row
    keys, inverse, rows_per_key = np.unique(key, return_inverse=True, return_counts=True)
    if bs is not None and (rows_per_key > 1).any():
        raise ValueError(f"{owner}: {int((rows_per_key > 1).sum())} cell(s) hold more than one "
                         f"row, and a measure ({value!r} with base={base!r}) cannot be summed; "
                         "aggregate the counts first, or bin a larger cell")
    key_step, key_cell = np.divmod(keys, h * w)
    cells, cell_of_key = np.unique(key_cell, return_inverse=True)
    row_of, col_of = np.divmod(cells, w)

    def cells_of(weights: npt.NDArray[np.float64], empty: float) -> GridCells:
        sums = np.bincount(inverse, weights=weights[kept], minlength=len(keys))
        out = np.full((steps, len(cells)), empty, np.float64)
        out[key_step, cell_of_key] = sums   # summed in row order, as grid_points sums
        with np.errstate(under="ignore"):
            return GridCells(row_of, col_of, out.astype(np.float32), (h, w), empty)

    values = cells_of(vs, fill)
    base_cells = None if bs is None else cells_of(bs, 0.0)
    return values, base_cells, box, labels


__all__ = ["GridCells", "bin_points", "check_shape", "float_array", "is_grid_like",
           "read_values"]
