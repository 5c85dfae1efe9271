"""Coordinates through pyproj: SWEREF99 TM ↔ WGS84."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vizkit.data import SWEREF99_TM, WGS84, project

# GRS80, the ellipsoid of SWEREF99
A = 6_378_137.0
F = 1 / 298.257222101
E2 = F * (2 - F)


def meridian_arc(lat_deg: float) -> float:
    """Distance along the meridian from the equator, by numerical integration (independent
    of pyproj)."""
    phi = np.linspace(0.0, np.radians(lat_deg), 200_001)
    m = A * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5
    return float(np.sum((m[1:] + m[:-1]) / 2 * np.diff(phi)))


def test_central_meridian_known_points() -> None:
    # SWEREF99 TM: transverse Mercator on 15°E, scale 0.9996, false easting 500 000 m. On the
    # central meridian x is the false easting and y is the scaled meridian arc.
    lats = [0.0, 55.0, 60.0, 69.0]
    x, y = project([15.0] * 4, lats, WGS84, SWEREF99_TM)
    np.testing.assert_allclose(x, 500_000.0, atol=1e-6)
    np.testing.assert_allclose(y, [0.9996 * meridian_arc(v) for v in lats], atol=0.01)


def test_round_trip_within_one_metre_at_swedish_points() -> None:
    # Smygehuk (south), Uppsala, Treriksröset (north-west), Haparanda (east): WGS84 lon/lat
    lon = np.array([13.36, 17.639, 20.548, 24.137])
    lat = np.array([55.34, 59.859, 69.060, 65.835])
    x, y = project(lon, lat, WGS84, SWEREF99_TM)
    assert ((x > 250_000) & (x < 950_000)).all() and ((y > 6_100_000) & (y < 7_700_000)).all()
    lon2, lat2 = project(x, y, SWEREF99_TM, WGS84)
    x2, y2 = project(lon2, lat2, WGS84, SWEREF99_TM)
    assert np.hypot(x2 - x, y2 - y).max() < 1.0
    assert np.abs(lat2 - lat).max() * 111_000 < 1.0
    assert (np.abs(lon2 - lon) * 111_000 * np.cos(np.radians(lat))).max() < 1.0


def test_same_crs_is_a_copy() -> None:
    x, y = project([1.0], [2.0], SWEREF99_TM, SWEREF99_TM)
    assert x.tolist() == [1.0] and y.tolist() == [2.0]


@settings(max_examples=50, deadline=None)
@given(st.floats(11.0, 24.0), st.floats(55.0, 69.0))
def test_property_round_trip_over_sweden(lon: float, lat: float) -> None:
    x, y = project([lon], [lat])
    lon2, lat2 = project(x, y, SWEREF99_TM, WGS84)
    dx = (lon2[0] - lon) * 111_000 * np.cos(np.radians(lat))
    dy = (lat2[0] - lat) * 111_000
    assert np.hypot(dx, dy) < 1.0
