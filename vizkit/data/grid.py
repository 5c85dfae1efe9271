"""Regular grids: binning points, and statistics-office grid square ids → arrays.

**Convention.** A :class:`Grid` holds ``values`` of shape ``(H, W)`` — or ``(T, H, W)`` for a
series (one layer per entry of ``times``) — on cells of ``cell_size`` metres covering
``extent = (xmin, ymin, xmax, ymax)`` in a projected CRS. **Row 0 is the southern-most row**:
``values[..., i, j]`` covers ``x in [xmin + j*cell, xmin + (j+1)*cell)`` and
``y in [ymin + i*cell, ymin + (i+1)*cell)``, so y grows with the row index, as in a texture whose
v axis points north. (Image files put north at row 0; flip with ``values[..., ::-1, :]`` to
save one.) Cells are half-open: a point on the east or north edge of the extent is outside.

**Grid square ids.** Statistics offices publish gridded counts keyed by an id that encodes the
square's lower-left corner:

- Statistics Norway ``ssbid``: ``(x + 2_000_000) * 10_000_000 + y`` in ETRS89 / UTM 33N
  (EPSG:25833). The offset lets eastings west of the zone be negative (down to −75,000 m in
  the national files). The size is not encoded in the id but in the column name
  (``ssbid_1000m``, ``ru5000m``).
- INSPIRE / Eurostat GEOSTAT: ``CRS3035RES1000mN2684000E4334000`` (CRS, size in metres,
  northing and easting of the corner), also the short form ``1kmN2684E4334`` (km units, EPSG:3035
  implied). vizkit's sample grid uses ``CRS3006RES1000mN…E…`` (SWEREF99 TM).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.data.errors import DataError
from vizkit.data.provenance import Provenance, get_provenance

Extent = tuple[float, float, float, float]

_SSB_OFFSET = 2_000_000
_SSB_FACTOR = 10_000_000
_INSPIRE = re.compile(r"^CRS(\d+)RES(\d+)mN(-?\d+)E(-?\d+)$")
_INSPIRE_SHORT = re.compile(r"^(\d+)(k?m)N(-?\d+)E(-?\d+)$")
_SIZE_IN_NAME = re.compile(r"(\d+)\s*(k?m)\b|(\d+)(k?m)$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, eq=False)
class Grid:
    """Values on a regular grid of square cells (see the module docstring for the convention).

    Attributes:
        values: (H, W) or (T, H, W) float64; row 0 is the southern-most row.
        extent: ``(xmin, ymin, xmax, ymax)`` in metres of ``crs``; ``xmax - xmin == W * cell_size``.
        cell_size: Side of a cell in metres.
        crs: CRS of the extent, e.g. ``"EPSG:3006"``.
        provenance: Where the values came from.
        times: Labels of the leading axis when ``values`` is 3-D (e.g. years), else ``()``.
    """

    values: npt.NDArray[np.float64]
    extent: Extent
    cell_size: float
    crs: str
    provenance: Provenance | None = None
    times: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        h, w = self.values.shape[-2:]
        xmin, ymin, xmax, ymax = self.extent
        if not (math.isclose(xmax - xmin, w * self.cell_size)
                and math.isclose(ymax - ymin, h * self.cell_size)):
            raise ValueError(f"extent {self.extent} does not hold {h}x{w} cells of "
                             f"{self.cell_size} m")
        if self.values.ndim == 3 and len(self.times) != self.values.shape[0]:
            raise ValueError("times must label every layer of a (T, H, W) grid")

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)``: rows (south → north) and columns (west → east)."""
        h, w = self.values.shape[-2:]
        return int(h), int(w)

    def centres(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Cell-centre coordinates: ``(x (W,), y (H,))`` in metres, ``y[0]`` southern-most."""
        h, w = self.shape
        xmin, ymin = self.extent[:2]
        return (xmin + (np.arange(w) + 0.5) * self.cell_size,
                ymin + (np.arange(h) + 0.5) * self.cell_size)

    def total(self) -> float | npt.NDArray[np.float64]:
        """Sum over cells (ignoring NaN): a float, or (T,) for a series."""
        return np.nansum(self.values, axis=(-2, -1))

    def coarsen(self, factor: int) -> Grid:
        """Sum blocks of ``factor`` × ``factor`` cells into cells of ``factor * cell_size``.

        The new cells are aligned to multiples of the new size in the CRS (so a 1 km grid
        coarsens onto the same 5 km squares a statistics office publishes); the array is padded
        with zeros where needed.
        """
        size = self.cell_size * factor
        xmin, ymin, xmax, ymax = self.extent
        nx0, ny0 = math.floor(xmin / size) * size, math.floor(ymin / size) * size
        nx1, ny1 = math.ceil(xmax / size) * size, math.ceil(ymax / size) * size
        w, h = round((nx1 - nx0) / size), round((ny1 - ny0) / size)
        ox, oy = round((xmin - nx0) / self.cell_size), round((ymin - ny0) / self.cell_size)
        lead = self.values.shape[:-2]
        padded = np.zeros((*lead, h * factor, w * factor))
        hh, ww = self.shape
        padded[..., oy:oy + hh, ox:ox + ww] = self.values
        summed = padded.reshape(*lead, h, factor, w, factor).sum(axis=(-3, -1))
        return dataclasses.replace(self, values=summed, extent=(nx0, ny0, nx1, ny1),
                                   cell_size=size)

    def to_frame(self, *, nonzero: bool = True) -> pd.DataFrame:
        """Cells as rows: lower-left corner ``x``, ``y`` (metres) and one value column per layer
        (``value``, or the ``times`` labels); only non-zero cells when ``nonzero``."""
        h, w = self.shape
        flat = self.values.reshape(-1, h * w) if self.values.ndim == 3 else self.values.reshape(
            1, -1)
        keep = np.flatnonzero(np.any(flat != 0, axis=0)) if nonzero else np.arange(h * w)
        rows, cols = np.divmod(keep, w)
        out = {"x": self.extent[0] + cols * self.cell_size,
               "y": self.extent[1] + rows * self.cell_size}
        names = self.times or ("value",)
        out.update({str(name): flat[k, keep] for k, name in enumerate(names)})
        return pd.DataFrame(out)


def grid_points(x: npt.ArrayLike, y: npt.ArrayLike, weight: npt.ArrayLike | None = None, *,
                cell_size: float, extent: Extent | None = None, crs: str = "EPSG:3006",
                provenance: Provenance | None = None) -> Grid:
    """Bin points into a regular grid: counts, or sums of ``weight``.

    Vectorised: one ``np.bincount`` over flat cell indices.

    Args:
        x: (N,) eastings, metres.
        y: (N,) northings, metres.
        weight: (N,) weights; None counts points.
        cell_size: Cell side, metres.
        extent: ``(xmin, ymin, xmax, ymax)``; must be a whole number of cells. Default: the
            data's bounds snapped outward to multiples of ``cell_size``. Points outside, and
            points with NaN coordinates, are dropped.
        crs: CRS of the coordinates.
        provenance: Attached to the grid.

    Returns:
        Grid with ``values`` (H, W) float64, row 0 southern-most.
    """
    with np.errstate(under="ignore"):  # subnormal coordinates are harmless
        return _grid_points(x, y, weight, cell_size, extent, crs, provenance)


def _grid_points(x: npt.ArrayLike, y: npt.ArrayLike, weight: npt.ArrayLike | None,
                 cell_size: float, extent: Extent | None, crs: str,
                 provenance: Provenance | None) -> Grid:
    wa = None if weight is None else np.asarray(weight, dtype=np.float64).ravel()
    flat, kept, extent, (h, w) = grid_cell_index(x, y, cell_size=cell_size, extent=extent)
    if wa is not None and not kept.all():
        wa = wa[kept]
    values = np.bincount(flat, weights=wa, minlength=h * w).astype(np.float64).reshape(h, w)
    return Grid(values, extent, float(cell_size), crs, provenance)


def grid_cell_index(x: npt.ArrayLike, y: npt.ArrayLike, *, cell_size: float,
                    extent: Extent | None = None
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], Extent,
                               tuple[int, int]]:
    """The cell each point falls in, as :func:`grid_points` bins them — for binning without a
    dense grid (a sparse layer over a big extent).

    Returns:
        ``(flat, kept, extent, (H, W))``: flat cell index ``row * W + col`` of each kept point
        (row 0 southern-most), which points were kept (finite and inside the extent), the
        extent (given, or the points' bounds snapped outward to multiples of ``cell_size``)
        and the grid's shape.
    """
    with np.errstate(under="ignore"):  # subnormal coordinates are harmless
        xa = np.asarray(x, dtype=np.float64).ravel()
        ya = np.asarray(y, dtype=np.float64).ravel()
        if xa.shape != ya.shape:
            raise ValueError(f"x and y differ in length: {xa.shape} vs {ya.shape}")
        kept = np.isfinite(xa) & np.isfinite(ya)
        if not kept.all():  # NaN/inf coordinates are outside every grid
            xa, ya = xa[kept], ya[kept]
        if extent is None:
            if len(xa) == 0:
                raise ValueError("cannot infer an extent from zero points; pass extent=")
            x0 = math.floor(xa.min() / cell_size) * cell_size
            y0 = math.floor(ya.min() / cell_size) * cell_size
            x1 = (math.floor(xa.max() / cell_size) + 1) * cell_size
            y1 = (math.floor(ya.max() / cell_size) + 1) * cell_size
            extent, clip = (x0, y0, x1, y1), False
        else:
            clip = True
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
        w = round((xmax - xmin) / cell_size)
        h = round((ymax - ymin) / cell_size)
        inv = 1.0 / cell_size
        fx = xa - xmin  # fractional cell coordinates, in place to spare temporaries
        fx *= inv
        fy = ya - ymin
        fy *= inv
        if clip:
            inside = (fx >= 0) & (fx < w) & (fy >= 0) & (fy < h)
            if not inside.all():
                fx, fy = fx[inside], fy[inside]
                kept[np.flatnonzero(kept)[~inside]] = False
        ix = fx.astype(np.int64)  # truncation is floor here: every coordinate is >= 0
        iy = fy.astype(np.int64)
        if not clip:  # float rounding at the top edge
            np.minimum(ix, w - 1, out=ix)
            np.minimum(iy, h - 1, out=iy)
        iy *= w
        iy += ix
        return iy, kept, (xmin, ymin, xmax, ymax), (h, w)


def parse_ssbid(ids: npt.ArrayLike | pd.Series) -> tuple[npt.NDArray[np.int64],
                                                           npt.NDArray[np.int64]]:
    """Lower-left corners ``(x, y)`` in metres (EPSG:25833) of Statistics Norway ``ssbid``s.

    Raises:
        DataError: an id is not a whole number (field: the Series name or ``"ssbid"``).
    """
    field = str(getattr(ids, "name", None) or "ssbid")
    s = pd.Series(np.asarray(ids)).astype(str).str.strip()
    num = pd.to_numeric(s, errors="coerce")
    if num.isna().any():
        bad = s[num.isna()].iloc[0]
        raise DataError(None, field, "not a Statistics Norway grid id (digits expected)", bad)
    arr = num.to_numpy(dtype=np.int64)
    return arr // _SSB_FACTOR - _SSB_OFFSET, arr % _SSB_FACTOR


def ssbid(x: npt.ArrayLike, y: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Statistics Norway ids for lower-left corners ``(x, y)`` (EPSG:25833 metres)."""
    return (np.asarray(x, np.int64) + _SSB_OFFSET) * _SSB_FACTOR + np.asarray(y, np.int64)


def inspire_id(x: npt.ArrayLike, y: npt.ArrayLike, cell_size: int, epsg: int) -> pd.Series:
    """INSPIRE-style ids ``CRS{epsg}RES{size}mN{y}E{x}`` for lower-left corners, as strings."""
    xs = pd.Series(np.asarray(x, np.int64)).astype(str)
    ys = pd.Series(np.asarray(y, np.int64)).astype(str)
    return f"CRS{epsg}RES{int(cell_size)}mN" + ys + "E" + xs


def parse_inspire_id(ids: npt.ArrayLike | pd.Series
                     ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], float, str]:
    """Parse INSPIRE / GEOSTAT grid ids (long or short form).

    Returns:
        ``(x, y, cell_size, crs)``: lower-left corners in metres, cell side, ``"EPSG:nnnn"``.

    Raises:
        DataError: an id does not parse, or ids mix sizes or CRSs.
    """
    field = str(getattr(ids, "name", None) or "grid_id")
    s = pd.Series(np.asarray(ids)).astype(str).str.strip()
    long = s.str.extract(_INSPIRE)
    if long.notna().all(axis=None):
        epsg, size = long[0].unique(), long[1].unique()
        x, y = long[3].astype(np.int64).to_numpy(), long[2].astype(np.int64).to_numpy()
        unit = 1
    else:
        short = s.str.extract(_INSPIRE_SHORT)
        if not short.notna().all(axis=None):
            bad = s[long.isna().any(axis=1) & short.isna().any(axis=1)].iloc[0]
            raise DataError(None, field, "not an INSPIRE grid id (CRS…RES…mN…E… or 1kmN…E…)",
                            bad)
        epsg = np.array(["3035"])
        unit = 1000 if (short[1] == "km").all() else 1
        size = (short[0].astype(np.int64) * unit).astype(str).unique()
        x = short[3].astype(np.int64).to_numpy() * unit
        y = short[2].astype(np.int64).to_numpy() * unit
    if len(epsg) != 1 or len(size) != 1:
        raise DataError(None, field, "ids mix CRSs or cell sizes", sorted({*epsg, *size}))
    return x, y, float(size[0]), f"EPSG:{epsg[0]}"


def cell_size_from_name(name: str) -> float | None:
    """Cell size in metres from a column name like ``ssbid_1000m``, ``ru5000m``, ``rute_1km``."""
    m = _SIZE_IN_NAME.search(name)
    if not m:
        return None
    number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return float(number) * (1000 if unit.lower() == "km" else 1)


def grid_from_ids(ids: npt.ArrayLike | pd.Series, values: npt.ArrayLike, *,
                  scheme: str = "auto", cell_size: float | None = None, crs: str | None = None,
                  extent: Extent | None = None, times: Sequence[str] = (),
                  provenance: Provenance | None = None) -> Grid:
    """Place values keyed by grid square ids onto a :class:`Grid`.

    Args:
        ids: (N,) grid square ids (strings or integers).
        values: (N,) values, or (N, T) for a series (one column per entry of ``times``).
        scheme: ``"ssb"``, ``"inspire"`` or ``"auto"`` (INSPIRE when ids contain ``"RES"`` or
            ``"mN"``, else ssb).
        cell_size: Cell side in metres. Required for ssb ids unless ``ids`` is a Series named
            with the size (``ssbid_1000m``); otherwise the gcd of the corner coordinates.
        crs: Override the CRS (ssb default: EPSG:25833; INSPIRE: from the id).
        extent: Output extent; default: the squares' bounds.
        times: Labels of the value columns for a series.
        provenance: Attached to the grid.

    Returns:
        Grid whose cells without an id are 0; duplicate ids are summed.
    """
    vals = np.asarray(values, dtype=np.float64)
    s = pd.Series(np.asarray(ids))
    name = getattr(ids, "name", None)
    if scheme == "auto":
        first = str(s.iloc[0]) if len(s) else ""
        scheme = "inspire" if ("RES" in first or "mN" in first) else "ssb"
    if scheme == "ssb":
        s.name = name
        x, y = parse_ssbid(s)
        size = cell_size or (cell_size_from_name(str(name)) if name else None)
        if size is None:
            size = float(np.gcd.reduce(np.abs(np.concatenate([x, y])))) or 1.0
        crs = crs or "EPSG:25833"
    elif scheme == "inspire":
        s.name = name
        x, y, size_parsed, crs_parsed = parse_inspire_id(s)
        size, crs = cell_size or size_parsed, crs or crs_parsed
    else:
        raise ValueError(f"unknown grid id scheme {scheme!r}; use 'ssb', 'inspire' or 'auto'")
    if vals.shape[0] != len(x):
        raise ValueError(f"{len(x)} ids but {vals.shape[0]} values")
    if extent is None:
        extent = (float(x.min()), float(y.min()), float(x.max() + size), float(y.max() + size))
    xmin, ymin, xmax, ymax = extent
    w, h = round((xmax - xmin) / size), round((ymax - ymin) / size)
    ix = np.floor((x - xmin) / size).astype(np.int64)
    iy = np.floor((y - ymin) / size).astype(np.int64)
    if ((ix < 0) | (ix >= w) | (iy < 0) | (iy >= h)).any():
        raise ValueError(f"grid squares fall outside the extent {extent}")
    flat = iy * w + ix
    if vals.ndim == 1:
        out = np.bincount(flat, weights=vals, minlength=h * w).reshape(h, w)
    else:
        out = np.stack([np.bincount(flat, weights=vals[:, k], minlength=h * w).reshape(h, w)
                        for k in range(vals.shape[1])])  # loop over layers, not cells
        if len(times) != vals.shape[1]:
            times = tuple(str(k) for k in range(vals.shape[1]))
    return Grid(out, (float(xmin), float(ymin), float(xmax), float(ymax)), float(size), crs,
                provenance, tuple(str(t) for t in times) if vals.ndim == 2 else ())


def grid_from_frame(df: pd.DataFrame, id_column: str, value_columns: str | Sequence[str], *,
                    scheme: str = "auto", cell_size: float | None = None,
                    crs: str | None = None, extent: Extent | None = None) -> Grid:
    """:func:`grid_from_ids` on a DataFrame: one column of ids, one or several value columns.

    Several value columns (e.g. ``["pop_2019", …, "pop_2024"]``) give a (T, H, W) series with
    ``times`` set to the column names. The frame's provenance is carried over.

    Raises:
        DataError: a named column is missing (the message names the file and column).
    """
    prov = get_provenance(df)
    file = prov.file if prov else None
    cols = [value_columns] if isinstance(value_columns, str) else list(value_columns)
    for col in (id_column, *cols):
        if col not in df.columns:
            raise DataError(file, col, "no such column", list(df.columns))
    try:
        vals = df[cols[0]].to_numpy(np.float64) if isinstance(value_columns, str) else \
            df[cols].to_numpy(np.float64)
        return grid_from_ids(df[id_column], vals, scheme=scheme, cell_size=cell_size, crs=crs,
                             extent=extent, times=cols if not isinstance(value_columns, str)
                             else (), provenance=prov)
    except DataError as exc:
        raise DataError(file, exc.field, exc.reason, exc.value) from exc
    except (ValueError, TypeError) as exc:
        raise DataError(file, ",".join(cols), str(exc)) from exc
