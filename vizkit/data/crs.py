"""Coordinate reference systems through pyproj.

Scenes work in a projected metric space; the default is SWEREF99 TM (EPSG:3006), the Swedish
national grid. Axis order is always x = easting/longitude, y = northing/latitude
(``always_xy=True``), whatever the CRS definition says.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"
SWEREF99_TM = "EPSG:3006"
#: ETRS89 / UTM zone 33N, the CRS of Statistics Norway's grid squares.
UTM33N = "EPSG:25833"


@lru_cache(maxsize=64)
def transformer(src: str, dst: str) -> Transformer:
    """A cached pyproj transformer from ``src`` to ``dst`` with x/y (lon/lat) axis order."""
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def project(x: npt.ArrayLike, y: npt.ArrayLike, src: str = WGS84, dst: str = SWEREF99_TM
            ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Transform coordinates between CRSs, vectorised.

    Args:
        x: (N,) eastings, or longitudes in degrees for geographic CRSs.
        y: (N,) northings, or latitudes in degrees.
        src: Source CRS (anything pyproj accepts, e.g. ``"EPSG:4326"``).
        dst: Target CRS.

    Returns:
        ``(x, y)`` float64 arrays of the same shape, in the units of ``dst`` (metres for
        projected CRSs).
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if src == dst:
        return xa.copy(), ya.copy()
    tx, ty = transformer(str(src), str(dst)).transform(xa, ya)
    return np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)


def is_geographic(crs: str) -> bool:
    """True when ``crs`` uses degrees (latitude/longitude) rather than metres."""
    return bool(CRS.from_user_input(crs).is_geographic)
