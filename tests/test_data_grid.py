"""Grids: point binning (row 0 is south), grid square ids, coarsening."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vizkit.data import (
    DataError,
    Grid,
    grid_from_frame,
    grid_from_ids,
    grid_points,
    inspire_id,
    parse_inspire_id,
    parse_ssbid,
    ssbid,
)


def test_points_counts_and_south_is_row_zero() -> None:
    x = np.array([0.5, 1.5, 1.6, 2.5, 0.1])
    y = np.array([0.5, 0.5, 0.7, 2.5, 2.9])
    g = grid_points(x, y, cell_size=1.0, extent=(0, 0, 3, 3))
    assert g.values.shape == (3, 3)
    expected = np.array([[1, 2, 0],   # y in [0, 1): southern-most row
                         [0, 0, 0],
                         [1, 0, 1]])  # y in [2, 3)
    np.testing.assert_array_equal(g.values, expected)
    cx, cy = g.centres()
    assert cx.tolist() == [0.5, 1.5, 2.5] and cy[0] == 0.5  # y grows with the row


def test_points_weights_inferred_extent_and_clipping() -> None:
    g = grid_points([1000.0, 1999.0, 5500.0], [200.0, 300.0, 2500.0], [1.5, 2.0, 4.0],
                    cell_size=1000)
    assert g.extent == (1000.0, 0.0, 6000.0, 3000.0)
    assert g.values[0, 0] == 3.5 and g.values[2, 4] == 4.0 and g.total() == 7.5
    # points on the east/north edge of an explicit extent fall outside (half-open cells)
    g = grid_points([0.0, 2.0, -0.1], [0.0, 1.0, 1.0], cell_size=1.0, extent=(0, 0, 2, 2))
    assert g.total() == 1.0


def test_grid_rejects_inconsistent_extent() -> None:
    with pytest.raises(ValueError, match="does not hold"):
        Grid(np.zeros((2, 3)), (0, 0, 3, 3), 1.0, "EPSG:3006")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(-5e4, 5e4, allow_subnormal=False), st.floats(6e6, 6.1e6)),
                min_size=1,
                max_size=200), st.sampled_from([250.0, 1000.0, 5000.0]))
def test_property_binning_keeps_every_point(points: list[tuple[float, float]],
                                            size: float) -> None:
    xy = np.array(points)
    g = grid_points(xy[:, 0], xy[:, 1], cell_size=size)
    assert g.total() == len(points)
    # every point lies in the cell it was counted in (a coordinate of 1e-308 divided by the
    # cell size underflows to a subnormal: harmless here, so not an error in this check)
    with np.errstate(under="ignore"):
        row = np.floor((xy[:, 1] - g.extent[1]) / size).astype(int)
        col = np.floor((xy[:, 0] - g.extent[0]) / size).astype(int)
    assert (g.values[np.clip(row, 0, g.shape[0] - 1), np.clip(col, 0, g.shape[1] - 1)] > 0).all()


def test_ssbid_with_negative_easting() -> None:
    x, y = parse_ssbid(["19250006616000", "20000006000000", 21000007000000])
    assert x.tolist() == [-75_000, 0, 100_000]
    assert y.tolist() == [6_616_000, 6_000_000, 7_000_000]
    assert ssbid(x, y).tolist() == [19250006616000, 20000006000000, 21000007000000]
    with pytest.raises(DataError, match="ssbid"):
        parse_ssbid(["19250006616000", "abc"])


def test_grid_from_ssbids_uses_size_from_column_name() -> None:
    ids = pd.Series(["19250006616000", "19270006617000"], name="ssbid_1000m")
    g = grid_from_ids(ids, [10, 146])
    assert g.cell_size == 1000.0 and g.crs == "EPSG:25833"
    assert g.extent == (-75_000.0, 6_616_000.0, -72_000.0, 6_618_000.0)
    assert g.values[0, 0] == 10 and g.values[1, 2] == 146 and g.values.sum() == 156


def test_inspire_ids_long_and_short() -> None:
    ids = inspire_id([650_000, 651_000], [6_640_000, 6_641_000], 1000, 3006)
    assert ids.tolist() == ["CRS3006RES1000mN6640000E650000", "CRS3006RES1000mN6641000E651000"]
    x, y, size, crs = parse_inspire_id(ids)
    assert x.tolist() == [650_000, 651_000] and size == 1000.0 and crs == "EPSG:3006"
    x, y, size, crs = parse_inspire_id(["1kmN2684E4334", "1kmN2685E4334"])
    assert x.tolist() == [4_334_000] * 2 and y.tolist() == [2_684_000, 2_685_000]
    assert size == 1000.0 and crs == "EPSG:3035"
    with pytest.raises(DataError, match="mix"):
        parse_inspire_id(["CRS3006RES1000mN1E1", "CRS3006RES250mN1E1"])
    with pytest.raises(DataError, match="not an INSPIRE"):
        parse_inspire_id(["CRS3006RES1000mN1E1", "hello"])


def test_series_from_frame_and_coarsen() -> None:
    df = pd.DataFrame({"grid_id": inspire_id([0, 1000, 4000, 5000], [0, 0, 4000, 5000], 1000,
                                             3006),
                       "pop_2023": [1, 2, 3, 4], "pop_2024": [2, 3, 4, 5]})
    g = grid_from_frame(df, "grid_id", ["pop_2023", "pop_2024"])
    assert g.values.shape == (2, 6, 6) and g.times == ("pop_2023", "pop_2024")
    np.testing.assert_array_equal(g.total(), [10, 14])
    c = g.coarsen(5)
    assert c.cell_size == 5000 and c.extent == (0.0, 0.0, 10_000.0, 10_000.0)
    np.testing.assert_array_equal(c.values[0], [[6, 0], [0, 4]])
    np.testing.assert_array_equal(c.values[1], [[9, 0], [0, 5]])
    frame = c.to_frame()
    assert frame.columns.tolist() == ["x", "y", "pop_2023", "pop_2024"] and len(frame) == 2
    with pytest.raises(DataError, match="'nope'"):
        grid_from_frame(df, "nope", "pop_2023")


def test_nan_points_are_dropped() -> None:
    g = grid_points([0.5, np.nan, 1.5], [0.5, 0.5, np.inf], cell_size=1.0)
    assert g.total() == 1.0 and g.shape == (1, 1)
